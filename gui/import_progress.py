"""The dialog an import shows while it runs: how much of the file is read, and Cancel."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

CANCELLING = "Cancelling: taking out what was imported so far…"


class ImportProgress(QDialog):
    """Shows ``show_progress``'s figures; Cancel (or Escape, or closing it) emits
    ``cancel_requested`` once and the dialog stays, saying so, until ``finish``.

    Our own dialog rather than QProgressDialog: a modal QProgressDialog runs the event loop
    inside ``setValue``, and that would run the window's asyncio callbacks inside one another.
    """

    cancel_requested = Signal()

    def __init__(self, name: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Importing")
        self.label = QLabel(f"Importing the conversations of “{name}”…", self)
        self.label.setWordWrap(True)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 100)
        self.bar.setValue(0)
        self.detail = QLabel("", self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setToolTip("Stop, and keep nothing of this file")
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.detail)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        self.buttons.rejected.connect(self.reject)
        self._cancelled = False
        self._finished = False

    def show_progress(self, done: int, total: int) -> None:
        """``done`` bytes of ``total`` read (figures that come after ``finish`` are dropped)."""
        if self._finished:
            return
        self.bar.setValue(100 * done // total if total else 100)
        if total >= 1_000_000:
            self.detail.setText(f"{done / 1e6:,.0f} of {total / 1e6:,.0f} MB read")

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def reject(self) -> None:
        """Cancel, Escape and the close button: ask the import to stop; it says when."""
        if self._finished:
            super().reject()
            return
        if not self._cancelled:
            self._cancelled = True
            self.label.setText(CANCELLING)
            self.cancel_button.setEnabled(False)
            self.cancel_requested.emit()

    def finish(self) -> None:
        """The import ended (whichever way): the dialog goes."""
        self._finished = True
        self.accept()
