"""Imports into the store: every conversation of an export file, or none of them.

An import runs on a thread of its own (never the window's): the file is read a conversation
at a time and written in batches through the store's writer, so a reply streaming meanwhile
is still written as it grows. Each conversation and message keeps an id made from its
source's, so importing a file again adds only what is new. When the file turns out damaged
halfway, or the person cancels, what this import had written is taken out again. Its messages
go into the search indexes after it (``store.indexing``): the import returns once they are
written, while the store goes on indexing them.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..conversation import Conversation, Message, MessageState
from ..store import indexing, rows
from .detect import open_export
from .errors import TranscriptError

if TYPE_CHECKING:
    from ..store import Store

BATCH_CHARS = 4_000_000
"""About this much text is written in one transaction: few enough commits to import fast,
small enough that a reply streaming meanwhile waits only a moment for its own writes."""
CACHE_KIB = 65_536
"""The writer's page cache while an import writes, given back after: with SQLite's 2 MiB a
large import read its indexes' pages again and again (a 100 MB export imported 20% slower)."""
_DELETE_CHUNK = 500
_LIVE = (MessageState.PENDING, MessageState.STREAMING)
_INSERT = (
    f"INSERT INTO messages ({rows.MESSAGE_COLUMNS}) VALUES"
    f" ({', '.join('?' * len(rows.MESSAGE_COLUMNS.split(',')))}) ON CONFLICT (id) DO NOTHING"
)
"""A message whose id is here already (in another conversation: a file made by hand) is
left as it is."""

SOURCE_NAMES = {"parley": "Parley", "chatgpt": "ChatGPT", "claude": "Claude"}
Progress = Callable[[int, int], None]
"""``progress(bytes_read, bytes_in_all)``, called from the importing thread."""


class ImportCancelled(Exception):
    """The person cancelled the import; nothing of it was kept."""


@dataclass(slots=True)
class ImportReport:
    """What an import did: ``added`` new conversations, ``extended`` ones already here that
    got new messages, ``unchanged`` ones already here in full; ``messages`` added in all."""

    format: str
    added: int = 0
    extended: int = 0
    unchanged: int = 0
    messages: int = 0

    @property
    def conversations(self) -> int:
        return self.added + self.extended + self.unchanged

    def sentence(self) -> str:
        """What the import did, as the window and the command line say it."""
        source = SOURCE_NAMES.get(self.format, self.format)
        if self.conversations == 0:
            return "The file holds no conversations: nothing was imported."
        if self.added == 0 and self.extended == 0:
            return (
                f"Nothing new: all {_count(self.unchanged)} in this {source} export are here "
                "already."
            )
        if self.added:
            done = f"Imported {_count(self.added)} from {source} ({_messages(self.messages)})"
            if self.extended:
                done += f"; {_count(self.extended)} already here got new messages"
        else:
            done = (
                f"Imported {_messages(self.messages)} from {source} into "
                f"{_count(self.extended)} already here"
            )
        if self.unchanged:
            verb = "was" if self.unchanged == 1 else "were"
            done += f"; {_count(self.unchanged)} {verb} here already"
        return done + "."


def _count(n: int) -> str:
    return f"{n:,} conversation" + ("" if n == 1 else "s")


def _messages(n: int) -> str:
    return f"{n:,} message" + ("" if n == 1 else "s")


@dataclass(slots=True)
class _Journal:
    """What this import wrote, so that it can be taken out again."""

    conversations: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    undeleted: list[tuple[str, float]] = field(default_factory=list)


def import_file(
    store: Store,
    path: Path,
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    batch_chars: int = BATCH_CHARS,
) -> ImportReport:
    """Import every conversation in ``path`` (Parley JSON, or a ChatGPT or Claude export as
    .json or .zip). Blocks: call it off the window's thread.

    Raises:
        TranscriptError: the file cannot be read or understood (nothing is kept).
        ImportCancelled: ``cancel`` was set (nothing is kept).
        StoreError: the store could not write (nothing is kept where it can be undone).
    """
    with open_export(path) as source:
        total = source.size
        seen = None if progress is None else functools.partial(_told, progress, total)
        report = ImportReport(source.format)
        journal = _Journal()
        try:
            batches = _batches(source.conversations(seen), cancel, batch_chars)
            _write_all(store, batches, report, journal, cancel)
        except BaseException:
            _undo(store, journal)
            raise
        store.catch_up()
        if progress:
            progress(total, total)
        return report


def _told(progress: Progress, total: int, done: int) -> None:
    progress(done, total)


def _write_all(
    store: Store,
    batches: Iterable[list[_Rows]],
    report: ImportReport,
    journal: _Journal,
    cancel: threading.Event | None,
) -> None:
    kept = store.submit(functools.partial(_cache_size, kib=CACHE_KIB))
    pending: Future[None] | None = None
    try:
        for batch in batches:
            if pending is not None:
                pending.result()  # one batch waits while the next is read: memory stays bounded
            pending = store.submit(
                functools.partial(_write_batch, batch=batch, report=report, journal=journal)
            )
        if pending is not None:
            pending.result()
    finally:
        if kept.exception() is None:
            store.submit(functools.partial(_cache_size, pages=kept.result()))
    if cancel is not None and cancel.is_set():
        raise ImportCancelled


@dataclass(slots=True)
class _Rows:
    """A conversation as the rows to write, made on the import's thread (not the writer's)."""

    id: str
    conversation: tuple[Any, ...]
    messages: list[tuple[Any, ...]]
    """Parents first; a message row's id is its first column."""


def _rows(conversation: Conversation) -> _Rows:
    return _Rows(
        conversation.id,
        rows.conversation_row(conversation),
        [rows.message_row(conversation.id, _settled(m), "") for m in _parents_first(conversation)],
    )


def _cache_size(db: sqlite3.Connection, *, kib: int = 0, pages: int = 0) -> int:
    """Set the connection's page cache to ``kib`` KiB (or to ``pages`` as PRAGMA
    cache_size gives them); returns what it was."""
    was = int(db.execute("PRAGMA cache_size").fetchone()[0])
    db.execute(f"PRAGMA cache_size = {-kib if kib else pages}")
    return was


def _batches(
    conversations: Iterable[Conversation], cancel: threading.Event | None, batch_chars: int
) -> Iterator[list[_Rows]]:
    batch: list[_Rows] = []
    size = 0
    for conversation in conversations:
        if cancel is not None and cancel.is_set():
            raise ImportCancelled
        batch.append(_rows(conversation))
        size += sum(len(m.content) + len(m.reasoning) for m in conversation.all_messages())
        if size >= batch_chars:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _write_batch(
    db: sqlite3.Connection,
    batch: list[_Rows],
    report: ImportReport,
    journal: _Journal,
) -> None:
    with indexing.later(db):
        _write_conversations(db, batch, report, journal)


def _write_conversations(
    db: sqlite3.Connection,
    batch: list[_Rows],
    report: ImportReport,
    journal: _Journal,
) -> None:
    for conversation in batch:
        found = db.execute(
            "SELECT deleted FROM conversations WHERE id = ?", (conversation.id,)
        ).fetchone()
        if found is None:
            rows.save_conversation(db, conversation.conversation)
            journal.conversations.append(conversation.id)
            report.added += 1
            report.messages += _insert_messages(db, conversation.messages, None)
            continue
        if found[0] is not None:  # deleted here earlier: importing it again brings it back
            db.execute("UPDATE conversations SET deleted = NULL WHERE id = ?", (conversation.id,))
            journal.undeleted.append((conversation.id, found[0]))
        added = _insert_messages(db, conversation.messages, journal)
        report.messages += added
        if added:
            report.extended += 1
        else:
            report.unchanged += 1


def _insert_messages(
    db: sqlite3.Connection, messages: list[tuple[Any, ...]], journal: _Journal | None
) -> int:
    """Insert the message rows not here yet (parents first); returns how many. ``journal``
    keeps their ids when the conversation was here before (a new one is taken out whole)."""
    if journal is not None:  # only the ones not here in any conversation are taken out again
        here = _present(db, [m[0] for m in messages])
        messages = [m for m in messages if m[0] not in here]
        journal.messages += [m[0] for m in messages]
    if not messages:
        return 0
    return db.executemany(_INSERT, messages).rowcount


def _present(db: sqlite3.Connection, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), _DELETE_CHUNK):
        chunk = ids[start : start + _DELETE_CHUNK]
        marks = ", ".join("?" * len(chunk))
        found.update(
            r[0] for r in db.execute(f"SELECT id FROM messages WHERE id IN ({marks})", chunk)
        )
    return found


def _parents_first(conversation: Conversation) -> list[Message]:
    ordered: list[Message] = []
    level = conversation.children(None)
    while level:
        ordered += level
        level = [child for message in level for child in conversation.children(message)]
    return ordered


def _settled(message: Message) -> Message:
    """A reply that an export caught while it streamed is kept as interrupted: no Parley is
    writing it any more."""
    return replace(message, state=MessageState.INTERRUPTED) if message.state in _LIVE else message


def _undo(store: Store, journal: _Journal) -> None:
    """Take out what the import wrote, batches still queued included: this job runs after
    them, and reads the journal only then."""

    def job(db: sqlite3.Connection) -> None:
        # Messages leaves first, one at a time: a message takes its replies with it (ON DELETE
        # CASCADE), a level of SQLite's trigger depth each, and past 1,000 levels (a long
        # thread) SQLite refuses, so the import could not be taken out again.
        ids = journal.messages[::-1]  # parents first, as written
        conversations = journal.conversations
        for start in range(0, len(conversations), _DELETE_CHUNK):
            chunk = conversations[start : start + _DELETE_CHUNK]
            ids += _newest_first(db, chunk)
        db.executemany("DELETE FROM messages WHERE id = ?", [(i,) for i in ids])
        for start in range(0, len(conversations), _DELETE_CHUNK):
            chunk = conversations[start : start + _DELETE_CHUNK]
            marks = ", ".join("?" * len(chunk))
            db.execute(f"DELETE FROM conversations WHERE id IN ({marks})", chunk)
        db.executemany(
            "UPDATE conversations SET deleted = ? WHERE id = ?",
            [(when, cid) for cid, when in journal.undeleted],
        )

    store.submit(job).result()


def _newest_first(db: sqlite3.Connection, conversations: list[str]) -> list[str]:
    """The ids of these conversations' messages, the last written first (this import wrote
    them parents first)."""
    marks = ", ".join("?" * len(conversations))
    query = f"SELECT id FROM messages WHERE conversation_id IN ({marks}) ORDER BY num DESC"
    return [r[0] for r in db.execute(query, conversations)]


__all__ = ["ImportCancelled", "ImportReport", "TranscriptError", "import_file"]
