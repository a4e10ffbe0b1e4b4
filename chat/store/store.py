"""The conversation store: one database, one writer thread, one reader thread.

``Store.open`` does file work, so the window calls it through ``asyncio.to_thread``. After
that nothing blocks its caller: ``follow`` writes a conversation's changes as they happen
(through the writer), and ``read`` runs a query on the reader thread. What an import left out
of the search indexes is indexed in the background from the start (``catch_up``).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from ..conversation import (
    Change,
    Conversation,
    MessageAdded,
    MessageChanged,
    MessagesRemoved,
    TextStreamed,
)
from . import rows
from .database import BUSY_TIMEOUT_S, connect, default_path, mark_for_check, open_database
from .errors import StoreError, StoreProblem, explained
from .indexing import CatchUp
from .owners import Owner, alive, gone_owner_files
from .writer import FLUSH_BYTES, FLUSH_SECONDS, Writer

T = TypeVar("T")


class Store:
    """Conversations on disk. Close it when done (it ends its threads)."""

    def __init__(
        self,
        db: sqlite3.Connection,
        path: Path,
        *,
        notice: str = "",
        problem: Callable[[StoreError], None] | None = None,
        busy_timeout: float = BUSY_TIMEOUT_S,
        flush_seconds: float = FLUSH_SECONDS,
        flush_bytes: int = FLUSH_BYTES,
    ) -> None:
        self.path = path
        self.notice = notice
        """What was done on opening that the user should hear of ("" when nothing)."""
        self._closed = False
        owners = path.with_name(path.name + ".owners")
        self._owner = Owner(owners)
        self._reader_db = connect(path, busy_timeout=busy_timeout)
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="parley-store-reader")
        self._writer = Writer(
            db, path, problem=problem, flush_seconds=flush_seconds, flush_bytes=flush_bytes
        )
        # Before the recovery, never beside it: checking an owner locks its file for a moment,
        # and a check on this thread made the writer's see that owner as alive.
        gone_owner_files(owners, keep=self._owner.token)
        self.recovered: Future[int] = self._writer.submit(
            lambda db: rows.recover_interrupted(
                db, alive(owners, rows.streaming_owners(db)) | {self._owner.token}
            )
        )
        """How many replies a Parley that ended left streaming (now marked interrupted)."""
        self._catch_up = CatchUp(self._writer)
        self._catch_up.start()

    @classmethod
    def open(
        cls,
        path: Path | None = None,
        *,
        problem: Callable[[StoreError], None] | None = None,
        busy_timeout: float = BUSY_TIMEOUT_S,
        **writer: float | int,
    ) -> Store:
        """Open (create, upgrade) the database; raises ``StoreError`` when it cannot be used."""
        path = path or default_path()
        opened = open_database(path, busy_timeout=busy_timeout)
        try:
            return cls(
                opened.db,
                opened.path,
                notice=opened.notice,
                problem=problem,
                busy_timeout=busy_timeout,
                **writer,  # type: ignore[arg-type]
            )
        except (sqlite3.Error, OSError) as error:
            opened.db.close()
            raise explained(error, path) from error

    def close(self) -> None:
        """Write what is waiting, then end the threads (a second close does nothing)."""
        if self._closed:
            return
        self._closed = True
        self._writer.close()
        self._reader.submit(self._reader_db.close).result()
        self._reader.shutdown()
        self._owner.release()

    # -- writing

    def follow(self, conversation: Conversation) -> Callable[[], None]:
        """Write ``conversation``'s changes from now on; returns the way to stop."""
        return conversation.listen(self._on_change)

    def save(self, conversation: Conversation) -> Future[None]:
        """Write all of ``conversation`` (every branch) as it is now."""
        conversation_row = rows.conversation_row(conversation)
        token = self._owner.token
        message_rows = [
            rows.message_row(conversation.id, m, token) for m in conversation.all_messages()
        ]

        def job(db: sqlite3.Connection) -> None:
            rows.save_conversation(db, conversation_row)
            for row in message_rows:
                rows.save_message(db, row)

        return self._writer.submit(job)

    def submit(self, job: Callable[[sqlite3.Connection], T]) -> Future[T]:
        """Run ``job(connection)`` on the writer thread, in a transaction of its own."""
        return self._writer.submit(job)

    def catch_up(self) -> Future[None]:
        """Index for search what waits (``indexing``), between other writes; the future is
        done once nothing does (cancelled if the store closes first)."""
        return self._catch_up.start()

    def delete(self, conversation_id: str) -> Future[int]:
        """Hide a conversation (``restore`` brings it back; ``purge`` removes it for good)."""
        when = time.time()
        return self.submit(
            lambda db: (
                db.execute(
                    "UPDATE conversations SET deleted = ? WHERE id = ?", (when, conversation_id)
                ).rowcount
            )
        )

    def restore(self, conversation_id: str) -> Future[int]:
        return self.submit(
            lambda db: (
                db.execute(
                    "UPDATE conversations SET deleted = NULL WHERE id = ?", (conversation_id,)
                ).rowcount
            )
        )

    def purge_deleted(self) -> Future[int]:
        """Remove for good the conversations deleted earlier (their Undo is long gone)."""
        return self.submit(
            lambda db: db.execute("DELETE FROM conversations WHERE deleted IS NOT NULL").rowcount
        )

    def _on_change(self, conversation: Conversation, change: Change) -> None:
        if isinstance(change, TextStreamed):
            self._writer.stream(change.message.id, change.text, reasoning=change.reasoning)
            return
        conversation_row = rows.conversation_row(conversation)
        if isinstance(change, MessageAdded | MessageChanged):
            message_row = rows.message_row(conversation.id, change.message, self._owner.token)
            restreamed = isinstance(change, MessageChanged) and change.restreamed

            def job(db: sqlite3.Connection) -> None:
                rows.save_conversation(db, conversation_row)
                rows.save_message(db, message_row, restreamed=restreamed)

            self._writer.submit(job)
        elif isinstance(change, MessagesRemoved):
            ids = [m.id for m in change.messages]

            def remove(db: sqlite3.Connection) -> None:
                rows.delete_messages(db, conversation.id, ids)
                rows.save_conversation(db, conversation_row)

            self._writer.submit(remove)
        else:
            self._writer.submit(lambda db: rows.save_conversation(db, conversation_row))

    # -- reading

    async def read(self, query: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``query(connection, *args, **kwargs)`` on the reader thread."""
        future: Future[T] = self._reader.submit(self._query, query, *args, **kwargs)
        return await asyncio.wrap_future(future)

    def read_now(self, query: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``read`` for callers with no event loop (the command line); it waits."""
        future: Future[T] = self._reader.submit(self._query, query, *args, **kwargs)
        return future.result()

    def _query(self, query: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return query(self._reader_db, *args, **kwargs)
        except sqlite3.Error as error:
            failure = explained(error, self.path)
            if failure.problem is StoreProblem.CORRUPT:  # damage found by a read: check it
                mark_for_check(self.path)  # at the next start, as the writer does
            raise failure from error
