"""Find in conversation (Ctrl+F): every match in the conversation counted, those in the pane
highlighted, the current one brought into view, with next and previous; the action lines
under messages are not searched. A match in a message not drawn yet (a long conversation
is drawn from its end) is found in the message's text, and going to it draws it first."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QKeyEvent, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTextEdit,
    QToolButton,
    QWidget,
)

from .message_footer import is_footer

if TYPE_CHECKING:
    from chat.conversation import Message

    from .conversation_view import ConversationView

HIGHLIGHTED = 2_000
"""Matches highlighted at most (all are counted and can be stepped through)."""
MATCH = "#fff2a8"
CURRENT = "#ffb74d"
WAIT_FOR_REPLY = "in an earlier message, shown once the reply has ended"


@dataclass(frozen=True, slots=True)
class Match:
    """One match: in the branch's ``message``-th message, its ``nth`` there."""

    message: int
    nth: int
    cursor: QTextCursor | None
    """Where it is in the pane; None while its message is not drawn."""


class FindBar(QWidget):
    """A search field over the conversation pane: typing finds, Enter goes to the next
    match, Shift+Enter to the previous one, Esc closes."""

    def __init__(
        self,
        view: ConversationView,
        parent: QWidget | None = None,
        open_message: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = view
        self._open_message = open_message or self._draw_message
        """Shows a message not drawn yet (by its id), drawing what it needs."""
        self.field = QLineEdit(self)
        self.field.setPlaceholderText("Find in this conversation")
        self.field.setAccessibleName("Find in this conversation")
        self.field.setClearButtonEnabled(True)
        self.case = QCheckBox("Match case", self)
        self.count = QLabel(self)
        self.count.setAccessibleName("Matches")
        self.count.setMinimumWidth(90)
        self.previous = self._button("‹", "Previous match (Shift+Enter)")
        self.next = self._button("›", "Next match (Enter)")
        self.close_button = self._button("✕", "Close (Esc)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field, 1)
        layout.addWidget(self.count)
        for widget in (self.previous, self.next, self.case, self.close_button):
            layout.addWidget(widget)
        self.matches: list[Match] = []
        self.current = -1
        self._note = ""
        self.field.installEventFilter(self)
        self.field.textChanged.connect(self.search)
        self.case.toggled.connect(self.search)
        self.previous.clicked.connect(lambda: self.step(-1))
        self.next.clicked.connect(lambda: self.step(1))
        self.close_button.clicked.connect(self.close_bar)
        view.earlier.shown.connect(self.refresh)
        self.hide()

    def _button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip.partition(" (")[0])
        return button

    def open(self) -> None:
        """Show the bar with its text selected, searching again (the pane may have changed)."""
        self.show()
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()
        self.search()

    def close_bar(self) -> None:
        self.hide()
        self.matches, self.current = [], -1
        self.view.setExtraSelections([])
        self.view.setFocus()

    def refresh(self) -> None:
        """The pane shows another conversation or branch: search it again."""
        if self.isVisible():
            self.search()

    def search(self) -> None:
        """Find every match of the field's text in the conversation, and go to the first
        one at or after the top of the view."""
        self.matches = _matches(self.view, self.field.text(), case=self.case.isChecked())
        self.current = -1
        self._note = ""
        first = self._first_in_view() if self.matches else 0
        if self.matches and self.matches[first].cursor is not None:
            self._go(first)
            return
        self.current = first - 1  # not drawn yet: Enter goes to it (searching draws nothing)
        self._show(placed=False)

    def step(self, offset: int) -> None:
        if not self.matches:
            self.search()
            return
        self._go((self.current + offset) % len(self.matches))

    def _first_in_view(self) -> int:
        top = self.view.cursorForPosition(self.view.viewport().rect().topLeft()).position()
        drawn = self.view.page.first
        for index, match in enumerate(self.matches):
            if match.cursor is not None and match.cursor.position() >= top:
                return index
            if match.cursor is None and match.message >= drawn:  # after the window shown
                return index
        return 0

    def _go(self, index: int) -> None:
        self.current = index
        self._note = ""
        match = self.matches[index]
        if match.cursor is None:
            self._go_to_undrawn(match)
            return
        self.view.follower.following = False  # the user is reading: stop following the stream
        self.view.setTextCursor(match.cursor)
        self.view.ensureCursorVisible()
        self._show()

    def _go_to_undrawn(self, match: Match) -> None:
        """Draw the message of ``match``, then go to the match as drawn (the nth in it, as
        far as it has that many: its text as written may hold more than it shows)."""
        conversation = self.view.conversation
        if self.view.streaming or conversation is None:
            self._note = WAIT_FOR_REPLY
            self._show()
            return
        self._open_message(conversation.messages[match.message].id)
        self.matches = _matches(self.view, self.field.text(), case=self.case.isChecked())
        drawn = [
            i
            for i, m in enumerate(self.matches)
            if m.cursor is not None and m.message >= match.message
        ]
        if not drawn:
            self.current = -1
            self._show()
            return
        same = [i for i in drawn if self.matches[i].message == match.message]
        self._go(same[min(match.nth, len(same) - 1)] if same else drawn[0])

    def _draw_message(self, message_id: str) -> None:
        view = self.view
        if view.conversation is not None:
            view.show_conversation(view.conversation, at=message_id)
            view.scroll_to(message_id)

    def _show(self, *, placed: bool = True) -> None:
        """Show the count, and the current match as "n of m" when ``placed`` on it."""
        text = self.field.text()
        if not text:
            self.count.setText("")
        elif not self.matches:
            self.count.setText("No matches")
        elif self.current < 0 or not placed:
            count = len(self.matches)
            self.count.setText(f"{count} match" if count == 1 else f"{count} matches")
        else:
            self.count.setText(f"{self.current + 1} of {len(self.matches)}")
        if text and self._note:
            self.count.setText(f"{self.count.text()}, {self._note}")
        self.view.setExtraSelections(self._selections())

    def _selections(self) -> list[QTextEdit.ExtraSelection]:
        shown = []
        near = range(max(0, self.current - HIGHLIGHTED // 2), self.current + HIGHLIGHTED // 2)
        for index in near:
            if 0 <= index < len(self.matches) and (cursor := self.matches[index].cursor):
                selection = QTextEdit.ExtraSelection()
                selection.cursor = cursor
                colour = CURRENT if index == self.current else MATCH
                selection.format.setBackground(QColor(colour))
                selection.format.setForeground(QColor("#1f2328"))
                shown.append(selection)
        return shown

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter and Shift+Enter step through the matches; Esc closes (before the window's
        Esc, which stops the reply)."""
        kind = event.type()
        if watched is self.field and kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                event.accept()
                if kind == QEvent.Type.KeyPress:
                    if key == Qt.Key.Key_Escape:
                        self.close_bar()
                    else:
                        back = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
                        self.step(-1 if back else 1)
                return True
        return False


def _matches(view: ConversationView, text: str, *, case: bool) -> list[Match]:
    """Every match of ``text`` in the conversation ``view`` shows, in order: in the
    messages before the page shown (by their text), in the page, then after it."""
    if not text:
        return []
    conversation, page = view.conversation, view.page
    messages = conversation.messages if conversation is not None else []
    index_of = {message.id: index for index, message in enumerate(messages)}
    starts = sorted((at, index_of[i]) for i, at in page.positions.items() if i in index_of)
    positions = [at for at, _ in starts]
    found = _in_texts(messages[: page.first], 0, text, case=case)
    seen: dict[int, int] = {}
    for cursor in _find_all(view.document(), text, case=case):
        at = bisect_right(positions, cursor.position()) - 1
        message = starts[at][1] if at >= 0 else page.first
        seen[message] = seen.get(message, -1) + 1
        found.append(Match(message, seen[message], cursor))
    if page.last is not None:
        found += _in_texts(messages[page.last :], page.last, text, case=case)
    return found


def _in_texts(messages: list[Message], first: int, text: str, *, case: bool) -> list[Match]:
    """The matches in ``messages`` (the branch's from ``first`` on) by their text."""
    needle = text if case else text.casefold()
    found: list[Match] = []
    for offset, message in enumerate(messages):
        content = message.content if case else message.content.casefold()
        found += (Match(first + offset, nth, None) for nth in range(content.count(needle)))
    return found


def _find_all(document: QTextDocument, text: str, *, case: bool) -> list[QTextCursor]:
    """Every occurrence of ``text`` in ``document`` outside the action lines, in order."""
    if not text:
        return []
    flags = QTextDocument.FindFlag.FindCaseSensitively if case else QTextDocument.FindFlag(0)
    found: list[QTextCursor] = []
    cursor = QTextCursor(document)
    while True:
        cursor = document.find(text, cursor, flags)
        if cursor.isNull():
            return found
        if not is_footer(cursor.block()):
            found.append(QTextCursor(cursor))
