"""A yellow notice above the conversation: wrapped to fit, selectable, and dismissable."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

STYLE = (
    "#banner { background: #fff4ce; border: 1px solid #e0c25c; border-radius: 4px; }"
    " #banner QLabel { color: #4d3800; }"
)


class Banner(QFrame):
    """A message the user should read in full (a path to copy, say), until dismissed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setStyleSheet(STYLE)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.dismiss = QToolButton(self)
        self.dismiss.setText("Dismiss")
        self.dismiss.setToolTip("Hide this message")
        self.dismiss.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.dismiss, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, text: str) -> None:
        """Show ``text`` (hidden when it is empty)."""
        self.label.setText(text)
        self.setVisible(bool(text))

    def text(self) -> str:
        return self.label.text()


UNDO_SECONDS = 10


class UndoBar(Banner):
    """ "Deleted “…”." with an Undo button, for a few seconds."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.undo = QToolButton(self)
        self.undo.setText("Undo")
        self.undo.setToolTip("Bring it back")
        layout = self.layout()
        assert isinstance(layout, QHBoxLayout)
        layout.insertWidget(1, self.undo, 0, Qt.AlignmentFlag.AlignTop)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(UNDO_SECONDS * 1000)
        self._timer.timeout.connect(self.hide)
        self.undo.clicked.connect(self.on_undo_clicked)
        self._undo: Callable[[], None] | None = None

    def offer(self, text: str, undo: Callable[[], None]) -> None:
        """Show ``text``; Undo calls ``undo`` (once), until the next offer or the timeout."""
        self._undo = undo
        self.show_message(text)
        self._timer.start()

    def on_undo_clicked(self) -> None:
        undo, self._undo = self._undo, None
        self.hide()
        if undo is not None:
            undo()
