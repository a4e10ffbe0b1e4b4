"""The composer: a text box where Enter sends and Shift+Enter starts a new line, and Send/Stop."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from chat.conversation import Message

_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


EDITING = "Editing your message: Enter sends it as a new version (the old one stays); Esc cancels."


class Composer(QPlainTextEdit):
    """Plain-text input: Enter emits ``submitted``, Shift+Enter inserts a line break; Esc
    emits ``escaped``, and Up in an empty box ``up_when_empty``."""

    submitted = Signal()
    escaped = Signal()
    up_when_empty = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("Write a message — Enter sends, Shift+Enter starts a new line")
        self.setTabChangesFocus(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in _ENTER_KEYS:
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
            else:
                self.submitted.emit()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape and not event.modifiers():
            self.escaped.emit()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Up and not event.modifiers() and not self.toPlainText():
            self.up_when_empty.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        lines = self.fontMetrics().lineSpacing() * 4
        return QSize(hint.width(), lines + 2 * int(self.document().documentMargin()) + 6)


class ComposerBar(QWidget):
    """The composer beside a button that reads Send, or Stop while a reply streams; above
    it, while the user edits an earlier message, a line that says so."""

    send_requested = Signal(str)
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = Composer(self)
        self.editor.setAccessibleName("Message")
        self.button = QPushButton("Send", self)
        self.button.setMinimumWidth(88)
        self.button.setMinimumHeight(36)
        self.editing: Message | None = None
        """The earlier message being edited (Send makes a new version of it)."""
        self.edit_notice = QWidget(self)
        self.edit_label = QLabel(EDITING, self.edit_notice)
        self.edit_label.setWordWrap(True)
        self.cancel_edit_button = QToolButton(self.edit_notice)
        self.cancel_edit_button.setText("Cancel")
        self.cancel_edit_button.setToolTip("Stop editing (Esc)")
        notice = QHBoxLayout(self.edit_notice)
        notice.setContentsMargins(0, 0, 0, 0)
        notice.addWidget(self.edit_label, 1)
        notice.addWidget(self.cancel_edit_button)
        self.edit_notice.hide()
        self._busy = False
        self._ready = False
        row = QHBoxLayout()
        row.addWidget(self.editor, 1)
        row.addWidget(self.button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.edit_notice)
        layout.addLayout(row)
        self.editor.setMaximumHeight(self.editor.sizeHint().height() * 2)
        self.editor.submitted.connect(self.on_editor_submitted)
        self.button.clicked.connect(self.on_button_clicked)
        self.cancel_edit_button.clicked.connect(self.cancel_edit)
        self._update_button()

    def begin_edit(self, message: Message) -> None:
        """Put ``message``'s text in the box to be changed and sent as a new version."""
        self.editing = message
        self.editor.setPlainText(message.content)
        self.editor.moveCursor(QTextCursor.MoveOperation.End)
        self.edit_notice.show()
        self.editor.setFocus()

    def cancel_edit(self) -> None:
        """Stop editing; the box is emptied."""
        if self.editing is not None:
            self.take_editing()
            self.editor.clear()

    def take_editing(self) -> Message | None:
        """The message being edited, if any; the box is no longer editing it."""
        editing, self.editing = self.editing, None
        self.edit_notice.hide()
        return editing

    @property
    def busy(self) -> bool:
        return self._busy

    def set_ready(self, ready: bool) -> None:
        """Sending is possible (the chat session exists)."""
        self._ready = ready
        self._update_button()

    def set_busy(self, busy: bool) -> None:
        """A reply is streaming: the button stops it instead of sending."""
        self._busy = busy
        self._update_button()

    def on_editor_submitted(self) -> None:
        if not self._busy:
            self._send()

    def on_button_clicked(self) -> None:
        if self._busy:
            self.stop_requested.emit()
        else:
            self._send()

    def _send(self) -> None:
        text = self.editor.toPlainText().strip()
        if not text or not self._ready:
            return
        self.editor.clear()
        self.send_requested.emit(text)

    def _update_button(self) -> None:
        if self._busy:
            self.button.setText("Stop")
            self.button.setToolTip("Stop the reply (the text so far is kept)")
        else:
            self.button.setText("Send")
            self.button.setToolTip("Send the message (Enter)")
        self.button.setEnabled(self._busy or self._ready)
