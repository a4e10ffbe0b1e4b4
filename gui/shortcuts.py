"""The keyboard shortcuts, listed once: Help → Keyboard shortcuts shows this table."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Ctrl+N", "New conversation"),
    ("Ctrl+K", "Search conversations"),
    ("Ctrl+F", "Find in this conversation (Enter: next, Shift+Enter: previous, Esc: close)"),
    ("Ctrl+L", "Go to the message box"),
    ("Enter", "Send the message"),
    ("Shift+Enter", "New line in the message"),
    ("Esc", "Stop the reply (or stop editing a message)"),
    ("Up", "In an empty message box: edit your last message"),
    ("Ctrl+R", "Regenerate the last reply"),
    ("Ctrl+Shift+C", "Copy the last reply (as Markdown)"),
    ("Ctrl+Up", "Previous conversation"),
    ("Ctrl+Down", "Next conversation"),
    ("Ctrl+E", "Export"),
    ("Ctrl+,", "Settings (at the chosen provider's page)"),
    ("Ctrl+Shift+,", "Settings of this conversation"),
    ("F2", "Rename the conversation (in the list)"),
    ("Delete", "Delete the conversation (in the list)"),
    ("F1", "This list of shortcuts"),
    ("Ctrl+Q", "Quit"),
)
"""(keys, what they do), in the order the list shows them."""


class ShortcutsDialog(QDialog):
    """Every shortcut in a two-column table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.table = QTableWidget(len(SHORTCUTS), 2, self)
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setHorizontalHeaderLabels(["Keys", "Action"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        for row, (keys, action) in enumerate(SHORTCUTS):
            self.table.setItem(row, 0, QTableWidgetItem(keys))
            self.table.setItem(row, 1, QTableWidgetItem(action))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons, 0, Qt.AlignmentFlag.AlignRight)
        self.resize(460, 520)
