"""Find in conversation (Ctrl+F): every match in the pane highlighted, the current one brought
into view, with next and previous; the action lines under messages are not searched."""

from __future__ import annotations

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
    from .conversation_view import ConversationView

HIGHLIGHTED = 2_000
"""Matches highlighted at most (all are counted and can be stepped through)."""
MATCH = "#fff2a8"
CURRENT = "#ffb74d"


class FindBar(QWidget):
    """A search field over the conversation pane: typing finds, Enter goes to the next
    match, Shift+Enter to the previous one, Esc closes."""

    def __init__(self, view: ConversationView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
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
        self.matches: list[QTextCursor] = []
        self.current = -1
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
        """Find every match of the field's text in the pane, and go to the first one at or
        after the top of the view."""
        text = self.field.text()
        self.matches = _find_all(self.view.document(), text, case=self.case.isChecked())
        self.current = -1
        if self.matches:
            self._go(self._first_in_view())
        else:
            self._show()

    def step(self, offset: int) -> None:
        if not self.matches:
            self.search()
            return
        self._go((self.current + offset) % len(self.matches))

    def _first_in_view(self) -> int:
        top = self.view.cursorForPosition(self.view.viewport().rect().topLeft()).position()
        return next((i for i, m in enumerate(self.matches) if m.position() >= top), 0)

    def _go(self, index: int) -> None:
        self.current = index
        self.view.follower.following = False  # the user is reading: stop following the stream
        cursor = self.matches[index]
        self.view.setTextCursor(cursor)
        self.view.ensureCursorVisible()
        self._show()

    def _show(self) -> None:
        text = self.field.text()
        if not text:
            self.count.setText("")
        elif not self.matches:
            self.count.setText("No matches")
        else:
            self.count.setText(f"{self.current + 1} of {len(self.matches)}")
        if text and self.view.earlier.drawing:
            self.count.setText(f"{self.count.text()} so far (earlier messages to come)")
        self.view.setExtraSelections(self._selections())

    def _selections(self) -> list[QTextEdit.ExtraSelection]:
        shown = []
        near = range(max(0, self.current - HIGHLIGHTED // 2), self.current + HIGHLIGHTED // 2)
        for index in near:
            if 0 <= index < len(self.matches):
                selection = QTextEdit.ExtraSelection()
                selection.cursor = self.matches[index]
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
