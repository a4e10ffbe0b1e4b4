"""A long conversation opens on its last messages; the messages before them are then drawn
into the page shown, above what the reader sees (which stays put), a few milliseconds at a
time between the window's other work. A branch of up to ``WINDOW_MESSAGES`` is drawn whole;
a longer one shows a window of that many, which moves by ``STEP_MESSAGES`` when the reader
scrolls to its top or bottom edge: messages come in on that side, one at a time, and leave on
the other. Qt's cost to add a message grows with the messages in the document: a document of
5,000 took minutes to draw and a third of a second to show."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    from chat.conversation import Conversation, Message
    from chat.session import Reply

    from .conversation_view import ConversationView, Page

SLICE_S = 0.008
"""Drawing time per turn of the event loop: well inside a 60 Hz frame."""
WINDOW_MESSAGES = 400
"""The most messages one page holds."""
STEP_MESSAGES = 200
"""How far a window moves at its edge."""


def window_around(count: int, first: int, last: int | None) -> tuple[int, int | None]:
    """The window of at most ``WINDOW_MESSAGES`` of a branch of ``count`` that holds the
    messages ``first:last`` (or as many of them as fit, from the end): where it starts,
    and where it ends (None: at the end of the branch)."""
    end = count if last is None else min(last, count)
    if end - first >= WINDOW_MESSAGES:
        first = end - WINDOW_MESSAGES
    start = max(0, min(first, end - WINDOW_MESSAGES))
    stop = min(count, start + WINDOW_MESSAGES)
    return start, (None if stop >= count else stop)


def window_before(count: int, first: int) -> tuple[int, int | None]:
    """The window that reaches ``STEP_MESSAGES`` before a page starting at ``first``."""
    start = max(0, first - STEP_MESSAGES)
    stop = start + WINDOW_MESSAGES
    return start, (None if stop >= count else stop)


def window_after(count: int, last: int) -> tuple[int, int | None]:
    """The window that reaches ``STEP_MESSAGES`` past a page ending at ``last``."""
    stop = last + STEP_MESSAGES
    if stop >= count:
        return max(0, count - WINDOW_MESSAGES), None
    return max(0, stop - WINDOW_MESSAGES), stop


class EarlierMessages(QObject):
    """Brings the page shown to a window of its branch, a message at a time (``shown``
    once it holds the whole window)."""

    shown = Signal()
    """The page holds the whole window now."""

    def __init__(self, view: ConversationView) -> None:
        super().__init__(view)
        self._view = view
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.step)
        self._conversation: Conversation | None = None
        self._messages: list[Message] = []
        self._page: Page | None = None
        self._first = 0
        self._last: int | None = None

    @property
    def drawing(self) -> bool:
        """Messages are still coming into the page shown."""
        return self._page is not None

    def start(self, conversation: Conversation, _live: Reply | None = None) -> None:
        """Fill the page shown up to the whole window around it (a reply streaming into
        it puts that off until it has ended: ``start`` is called again then)."""
        page = self._view.page
        first, last = window_around(len(conversation.messages), page.first, page.last)
        self._go(conversation, first, last)

    def move(self, conversation: Conversation, *, earlier: bool) -> None:
        """Move the window shown ``STEP_MESSAGES`` earlier (or later)."""
        view, page = self._view, self._view.page
        if self.drawing or view.streaming:
            return
        count = len(conversation.messages)
        if earlier and page.first > 0:
            self._go(conversation, *window_before(count, page.first))
        elif not earlier and page.last is not None:
            self._go(conversation, *window_after(count, page.last))

    def _go(self, conversation: Conversation, first: int, last: int | None) -> None:
        self.stop()
        self._conversation, self._page = conversation, self._view.page
        self._messages = conversation.messages
        self._first, self._last = first, last
        if not self._done():
            self._timer.start()
        else:
            self._page = None

    def stop(self) -> None:
        self._timer.stop()
        self._page = None

    def _done(self) -> bool:
        page = self._view.page
        end = len(self._messages) if page.last is None else page.last
        wanted = len(self._messages) if self._last is None else self._last
        return page.first <= self._first and end >= wanted and self._held() <= WINDOW_MESSAGES

    def _held(self) -> int:
        page = self._view.page
        return (len(self._messages) if page.last is None else page.last) - page.first

    def step(self) -> None:
        """Bring messages in (and take others out) for a slice of time."""
        view, conversation = self._view, self._conversation
        if (
            self._page is not view.page
            or conversation is None
            or view.conversation is not conversation
        ):
            self.stop()
            return
        if view.streaming:  # again once the reply has ended
            self.stop()
            return
        deadline = time.perf_counter() + SLICE_S
        with view.batch():
            while not self._done() and time.perf_counter() < deadline:
                self._one(conversation)
        if self._done():
            self.stop()
            view.follower.set_more_below(view.page.last is not None)
            self.shown.emit()

    def _one(self, conversation: Conversation) -> None:
        """One message in, or one out: the window grows on the side it moves to first,
        and what falls out of it leaves after."""
        view, page, messages = self._view, self._view.page, self._messages
        if page.first > self._first:
            view.prepend(conversation, messages[page.first - 1])
            if self._held() > WINDOW_MESSAGES:
                view.trim(top=False)
        elif page.last is not None and (self._last is None or page.last < self._last):
            view.append(conversation, messages[page.last])
            if page.last >= len(messages):
                page.last = None
            if self._held() > WINDOW_MESSAGES:
                view.trim(top=True)
        elif page.first < self._first:
            view.trim(top=True)
        else:
            view.trim(top=False)
