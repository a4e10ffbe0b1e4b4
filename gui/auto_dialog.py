"""Which providers Auto tries, and in what order: ticked ones, top first."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
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


class AutoDialog(QDialog):
    """Ticks and orders ``providers``; on Save, ``order`` is the setting's new value."""

    def __init__(
        self, providers: list[Provider], enabled: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Auto: providers to try")
        self.setMinimumSize(420, 420)
        self.order = ""
        self.list = QListWidget(self)
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
        up, down = QPushButton("Move &up", self), QPushButton("Move &down", self)
        up.clicked.connect(lambda: self.move(-1))
        down.clicked.connect(lambda: self.move(1))
        row = QHBoxLayout()
        row.addWidget(up)
        row.addWidget(down)
        row.addStretch(1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        layout.addWidget(buttons)

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

    def accept(self) -> None:
        self.order = ", ".join(self.ticked())
        super().accept()
