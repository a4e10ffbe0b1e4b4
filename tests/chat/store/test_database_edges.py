"""Opening the database file at its edges: a damaged file set aside beside earlier ones, its
log moved with it, a lost folder, and connections that commit at once and wait as told."""

from __future__ import annotations

import datetime
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

from chat.store.database import CHECK_MARK, connect, mark_for_check, open_database, set_aside
from chat.store.errors import StoreError, StoreProblem


def _stamps() -> list[str]:
    """The names a set-aside made in the next few seconds can take."""
    now = datetime.datetime.now()
    return [(now + datetime.timedelta(seconds=s)).strftime("%Y-%m-%dT%H-%M-%S") for s in range(3)]


def test_a_second_damaged_file_in_the_same_second_is_numbered_two(tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    path.write_bytes(b"second")
    for stamp in _stamps():
        (tmp_path / f"parley.db.damaged-{stamp}").write_bytes(b"first")
    aside = set_aside(path)
    assert aside.name in {f"parley.db.damaged-{stamp}-2" for stamp in _stamps()[:2]}
    assert aside.read_bytes() == b"second"
    assert not path.exists()


def test_the_log_and_shared_memory_files_go_aside_with_the_database(tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    for suffix, content in (("", b"db"), ("-wal", b"wal"), ("-shm", b"shm"), (CHECK_MARK, b"")):
        path.with_name(path.name + suffix).write_bytes(content)
    aside = set_aside(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        aside.name,
        aside.name + "-shm",
        aside.name + "-wal",
    ]
    assert aside.with_name(aside.name + "-wal").read_bytes() == b"wal"
    assert aside.with_name(aside.name + "-shm").read_bytes() == b"shm"


def test_marking_a_database_whose_folder_is_gone_does_nothing(tmp_path: Path) -> None:
    mark_for_check(tmp_path / "gone" / "parley.db")
    assert list(tmp_path.iterdir()) == []


def test_a_connection_commits_each_statement_at_once(tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    with closing(connect(path)) as db, closing(connect(path)) as other:
        db.execute("CREATE TABLE t (x)")
        db.execute("INSERT INTO t VALUES (1)")
        assert not db.in_transaction
        assert other.execute("SELECT x FROM t").fetchall() == [(1,)]


def test_a_connection_waits_for_another_writer_only_as_long_as_told(tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    with closing(connect(path)) as holder, closing(connect(path, busy_timeout=0.2)) as db:
        holder.execute("CREATE TABLE t (x)")
        holder.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match=r"^database is locked$"):
            db.execute("BEGIN IMMEDIATE")
        waited = time.monotonic() - started
        holder.execute("ROLLBACK")
    assert 0.15 < waited < 2


def test_opening_a_database_another_program_holds_gives_up_after_the_wait_given(
    tmp_path: Path,
) -> None:
    path = tmp_path / "parley.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as holder:
        holder.execute("CREATE TABLE t (x)")
        holder.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        with pytest.raises(StoreError) as raised:
            open_database(path, busy_timeout=0.2)
        waited = time.monotonic() - started
        holder.execute("ROLLBACK")
    assert raised.value.problem is StoreProblem.LOCKED
    assert waited < 2
