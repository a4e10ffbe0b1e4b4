"""Opening the database file: where it is, how it is set up, and what is done when it cannot
be used as it is (a damaged file is set aside, never deleted)."""

from __future__ import annotations

import contextlib
import datetime
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .errors import StoreError, StoreProblem, explained
from .functions import add_functions
from .schema import migrate

FILE_NAME = "parley.db"
BUSY_TIMEOUT_S = 5.0
"""How long a write waits for another Parley's (or a tool's) write to end before saying so."""
CHECK_MARK = ".check"
"""Next to the database: damage was seen while it was in use, so check it at the next start."""


def default_path() -> Path:
    from ..paths import data_dir

    return data_dir() / FILE_NAME


def connect(path: Path, *, busy_timeout: float = BUSY_TIMEOUT_S) -> sqlite3.Connection:
    """A connection as Parley uses one: transactions explicit, foreign keys enforced.

    ``synchronous=FULL``: in WAL mode NORMAL is already safe against a crash of Parley
    itself, but a power cut or an OS crash could then undo the last replies saved; FULL syncs
    the log at each commit, and the writer commits at most a few times a second, off the
    window's thread, so the cost is not felt. The schema's own SQL functions are added
    (``functions.add_functions``): its triggers call them.
    """
    db = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
    try:
        add_functions(db)
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA synchronous = FULL")
    except sqlite3.Error:
        db.close()
        raise
    return db


@dataclass(slots=True)
class Opened:
    db: sqlite3.Connection
    path: Path
    notice: str = ""
    """A sentence for the user about what was done on opening (a damaged file set aside)."""
    backup: Path | None = None
    """The copy made before an upgrade, if one ran."""


def open_database(path: Path, *, busy_timeout: float = BUSY_TIMEOUT_S) -> Opened:
    """Open (creating or upgrading) the database at ``path``; raises ``StoreError``.

    A file that is not a database, or whose schema cannot be read, is renamed aside with the
    date (``parley.db.damaged-2026-12-01T10-00-00``) and a new database is started; the
    ``notice`` says where the old one is.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise explained(error, path) from error
    try:
        return _opened(path, busy_timeout)
    except StoreError as error:
        if error.problem is not StoreProblem.CORRUPT:
            raise
        damage = str(error)
    try:
        aside = set_aside(path)
    except OSError as error:
        raise explained(error, path) from error
    opened = _opened(path, busy_timeout)
    opened.notice = (
        f"Parley's conversation database was damaged, so it was set aside as {aside} (kept, "
        f"not deleted) and a new one was started: your earlier conversations are in that "
        f"file. ({damage})"
    )
    return opened


def _opened(path: Path, busy_timeout: float) -> Opened:
    db: sqlite3.Connection | None = None
    try:
        db = connect(path, busy_timeout=busy_timeout)
        if path.with_name(path.name + CHECK_MARK).exists():
            _checked(db, path)
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        backup = migrate(db, path)
        # After migrate: a newer Parley's file, which it refuses, is left byte for byte as it was.
        db.execute("PRAGMA journal_mode = WAL").fetchone()
    except sqlite3.Error as error:
        if db is not None:
            db.close()
        raise explained(error, path) from error
    except StoreError:
        if db is not None:
            db.close()
        raise
    return Opened(db, path, backup=backup)


def _checked(db: sqlite3.Connection, path: Path) -> None:
    found = [row[0] for row in db.execute("PRAGMA quick_check")]
    if found != ["ok"]:
        raise StoreError(
            StoreProblem.CORRUPT, f"The conversation database {path} is damaged: {found[0]}"
        )
    path.with_name(path.name + CHECK_MARK).unlink(missing_ok=True)


def mark_for_check(path: Path) -> None:
    """Damage was seen in use: check the file at the next start (and set it aside if so)."""
    with contextlib.suppress(OSError):
        path.with_name(path.name + CHECK_MARK).touch()


def set_aside(path: Path) -> Path:
    """Rename the database (with its log) aside, named with the date; returns the new name."""
    stamp = datetime.datetime.now().strftime("%Y-%m-%dT%H-%M-%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    number = 1
    while aside.exists():
        number += 1
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{number}")
    path.rename(aside)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + suffix).rename(aside.with_name(aside.name + suffix))
    path.with_name(path.name + CHECK_MARK).unlink(missing_ok=True)
    return aside
