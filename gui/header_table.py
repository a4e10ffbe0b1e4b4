"""A table of extra request headers: name, value, and whether the value is a secret (then
masked, typed as a password, and kept in the keyring, never in the settings file)."""

from __future__ import annotations

import re

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

SECRET_ROLE = Qt.ItemDataRole.UserRole
"""On a header's value cell: True while the value is a secret (masked, typed as a password)."""
STORED_ROLE = Qt.ItemDataRole.UserRole + 1
"""On a header's value cell: a value is stored in the keyring (an empty cell keeps it)."""
MASK = "\N{BULLET}" * 8
SECRET_LOOKING = re.compile(r"auth|key|token|secret|passw|cookie|session", re.IGNORECASE)
"""Header names whose value is most likely a credential: Secret is ticked for them."""


class SecretValues(QStyledItemDelegate):
    """Shows a secret header's value as bullets (a stored one as "stored") and edits it as a
    password."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        if index.data(SECRET_ROLE) and option.text:  # type: ignore[attr-defined]
            option.text = MASK  # type: ignore[attr-defined]
        elif index.data(SECRET_ROLE) and index.data(STORED_ROLE):
            option.text = "stored (type to replace)"  # type: ignore[attr-defined]

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        editor = super().createEditor(parent, option, index)
        if index.data(SECRET_ROLE) and isinstance(editor, QLineEdit):
            editor.setEchoMode(QLineEdit.EchoMode.Password)
        return editor


class HeaderTable(QTableWidget):
    """Header rows: ``add_header`` adds one, ``rows`` reads them."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(0, 3, parent)
        self.setHorizontalHeaderLabels(["Header", "Value", "Secret"])
        self.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().hide()
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setMinimumHeight(110)
        self.setMaximumHeight(160)
        self.setItemDelegateForColumn(1, SecretValues(self))
        self.itemChanged.connect(self.on_item_changed)

    def add_header(
        self, name: str = "", value: str = "", secret: bool = False, *, stored: bool = False
    ) -> None:
        row = self.rowCount()
        self.insertRow(row)
        self.setItem(row, 0, QTableWidgetItem(name))
        value_item = QTableWidgetItem(value)
        value_item.setData(SECRET_ROLE, secret)
        value_item.setData(STORED_ROLE, stored)
        self.setItem(row, 1, value_item)
        box = QCheckBox(self)
        box.setChecked(secret)
        box.setToolTip("Keep the value in the keyring, not in the settings file, and hide it")
        box.toggled.connect(lambda checked: value_item.setData(SECRET_ROLE, checked))
        self.setCellWidget(row, 2, box)

    def on_item_changed(self, item: QTableWidgetItem) -> None:
        """A header named like a credential (``Authorization``, ``X-Api-Key``) is made secret
        as soon as it is named; the user may untick it."""
        if item.column() != 0 or not SECRET_LOOKING.search(item.text()):
            return
        box = self.cellWidget(item.row(), 2)
        value = self.item(item.row(), 1)
        if isinstance(box, QCheckBox) and not (value and value.text()):
            box.setChecked(True)

    def remove_selected(self) -> None:
        for index in sorted({i.row() for i in self.selectedIndexes()}, reverse=True):
            self.removeRow(index)

    def rows(self) -> list[tuple[str, str, bool]]:
        """(name, value, secret) of each row that is not empty."""
        found = []
        for row in range(self.rowCount()):
            name = (self.item(row, 0) or QTableWidgetItem()).text().strip()
            value = (self.item(row, 1) or QTableWidgetItem()).text().strip()
            box = self.cellWidget(row, 2)
            if name or value:
                found.append((name, value, isinstance(box, QCheckBox) and box.isChecked()))
        return found

    def buttons(self, parent: QWidget) -> QHBoxLayout:
        """Add header and Remove header, for under the table."""
        add = QPushButton("Add &header", parent)
        remove = QPushButton("Remove h&eader", parent)
        add.clicked.connect(self.on_add_clicked)
        remove.clicked.connect(self.remove_selected)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        return row

    def on_add_clicked(self) -> None:
        self.add_header()
        self.editItem(self.item(self.rowCount() - 1, 0))
