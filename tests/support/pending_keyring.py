"""A keyring backend whose every call waits, as the Secret Service does while its unlock
prompt is on screen and the user answers nothing (``PYTHON_KEYRING_BACKEND`` names it, in a
child process only)."""

from __future__ import annotations

import threading

from keyring.backend import KeyringBackend

FOREVER = threading.Event()


class Pending(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        FOREVER.wait()
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        FOREVER.wait()

    def delete_password(self, service: str, username: str) -> None:
        FOREVER.wait()
