"""The one thread that writes to the database, so that no disk work happens on the caller's.

Work arrives as jobs (a function of the connection, run in its own transaction) and as pieces
of streaming text, which are kept in memory and written together: when 4 KiB are waiting, or
500 ms after the first of them arrived, whichever comes first. A process killed mid-reply so
loses at most the last half second of it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from .database import mark_for_check
from .errors import StoreError, StoreProblem, explained
from .rows import clean

log = logging.getLogger(__name__)
T = TypeVar("T")

FLUSH_SECONDS = 0.5
FLUSH_BYTES = 4096

Job = Callable[[sqlite3.Connection], Any]


class Writer:
    """Owns the write connection; ``submit`` and ``stream`` may be called from any thread.

    A job that fails sets its future's exception (a ``StoreError``) and is reported to
    ``problem`` (called on the writer's thread), so a failure nobody awaits is still seen.
    """

    def __init__(
        self,
        db: sqlite3.Connection,
        path: Path,
        *,
        problem: Callable[[StoreError], None] | None = None,
        flush_seconds: float = FLUSH_SECONDS,
        flush_bytes: int = FLUSH_BYTES,
    ) -> None:
        self.path = path
        self._db = db
        self._problem = problem
        self._flush_seconds = flush_seconds
        self._flush_bytes = flush_bytes
        self._wake = threading.Condition()
        self._jobs: list[tuple[Job, Future[Any]] | list[tuple[str, bool, str]]] = []
        """Jobs, and the pieces that came before each, in the order they came."""
        self._pieces: list[tuple[str, bool, str]] = []
        self._waiting_bytes = 0
        self._first_piece_at = 0.0
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="parley-store-writer")
        self._thread.start()

    def submit(self, job: Callable[[sqlite3.Connection], T]) -> Future[T]:
        future: Future[T] = Future()
        with self._wake:
            if self._closing:
                raise RuntimeError("the store is closed")
            self._seal_pieces()
            self._jobs.append((job, future))
            self._wake.notify()
        return future

    def stream(self, message_id: str, text: str, *, reasoning: bool = False) -> None:
        """Keep a piece of a streaming reply, to be written with the next batch."""
        with self._wake:
            first = not self._pieces
            if first:
                self._first_piece_at = time.monotonic()
            self._pieces.append((message_id, reasoning, text))
            self._waiting_bytes += len(text)
            # The first piece too: an idle writer waits with no time-out, so it must be told
            # to start the 500 ms clock.
            if first or self._waiting_bytes >= self._flush_bytes:
                self._wake.notify()

    def _seal_pieces(self) -> None:
        if self._pieces:
            self._jobs.append(self._pieces)
            self._pieces = []
            self._waiting_bytes = 0

    def close(self) -> None:
        """Write what waits, then end the thread (and close the connection)."""
        with self._wake:
            self._closing = True
            self._wake.notify()
        self._thread.join()

    def _run(self) -> None:
        try:
            while True:
                work, closing = self._next()
                for item in work:
                    if isinstance(item, list):
                        self._write_pieces(item)
                    else:
                        self._do(*item)
                if closing and not work:
                    return
        finally:
            self._db.close()

    def _next(self) -> tuple[list[tuple[Job, Future[Any]] | list[tuple[str, bool, str]]], bool]:
        with self._wake:
            while not (self._jobs or self._closing or self._pieces_due()):
                timeout = None
                if self._pieces:
                    timeout = self._first_piece_at + self._flush_seconds - time.monotonic()
                self._wake.wait(timeout)
            self._seal_pieces()
            work, self._jobs = self._jobs, []
            return work, self._closing

    def _pieces_due(self) -> bool:
        if not self._pieces:
            return False
        late = time.monotonic() - self._first_piece_at >= self._flush_seconds
        return late or self._waiting_bytes >= self._flush_bytes

    def _write_pieces(self, pieces: list[tuple[str, bool, str]]) -> None:
        joined = [(message, reasoning, clean(text)) for message, reasoning, text in _joined(pieces)]
        try:
            with _transaction(self._db):
                self._db.executemany(
                    "INSERT INTO partials (message_id, reasoning, text) SELECT ?, ?, ?"
                    " WHERE EXISTS (SELECT 1 FROM messages WHERE id = ?1)",
                    joined,
                )
        except sqlite3.Error as error:
            self._report(explained(error, self.path))

    def _do(self, job: Job, future: Future[Any]) -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            with _transaction(self._db):
                result = job(self._db)
        except sqlite3.Error as error:
            failure = explained(error, self.path)
            future.set_exception(failure)
            self._report(failure)
        except BaseException as error:  # a bug in a job: its caller hears of it
            log.warning("a store job failed", exc_info=True)
            future.set_exception(error)
        else:
            future.set_result(result)

    def _report(self, error: StoreError) -> None:
        if error.problem is StoreProblem.CORRUPT:
            mark_for_check(self.path)
        if self._problem is not None:
            self._problem(error)


def _joined(pieces: list[tuple[str, bool, str]]) -> list[tuple[str, bool, str]]:
    """Pieces of one message and kind in a row, joined into one row."""
    rows: list[tuple[str, bool, str]] = []
    parts: list[str] = []
    for message_id, reasoning, text in pieces:
        if rows and rows[-1][:2] == (message_id, reasoning):
            parts.append(text)
            continue
        if rows:
            rows[-1] = (*rows[-1][:2], "".join(parts))
        rows.append((message_id, reasoning, ""))
        parts = [text]
    if rows:
        rows[-1] = (*rows[-1][:2], "".join(parts))
    return rows


class _transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back when the body raises."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if kind is None:
            try:
                self.db.execute("COMMIT")
                return
            except sqlite3.Error:
                self._rollback()
                raise
        self._rollback()

    def _rollback(self) -> None:
        if self.db.in_transaction:
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.Error:
                log.warning("rolling back a store write failed", exc_info=True)
