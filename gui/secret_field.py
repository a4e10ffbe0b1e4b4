"""A field for one secret: masked, never filled with the stored value. When one is stored
it says so and offers Replace and Remove."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

STORED = "Stored"
REMOVED = "Removed when you apply"


class SecretField(QWidget):
    """One secret's row: the masked editor, or "Stored" with Replace and Remove.

    ``change()`` says what applying does: None (keep what is stored, or nothing), "" (remove
    the stored one) or the new value typed.
    """

    changed = Signal()

    def __init__(
        self, parent: QWidget, *, stored: bool, hint: str, multiline: bool = False
    ) -> None:
        super().__init__(parent)
        self.stored = stored
        self.removing = False
        self.editor: QLineEdit | QPlainTextEdit
        if multiline:
            self.editor = QPlainTextEdit(self)
            self.editor.setFixedHeight(self.editor.fontMetrics().lineSpacing() * 4 + 12)
            self.editor.setPlaceholderText(hint)
            self.editor.textChanged.connect(self.changed)
        else:
            self.editor = QLineEdit(self)
            self.editor.setEchoMode(QLineEdit.EchoMode.Password)
            self.editor.setPlaceholderText(hint)
            self.editor.textChanged.connect(self.changed)
        self.state = QLabel(STORED, self)
        self.replace_button = QPushButton("Re&place", self)
        self.replace_button.setToolTip("Type a new value instead of the stored one")
        self.remove_button = QPushButton("Re&move", self)
        self.remove_button.setToolTip("Forget the stored value when you apply")
        self.keep_button = QPushButton("&Keep", self)
        self.keep_button.setToolTip("Keep the stored value")
        self.replace_button.clicked.connect(self.on_replace_clicked)
        self.remove_button.clicked.connect(self.on_remove_clicked)
        self.keep_button.clicked.connect(self.on_keep_clicked)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.addWidget(self.editor, 1)
        self.row.addWidget(self.state, 1)
        for button in (self.replace_button, self.remove_button, self.keep_button):
            self.row.addWidget(button)
        self._show()

    def add_button(self, button: QPushButton) -> None:
        """A button of the field's own after the editor (Import… for cookies)."""
        self.row.insertWidget(1, button)

    def text(self) -> str:
        if isinstance(self.editor, QLineEdit):
            return self.editor.text()
        return self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        """Put ``text`` in the editor (as imported from a file), replacing what is stored."""
        self.removing = False
        if isinstance(self.editor, QLineEdit):
            self.editor.setText(text)
        else:
            self.editor.setPlainText(text)
        self._show(editing=True)

    def change(self) -> str | None:
        if self.removing:
            return ""
        typed = self.text().strip()
        return typed or None

    def set_stored(self, stored: bool) -> None:
        """What is stored now (after applying): the editor is emptied."""
        self.stored, self.removing = stored, False
        self.set_text("")
        self._show()

    def on_replace_clicked(self) -> None:
        self.removing = False
        self._show(editing=True)
        self.editor.setFocus()

    def on_remove_clicked(self) -> None:
        self.removing = True
        self._show()
        self.changed.emit()

    def on_keep_clicked(self) -> None:
        self.removing = False
        self.editor.clear()
        self._show()
        self.changed.emit()

    def _show(self, *, editing: bool = False) -> None:
        editing = editing or not self.stored or bool(self.text())
        self.editor.setVisible(editing and not self.removing)
        self.state.setVisible(self.stored and (self.removing or not editing))
        self.state.setText(REMOVED if self.removing else STORED)
        self.replace_button.setVisible(self.stored and not editing and not self.removing)
        self.remove_button.setVisible(self.stored and not self.removing)
        self.keep_button.setVisible(self.stored and (self.removing or editing))
