"""Search indexes filled after the fact: an import writes its messages first, and the writer
indexes them afterwards, a step at a time between other writes.

Filling the full-text indexes takes most of an import's time. Inside ``later`` (a writer job's
transaction), new messages are queued in the ``unindexed`` table instead (migration 0006); a
``CatchUp`` then indexes what waits, oldest first, in steps of about ``STEP_CHARS`` characters,
so a streaming reply's writes never wait long behind it. The queue is in the database: what a
Parley that ended left waiting is indexed by the next one to open the store. Until then search
finds those messages by their titles only.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, InvalidStateError
from contextlib import contextmanager
from functools import partial

from .search import Hit, Query, search
from .writer import Writer

STEP_CHARS = 200_000
"""About how much text one step indexes (some 20 ms of work): at least one message."""
_STEP_ROWS = 2_000
"""At most this many messages in a step, however short."""


@contextmanager
def later(db: sqlite3.Connection) -> Iterator[None]:
    """Queue the messages inserted inside this block for ``CatchUp`` instead of indexing
    them. Use it inside a writer job: its row in ``index_later`` is never committed."""
    db.execute("INSERT INTO index_later (since) VALUES (?)", (time.time(),))
    try:
        yield
    finally:
        db.execute("DELETE FROM index_later")


def waiting(db: sqlite3.Connection) -> int:
    """How many messages are not in the search indexes yet."""
    return int(db.execute("SELECT count(*) FROM unindexed").fetchone()[0])


def searched(
    db: sqlite3.Connection, query: Query | str, *, limit: int = 50, current: str | None = None
) -> tuple[list[Hit], int]:
    """``search``'s hits, and how many messages it could not look in yet (``waiting``)."""
    return search(db, query, limit=limit, current=current), waiting(db)


def index_some(db: sqlite3.Connection, chars: int = STEP_CHARS) -> bool:
    """Index the oldest waiting messages, about ``chars`` characters of them and at least
    one; returns whether more wait."""
    found = db.execute(
        "SELECT u.num, length(m.content) + length(m.reasoning) FROM unindexed u"
        " LEFT JOIN messages m USING (num) ORDER BY u.num LIMIT ?",
        (_STEP_ROWS,),
    )
    last, size = None, 0
    for num, length in found:
        last, size = num, size + (length or 0)
        if size >= chars:
            break
    if last is None:
        return False
    db.execute("UPDATE unindexed SET num = num WHERE num <= ?", (last,))  # the trigger indexes
    db.execute("DELETE FROM unindexed WHERE num <= ?", (last,))
    return bool(db.execute("SELECT EXISTS (SELECT 1 FROM unindexed)").fetchone()[0])


class CatchUp:
    """Indexes what waits, one step per writer job, until nothing does."""

    def __init__(self, writer: Writer) -> None:
        self._writer = writer
        self._lock = threading.Lock()
        self._done: Future[None] | None = None

    def start(self) -> Future[None]:
        """Begin (or go on) indexing; the future is done once nothing waits. It is
        cancelled if the store closes first (the rest is indexed at the next open), and
        fails with the ``StoreError`` of a step that could not write. Cancelling it stops
        nothing: it is the caller's own."""
        with self._lock:
            begin = self._done is None or self._done.done()
            if begin:
                self._done = Future()
            done = self._done
        assert done is not None
        if begin:
            self._step(done)
        told: Future[None] = Future()
        done.add_done_callback(partial(_tell, told))
        return told

    def _step(self, done: Future[None]) -> None:
        try:
            step = self._writer.submit(index_some)
        except RuntimeError:  # the store closed
            done.cancel()
            return
        step.add_done_callback(partial(self._stepped, done))

    def _stepped(self, done: Future[None], step: Future[bool]) -> None:
        # On the writer's thread, before its next job: a job queued after this step's
        # answer (an import's batch) finds ``done`` finished, and ``start`` begins again.
        error = step.exception()
        if error is not None:
            done.set_exception(error)
        elif step.result():
            self._step(done)
        else:
            done.set_result(None)


def _tell(told: Future[None], done: Future[None]) -> None:
    """Pass how ``done`` ended on to ``told``, unless its caller cancelled it."""
    try:
        if done.cancelled():
            told.cancel()
        elif (error := done.exception()) is not None:
            told.set_exception(error)
        else:
            told.set_result(None)
    except InvalidStateError:  # cancelled by its caller meanwhile
        pass
