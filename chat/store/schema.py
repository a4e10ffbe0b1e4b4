"""The database's schema, built and upgraded by the named migrations of ``migrations``,
recorded in a table.

Each runs once, in order; ``migrations`` lists the ones applied, and ``PRAGMA user_version``
holds how many. A database with more migrations than this Parley knows was written by a newer
Parley and is refused, never "repaired". Before a database with conversations in it is
upgraded, it is copied next to itself with SQLite's online backup API (``parley.db.v1.backup``,
named after its version); an upgrade that fails is rolled back and leaves the original as it
was. The triggers call functions of Parley's own (``functions``).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from .errors import StoreError, StoreProblem, explained
from .migrations import MIGRATIONS, Migration


def version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(
    db: sqlite3.Connection, path: Path | None, migrations: tuple[Migration, ...] = MIGRATIONS
) -> Path | None:
    """Bring ``db`` up to date; returns the backup made first, if there was one to make.
    ``db`` has the schema's functions (``add_functions``, as ``database.connect`` gives them).

    Raises ``StoreError`` (NEWER) for a database from a newer Parley and (UPGRADE_FAILED) for
    a migration that failed, after rolling it back.
    """
    found = version(db)
    if found > len(migrations) or _unknown_migrations(db, migrations):
        raise StoreError(
            StoreProblem.NEWER,
            f"The conversation database {path} was written by a newer Parley (schema version "
            f"{found}; this one knows {len(migrations)}): update Parley to open it. It has "
            "not been changed.",
        )
    if found == len(migrations):
        return None
    backup = _backed_up(db, path, found) if found and path else None
    name = migrations[found][0]
    # One transaction for every step, so that a step that fails undoes the ones before it.
    try:
        db.execute("BEGIN IMMEDIATE")
        done = version(db)  # another Parley may have upgraded it while this one waited
        for number, (name, step) in enumerate(migrations[done:], start=done + 1):
            if number == 1:
                db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied REAL)")
            step(db)
            db.execute("INSERT INTO migrations VALUES (?, ?)", (name, time.time()))
            db.execute(f"PRAGMA user_version = {number}")
        db.execute("COMMIT")
    except Exception as error:  # a step's bug, too, must end in a sentence, rolled back
        if db.in_transaction:
            db.execute("ROLLBACK")
        if isinstance(error, sqlite3.Error) and path is not None:
            told = explained(error, path)
            if told.problem in (StoreProblem.LOCKED, StoreProblem.READ_ONLY, StoreProblem.FULL):
                raise told from error
        kept = f"; a copy from before is at {backup}" if backup else ""
        raise StoreError(
            StoreProblem.UPGRADE_FAILED,
            f"Parley could not upgrade its conversation database {path} (step {name}), "
            f"so it left it as it was{kept}. Report this, with the detail: {error}",
        ) from error
    return backup


def _unknown_migrations(db: sqlite3.Connection, migrations: tuple[Migration, ...]) -> bool:
    if version(db) == 0:
        return False
    known = {name for name, _ in migrations}
    applied = {row[0] for row in db.execute("SELECT name FROM migrations")}
    return bool(applied - known)


def _backed_up(db: sqlite3.Connection, path: Path, found: int) -> Path:
    backup = path.with_name(f"{path.name}.v{found}.backup")
    number = 1
    while backup.exists():
        number += 1
        backup = path.with_name(f"{path.name}.v{found}.backup-{number}")
    copy = sqlite3.connect(backup)
    try:
        db.backup(copy)
    finally:
        copy.close()
    return backup
