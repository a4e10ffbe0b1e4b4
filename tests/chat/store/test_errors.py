"""Each way SQLite or the file system refuses the database becomes its problem and its own
sentence, word for word: what the window and the command line say."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from chat.store.errors import StoreProblem, explained

LOCKED = (
    "The conversation database {path} is locked by another program (another Parley, or a tool "
    "that has it open): close that program, then try again. ({detail})"
)
FULL = (
    "The disk holding {path} is full: free some space, then try again; what was already saved "
    "is kept. ({detail})"
)
READ_ONLY = (
    "The conversation database {path} is read-only, so nothing new can be saved: give yourself "
    "write permission on it and its folder (or move PARLEY_HOME somewhere writable), then start "
    "Parley again. ({detail})"
)
CORRUPT = "The conversation database {path} is damaged. ({detail})"
UNREADABLE = (
    "Parley cannot open its conversation database {path}: check that the folder exists and "
    "that you may read and write it. ({detail})"
)
UNKNOWN = (
    "The conversation database {path} could not be used: try again, and if it keeps "
    "happening, report it. ({detail})"
)


def _raised(path: Path, *steps: str, uri: bool = False, timeout: float = 5.0) -> sqlite3.Error:
    """What SQLite raises at the last of ``steps`` run on ``path``."""
    try:
        with closing(sqlite3.connect(path, uri=uri, timeout=timeout)) as db:
            for step in steps:
                db.execute(step)
    except sqlite3.Error as error:
        return error
    raise AssertionError("SQLite raised nothing")


def _said(error: sqlite3.Error | OSError, path: Path) -> tuple[StoreProblem, str]:
    found = explained(error, path)
    return found.problem, str(found)


def test_a_database_another_program_holds_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as holder:
        holder.execute("CREATE TABLE t (x)")
        holder.execute("BEGIN EXCLUSIVE")
        error = _raised(path, "INSERT INTO t VALUES (1)", timeout=0)
    assert _said(error, path) == (
        StoreProblem.LOCKED,
        LOCKED.format(path=path, detail="database is locked"),
    )


def test_a_busy_snapshot_is_locked_too(tmp_path: Path) -> None:
    error = sqlite3.OperationalError("database is locked")
    error.sqlite_errorcode = 517  # SQLITE_BUSY_SNAPSHOT: an extended code, known by its name
    error.sqlite_errorname = "SQLITE_BUSY_SNAPSHOT"
    assert _said(error, tmp_path)[0] is StoreProblem.LOCKED


def test_a_full_database_says_what_was_saved_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    error = _raised(
        path,
        "CREATE TABLE t (x)",
        "PRAGMA max_page_count = 2",
        "INSERT INTO t VALUES (zeroblob(100000))",
    )
    assert _said(error, path) == (
        StoreProblem.FULL,
        FULL.format(path=path, detail="database or disk is full"),
    )


def test_the_disk_full_words_alone_say_full(tmp_path: Path) -> None:
    error = sqlite3.OperationalError("database or disk is full")
    assert _said(error, tmp_path)[0] is StoreProblem.FULL


def test_a_database_opened_read_only_says_how_to_write_again(tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE t (x)")
    error = _raised(Path(f"file:{path}?mode=ro"), "INSERT INTO t VALUES (1)", uri=True)
    assert _said(error, path) == (
        StoreProblem.READ_ONLY,
        READ_ONLY.format(path=path, detail="attempt to write a readonly database"),
    )


def test_an_extended_read_only_code_is_read_only_by_its_name(tmp_path: Path) -> None:
    error = sqlite3.OperationalError("attempt to write a readonly database")
    error.sqlite_errorcode = 1032  # SQLITE_READONLY_DBMOVED
    error.sqlite_errorname = "SQLITE_READONLY_DBMOVED"
    assert _said(error, tmp_path)[0] is StoreProblem.READ_ONLY


def test_a_file_that_is_no_database_is_damaged(tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    path.write_bytes(b"this is not SQLite" * 400)
    error = _raised(path, "SELECT * FROM sqlite_master")
    assert _said(error, path) == (
        StoreProblem.CORRUPT,
        CORRUPT.format(path=path, detail="file is not a database"),
    )


def test_a_database_in_a_folder_that_is_not_there_cannot_be_opened(tmp_path: Path) -> None:
    path = tmp_path / "gone" / "parley.db"
    error = _raised(path, "SELECT 1")
    assert _said(error, path) == (
        StoreProblem.UNREADABLE,
        UNREADABLE.format(path=path, detail="unable to open database file"),
    )


def test_a_folder_the_user_may_not_enter_cannot_be_opened(tmp_path: Path) -> None:
    error = PermissionError(13, "Permission denied")
    assert _said(error, tmp_path) == (
        StoreProblem.UNREADABLE,
        UNREADABLE.format(path=tmp_path, detail="[Errno 13] Permission denied"),
    )


@pytest.mark.parametrize(
    ("error", "detail"),
    [
        (sqlite3.OperationalError("no such table: t"), "no such table: t"),
        (sqlite3.DatabaseError(), "DatabaseError"),  # no words: its kind is the detail
    ],
)
def test_anything_else_is_said_with_what_sqlite_said(
    tmp_path: Path, error: sqlite3.Error, detail: str
) -> None:
    assert _said(error, tmp_path) == (
        StoreProblem.UNREADABLE,
        UNKNOWN.format(path=tmp_path, detail=detail),
    )
