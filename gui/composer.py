"""The composer: a text box where Enter sends and Shift+Enter starts a new line, and Send/Stop."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QWidget

_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class Composer(QPlainTextEdit):
    """Plain-text input: Enter emits ``submitted``, Shift+Enter inserts a line break."""

    submitted = Signal()

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
        super().keyPressEvent(event)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        lines = self.fontMetrics().lineSpacing() * 4
        return QSize(hint.width(), lines + 2 * int(self.document().documentMargin()) + 6)


class ComposerBar(QWidget):
    """The composer beside a button that reads Send, or Stop while a reply streams."""

    send_requested = Signal(str)
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = Composer(self)
        self.button = QPushButton("Send", self)
        self.button.setMinimumWidth(88)
        self.button.setMinimumHeight(36)
        self._busy = False
        self._ready = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignBottom)
        self.editor.setMaximumHeight(self.editor.sizeHint().height() * 2)
        self.editor.submitted.connect(self.on_editor_submitted)
        self.button.clicked.connect(self.on_button_clicked)
        self._update_button()

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
