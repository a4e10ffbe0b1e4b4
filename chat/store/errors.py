"""What can go wrong with the conversation database, as sentences a person can act on."""

from __future__ import annotations

import sqlite3
from enum import StrEnum
from pathlib import Path


class StoreProblem(StrEnum):
    LOCKED = "locked"
    READ_ONLY = "read-only"
    FULL = "full"
    CORRUPT = "corrupt"
    NEWER = "newer"
    UPGRADE_FAILED = "upgrade-failed"
    UNREADABLE = "unreadable"


class StoreError(Exception):
    """The database could not be used; ``str()`` is what to do, with the detail after it."""

    def __init__(self, problem: StoreProblem, sentence: str) -> None:
        super().__init__(sentence)
        self.problem = problem

    def __str__(self) -> str:
        return str(self.args[0])


def explained(error: sqlite3.Error | OSError, path: Path) -> StoreError:
    """The ``StoreError`` for what SQLite (or the file system) said about ``path``."""
    detail = str(error) or type(error).__name__
    code = getattr(error, "sqlite_errorcode", None)
    name = getattr(error, "sqlite_errorname", "") or ""
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or name.startswith("SQLITE_BUSY"):
        return StoreError(
            StoreProblem.LOCKED,
            f"The conversation database {path} is locked by another program (another Parley, "
            f"or a tool that has it open): close that program, then try again. ({detail})",
        )
    if code == sqlite3.SQLITE_FULL or "disk is full" in detail:
        return StoreError(
            StoreProblem.FULL,
            f"The disk holding {path} is full: free some space, then try again; what was "
            f"already saved is kept. ({detail})",
        )
    if code == sqlite3.SQLITE_READONLY or name.startswith("SQLITE_READONLY"):
        return StoreError(StoreProblem.READ_ONLY, read_only_sentence(path, detail))
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return StoreError(
            StoreProblem.CORRUPT,
            f"The conversation database {path} is damaged. ({detail})",
        )
    if isinstance(error, PermissionError) or code == sqlite3.SQLITE_CANTOPEN:
        return StoreError(
            StoreProblem.UNREADABLE,
            f"Parley cannot open its conversation database {path}: check that the folder "
            f"exists and that you may read and write it. ({detail})",
        )
    return StoreError(
        StoreProblem.UNREADABLE,
        f"The conversation database {path} could not be used: try again, and if it keeps "
        f"happening, report it. ({detail})",
    )


def read_only_sentence(path: Path, detail: str) -> str:
    return (
        f"The conversation database {path} is read-only, so nothing new can be saved: give "
        f"yourself write permission on it and its folder (or move PARLEY_HOME somewhere "
        f"writable), then start Parley again. ({detail})"
    )
