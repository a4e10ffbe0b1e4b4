"""Which running Parley owns a streaming reply, so that another never marks it interrupted.

Each process that writes holds a lock on its own file in ``parley.db.owners/``. The OS drops
the lock when the process ends, however it ends (SIGKILL, a power cut), so a reply whose
owner's file can be locked by someone else was left by a Parley that is gone.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path
from typing import IO

if os.name == "nt":  # pragma: no cover - tested on Windows only
    import msvcrt

    def _try_lock(file: IO[bytes], *, shared: bool = False) -> bool:
        try:  # Windows has no shared lock here: a checker's lock is as exclusive as an owner's
            msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(file: IO[bytes], *, shared: bool = False) -> bool:
        try:
            kind = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
            fcntl.flock(file.fileno(), kind | fcntl.LOCK_NB)
        except OSError:
            return False
        return True


class Owner:
    """This process's claim; ``release`` it when done (the OS does if the process dies)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.token = uuid.uuid4().hex
        folder.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] | None = (folder / self.token).open("wb")
        if not _try_lock(self._file):  # a fresh random name: only a broken OS refuses
            raise OSError(f"could not lock {folder / self.token}")

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            with contextlib.suppress(OSError):
                (self.folder / self.token).unlink()


def alive(folder: Path, tokens: set[str]) -> set[str]:
    """Those of ``tokens`` whose process still runs. A gone owner's file is removed."""
    living = set()
    for token in tokens:
        path = folder / token
        if not token.isalnum():
            continue
        try:
            file = path.open("rb+")
        except OSError:  # no file: its owner released it, or it never had one
            continue
        with file:  # shared: two Parleys checking the same gone owner both see it gone
            if not _try_lock(file, shared=True):
                living.add(token)
                continue
        with contextlib.suppress(OSError):
            path.unlink()
    return living


def gone_owner_files(folder: Path, keep: str) -> None:
    """Remove the files of owners that have ended (a killed Parley leaves its file)."""
    with contextlib.suppress(OSError):
        tokens = {p.name for p in folder.iterdir() if p.name != keep}
        alive(folder, tokens)
