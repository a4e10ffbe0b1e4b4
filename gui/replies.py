"""The replies streaming in the window: one per conversation at most, each with its own Stop,
shown while its conversation is on screen and kept going while it is not."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable, Mapping

    from chat.conversation import Conversation, Message
    from chat.credentials import Configured
    from chat.session import ChatSession, Reply

    from .conversation_view import ReplyBlock
    from .reply_feed import Outcome, ReplyFeed
    from .tasks import TaskTracker

FRAME_MS = 16


@dataclass(slots=True)
class Running:
    reply: Reply
    feed: ReplyFeed
    task: asyncio.Task[Any]


class Replies(QObject):
    """Starts, shows and stops replies; ``ended`` tells which conversation's reply ended."""

    ended = Signal(str, str)
    """(conversation id, outcome: "finished", "failed" or "cancelled"), before it is shown."""
    shown = Signal(str, object)
    """(conversation id, message): a reply's outcome is drawn now (or it is off screen)."""

    def __init__(
        self, tasks: TaskTracker, status: Callable[[str], None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._status = status
        self._running: dict[str, Running] = {}
        self._showing: dict[str, ReplyFeed] = {}
        """Feeds whose outcome is not shown yet (flushed on every frame)."""
        self._shown_replies: dict[str, Reply] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self.flush)

    def start(
        self,
        session: ChatSession,
        conversation: Conversation,
        target: Configured,
        model: str,
        block: ReplyBlock | None,
        *,
        continuing: Message | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Reply:
        """A reply at the end of ``conversation`` (or going on in ``continuing``), shown in
        ``block``."""
        from .reply_feed import ReplyFeed

        key = conversation.id
        feed = ReplyFeed(block, partial(self.on_feed_ended, key), self._status)
        reply = session.reply(
            conversation,
            target.provider,
            model,
            proxy=target.proxy,
            observer=feed,
            continuing=continuing,
            options=options,
        )
        task = self._tasks.start(reply.run(), name=f"reply from {target.provider.get_label()}")
        task.add_done_callback(partial(self.on_task_done, reply, feed))
        self._running[key] = Running(reply, feed, task)
        self._showing[key] = feed
        self._shown_replies[key] = reply
        self._timer.start()
        return reply

    @property
    def settled(self) -> bool:
        """Every reply's outcome is on screen (or its conversation is not)."""
        return not self._showing

    def running(self, conversation_id: str) -> Running | None:
        return self._running.get(conversation_id)

    def streaming_ids(self) -> list[str]:
        return list(self._running)

    def stop(self, conversation_id: str) -> None:
        if (running := self._running.get(conversation_id)) is not None:
            running.task.cancel()

    def stop_all(self) -> None:
        for running in self._running.values():
            running.task.cancel()

    def show_in(self, conversation_id: str, block: ReplyBlock | None) -> None:
        """The conversation's reply is drawn in ``block`` now; the others are off screen."""
        for key, feed in self._showing.items():
            feed.attach(block if key == conversation_id else None)

    def hide_all(self) -> None:
        self.flush()
        for feed in self._showing.values():
            feed.attach(None)

    def flush(self) -> None:
        """Put what arrived since the last frame on screen."""
        for key, feed in list(self._showing.items()):
            if feed.flush():
                del self._showing[key]
                self.shown.emit(key, self._shown_replies.pop(key).message)
        if not self._showing:
            self._timer.stop()

    def on_feed_ended(self, conversation_id: str, outcome: Outcome) -> None:
        self._running.pop(conversation_id, None)
        self.ended.emit(conversation_id, outcome.value)

    def on_task_done(self, reply: Reply, feed: ReplyFeed, task: asyncio.Task[Any]) -> None:
        """A reply's task cancelled before it ran (Stop or close at once), or that raised
        (it reports its own errors; this is a bug), ends the reply."""
        if task.cancelled():
            reply.cancelled_before_start()
        elif task.exception() is not None:
            feed.abort(f"The reply ended unexpectedly: {task.exception()!r}")
