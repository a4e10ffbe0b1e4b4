"""The worker side of exports and imports: copies that another thread may read, the
conversations read as their turn comes, progress passed back, and the thread waited for."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtGui import QFontDatabase

from chat.conversation import Conversation

if TYPE_CHECKING:
    from chat.store import Store

T = TypeVar("T")
Item = Conversation | str
"""A conversation to export: a copy of one open in the window, or the id of a saved one
(read by the worker when its turn comes, so that thousands are never in memory at once)."""


def copied(conversation: Conversation) -> Conversation:
    """A copy of ``conversation`` that no one changes: read on another thread while the
    window goes on with the original."""
    copy = dataclasses.replace(
        conversation,
        options=dict(conversation.options),
        _nodes={},
        _children={},
        _listeners=[],
    )
    for message in conversation.all_messages():
        copy.attach(dataclasses.replace(message, usage=dict(message.usage)))
    return copy


def pdf_in_worker() -> bool:
    """Whether Qt can lay out and paint text off the window's thread.

    Qt 4 asked ``QFontDatabase.supportsThreadedFontRendering()`` (false on X11 without
    fontconfig); from Qt 5.0 it always answers true, and Qt 6 removed it: painting with
    QPainter on a QPrinter or QImage in a thread is supported, and QFontDatabase is
    thread-safe (https://doc.qt.io/qt-6/threads-modules.html). It is asked where it is.
    """
    asked = getattr(QFontDatabase, "supportsThreadedFontRendering", None)
    return True if asked is None else bool(asked())


def pdf_writer() -> Callable[..., None]:
    from .pdf_export import write_pdf

    return write_pdf


class Stopped(Exception):
    """The window closed during an export: the worker stops at the next conversation."""


def loaded(items: list[Item], store: Store | None, stop: threading.Event) -> Iterator[Conversation]:
    """Each conversation as its turn comes (runs on the worker: the store's ``read_now``)."""
    from chat.store import rows

    for item in items:
        if stop.is_set():
            raise Stopped
        if isinstance(item, Conversation):
            yield item
        elif store is not None:
            found = store.read_now(rows.load_conversation, item)
            if found is not None:  # deleted meanwhile
                yield found


class Counted:
    """``conversations`` as they go by, counted."""

    def __init__(self, conversations: Iterable[Conversation]) -> None:
        self._conversations = conversations
        self.count = 0

    def __iter__(self) -> Iterator[Conversation]:
        for conversation in self._conversations:
            self.count += 1
            yield conversation


class Percent:
    """``progress(done, total)`` passed on when the whole percentage changes (called on the
    importing thread: ``report`` must be safe to call from there)."""

    def __init__(self, report: Callable[[int, int], None]) -> None:
        self._report = report
        self._shown = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        if percent != self._shown:
            self._shown = percent
            self._report(done, total)


async def off_thread(work: Callable[[], T], stop: threading.Event) -> T:
    """``work()`` on a worker thread. When the task is cancelled (the window closes),
    ``stop`` is set and the worker waited for: it ends before the store is closed."""
    import asyncio

    job = asyncio.ensure_future(asyncio.to_thread(work))
    try:
        return await asyncio.shield(job)
    except asyncio.CancelledError:
        stop.set()
        await asyncio.wait([job])
        if not job.cancelled():
            job.exception()  # it stopped because it was asked to: that is no error
        raise
