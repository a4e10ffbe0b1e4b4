"""Which secrets Parley keeps in the keyring, by name and never by value, in one small file.

It lets a start that needs no secret leave the keyring closed: opening it costs about 10 MB
(D-Bus, the Secret Service's encryption) and may bring up an unlock prompt. A name is
``provider/kind@origin`` (see ``chat.secrets.secret_name``): what the settings file already
says about a provider, never a secret.

The file is a hint, and never the only truth. It is *complete* only once it was taken from the
keyring's own list of Parley's items (the Secret Service can list them; each opening of the
keyring takes the list again); until then every read asks the keyring. A name the file lists
whose secret is gone is dropped when it is read. Any damage reads as "not known".
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

FILE_NAME = "stored-secrets.json"
VERSION = 1
MAX_BYTES = 1 << 20
"""A longer file is not one Parley wrote (a thousand names take 60 KB): it reads as not known."""


def default_path() -> Path:
    from .paths import config_dir

    return config_dir() / FILE_NAME


class StoredNames:
    """The names of the secrets kept, and whether that list is the keyring's whole list.

    Reads and writes touch the disk: call them off the window's thread.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    def read(self) -> frozenset[str] | None:
        """The names kept, or None when they are not known (no file, a damaged one, or a
        list not yet taken from the keyring)."""
        try:
            with self.path.open("rb") as file:
                raw = file.read(MAX_BYTES + 1)
            data = json.loads(raw) if len(raw) <= MAX_BYTES else None
        except (OSError, ValueError, RecursionError):
            return None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return None
        names = data.get("names")
        if data.get("complete") is not True or not isinstance(names, list):
            return None
        if not all(isinstance(name, str) for name in names):
            return None
        return frozenset(names)

    def surely_absent(self, name: str) -> bool:
        """Is it known, without the keyring, that no secret is kept under ``name``?"""
        names = self.read()
        return names is not None and name not in names

    def replace(self, names: Iterable[str]) -> None:
        """Keep ``names``, the keyring's whole list of Parley's items."""
        self._write(frozenset(names))

    def note(self, name: str, stored: bool) -> None:
        """The keyring just said whether it keeps ``name``: bring a known list up to date
        (a list not known stays unknown: one name does not make it whole)."""
        names = self.read()
        if names is None or (name in names) == stored:
            return
        self._write(names | {name} if stored else names - {name})

    def _write(self, names: frozenset[str]) -> None:
        """Write atomically: a crash leaves the old list or the new one. A file that cannot
        be written only costs opening the keyring at the next start."""
        data = {"version": VERSION, "complete": True, "names": sorted(names)}
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".stored-secrets-")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as file:
                    json.dump(data, file, ensure_ascii=False, indent=1)
                os.replace(temporary, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
