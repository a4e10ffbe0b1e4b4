"""Help → About Parley: the version (chat/version.py, the one place it is written), what Parley
is, and the versions a bug report needs, with a button that copies them."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat.version import VERSION

from .start import window_icon

SUMMARY = (
    "A fast, private, native desktop chat client for large language model chat services. "
    "Your keys stay in the system's keyring; your conversations stay on this computer."
)


def version_details() -> str:
    """One line for a bug report: Parley's version and what it runs on."""
    return (
        f"Parley {VERSION} (Python {platform.python_version()}, PySide6 {pyside_version}, "
        f"Qt {qVersion()}, {platform.system()} {platform.release()} {platform.machine()})"
    )


class AboutDialog(QDialog):
    """The icon and name, the version, a sentence on what Parley is, the licence, and the details
    with a Copy button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Parley")
        self.icon = QLabel(self)
        self.icon.setPixmap(window_icon().pixmap(64, 64))
        self.title = QLabel(f"<h2>Parley</h2>Version {VERSION}", self)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary = QLabel(SUMMARY, self)
        self.summary.setWordWrap(True)
        self.licence = QLabel("Free software under the MIT licence.", self)
        self.details = QLabel(version_details(), self)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy = QPushButton("&Copy version details", self)
        self.copy.setToolTip("Copy the versions above, for a bug report")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.addButton(self.copy, QDialogButtonBox.ButtonRole.ActionRole)
        self._lay_out()
        self.copy.clicked.connect(self.on_copy_clicked)
        self.buttons.rejected.connect(self.reject)

    def _lay_out(self) -> None:
        head = QHBoxLayout()
        head.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.title, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        for label in (self.summary, self.licence, self.details):
            layout.addWidget(label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)

    def on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(version_details())
        self.copy.setText("Copied")
