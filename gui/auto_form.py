"""Which providers Auto tries, and in what order: ticked ones, top first (the Settings
window's page for Auto)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from providers.contract import Provider

INTRO = (
    "Auto asks the ticked providers from the top down. It moves on only when one fails before "
    "any text arrived; one that failed three times in a row is skipped for a minute. With none "
    "ticked, it tries the local servers, then the services."
)


class AutoForm(QWidget):
    """Ticks and orders ``providers`` (``enabled``: the ticked ones, in order, first)."""

    def __init__(self, providers: list[Provider], enabled: list[str], parent: QWidget) -> None:
        super().__init__(parent)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Providers Auto tries")
        self.list.setDragDropMode(QListWidget.DragDropMode.InternalMove)
        position = {name: index for index, name in enumerate(enabled)}
        ranked = sorted(providers, key=lambda p: (p.name not in position, position.get(p.name, 0)))
        for provider in ranked:
            item = QListWidgetItem(provider.get_label(), self.list)
            item.setData(Qt.ItemDataRole.UserRole, provider.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = provider.name in position
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.list.setCurrentRow(0)
        intro = QLabel(INTRO, self)
        intro.setWordWrap(True)
        up, down = QPushButton("Move &up", self), QPushButton("Move do&wn", self)
        up.clicked.connect(lambda: self.move(-1))
        down.clicked.connect(lambda: self.move(1))
        row = QHBoxLayout()
        row.addWidget(up)
        row.addWidget(down)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)

    def move(self, step: int) -> None:
        """Move the selected provider ``step`` places (up is negative)."""
        row = self.list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)

    def ticked(self) -> list[str]:
        items = (self.list.item(i) for i in range(self.list.count()))
        return [
            str(item.data(Qt.ItemDataRole.UserRole))
            for item in items
            if item.checkState() == Qt.CheckState.Checked
        ]

    def order(self) -> str:
        """The setting's value: the ticked providers' names, top first."""
        return ", ".join(self.ticked())
