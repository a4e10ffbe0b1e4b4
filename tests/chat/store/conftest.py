"""A real store in each test's own PARLEY_HOME, closed (its threads ended) when the test ends;
the database's path, everything in a database file, and a second Parley process."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from chat import paths
from chat.store import Store, StoreError

ROOT = Path(__file__).resolve().parents[3]

Contents = dict[str, Any]
"""Every row of every table by table name, the schema under "schema", the version under
"user_version"."""


@pytest.fixture
def problems() -> list[StoreError]:
    """What the store reported from its writer thread."""
    return []


@pytest.fixture
def store(problems: list[StoreError]) -> Iterator[Store]:
    opened = Store.open(problem=problems.append)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def db_path() -> Path:
    """Where Parley keeps its database in this test's PARLEY_HOME."""
    return paths.data_dir() / "parley.db"


def read_contents(path: Path) -> Contents:
    """Everything in the database at ``path``, read on a connection of its own."""
    with closing(sqlite3.connect(path)) as db:
        schema = db.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        found: Contents = {"schema": schema}
        found["user_version"] = db.execute("PRAGMA user_version").fetchone()[0]
        for kind, name, _, sql in schema:
            if kind == "table" and not str(sql).startswith("CREATE VIRTUAL"):
                table = db.execute(f'SELECT * FROM "{name}"').fetchall()
                found[name] = sorted(table, key=repr)  # some have no rowid to order by
        return found


@pytest.fixture
def contents() -> Callable[[Path], Contents]:
    """Read everything in a database file: every row of every table, its schema, its version."""
    return read_contents


@pytest.fixture
def python() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start ``python -c CODE ARGS``, a second Parley in this test's PARLEY_HOME, talking
    through lines on its stdin and stdout; one still running at the end is killed."""
    started: list[subprocess.Popen[str]] = []

    def start(code: str, *args: str) -> subprocess.Popen[str]:
        child = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(child)
        return child

    yield start
    for child in started:
        if child.poll() is None:
            child.kill()
        child.communicate()
