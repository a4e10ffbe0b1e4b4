"""A long conversation opens on its last messages; the whole branch is then drawn out of
sight, a few milliseconds at a time between the window's other work, and shown in one step."""

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


class EarlierMessages(QObject):
    """Draws a view's whole branch out of sight and shows it once done (``shown``)."""

    shown = Signal()
    """The whole branch is on screen now (the page was replaced)."""

    def __init__(self, view: ConversationView) -> None:
        super().__init__(view)
        self._view = view
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.step)
        self._conversation: Conversation | None = None
        self._messages: list[Message] = []
        self._live: Reply | None = None
        self._page: Page | None = None
        self._next = 0
        self._generation = 0

    @property
    def drawing(self) -> bool:
        """Earlier messages are still being drawn."""
        return self._page is not None

    def start(self, conversation: Conversation, live: Reply | None) -> None:
        """Draw ``conversation``'s whole branch, if the view shows only part of it."""
        self.stop()
        view = self._view
        if view.page.first == 0 and view.page.last is None:
            return
        from .conversation_view import Page

        self._conversation, self._live = conversation, live
        self._messages = conversation.messages
        self._page = Page(view.new_document())
        self._next = 0
        self._generation = view.generation
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._page is not None:
            self._page.document.deleteLater()
        self._page = None

    def step(self) -> None:
        """Draw messages for a slice of time; show the page once all are drawn."""
        view, page, conversation = self._view, self._page, self._conversation
        if page is None or conversation is None or view.conversation is not conversation:
            self.stop()
            return
        deadline = time.perf_counter() + SLICE_S
        with view.drawing_into(page):
            while self._next < len(self._messages) and time.perf_counter() < deadline:
                view.draw(conversation, [self._messages[self._next]], self._live)
                self._next += 1
        if self._next == len(self._messages):
            self._finish()

    def _finish(self) -> None:
        view, page, conversation = self._view, self._page, self._conversation
        assert page is not None
        assert conversation is not None
        self._timer.stop()
        self._page = None
        if view.generation != self._generation or view.streaming:  # the page shown moved on
            page.document.deleteLater()
            if not view.streaming:
                self.start(conversation, None)  # else: again once the reply has ended
            return
        view.show_whole(page)
        self.shown.emit()
