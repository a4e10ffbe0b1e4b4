"""A keyring backend that opens but refuses to write, as one whose unlock prompt is dismissed."""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import PasswordSetError


class RefusingKeyring(KeyringBackend):
    """Reads find nothing; every write is refused. Select it with
    ``PYTHON_KEYRING_BACKEND=tests.support.keyrings.RefusingKeyring``."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError("Prompt dismissed")

    def delete_password(self, service: str, username: str) -> None:
        raise PasswordSetError("Prompt dismissed")
