"""Following a stream: the pane stays at the bottom as a reply grows until the user scrolls
up; then a "Jump to latest" button over its corner brings it back and follows again."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QAbstractScrollArea, QToolButton

JUMP = "Jump to latest"
_NEAR = 4
"""Pixels from the bottom that still count as at the bottom."""
_GAP = 12


class Follower(QObject):
    """Keeps ``area`` at its bottom while ``following``; owns the jump button."""

    latest_wanted = Signal()
    """The button was clicked while the latest messages are not drawn (``more_below``)."""

    def __init__(self, area: QAbstractScrollArea) -> None:
        super().__init__(area)
        self._area = area
        self.following = True
        self.more_below = False
        """The area ends before the conversation does: its bottom is not the latest."""
        self.button = QToolButton(area)
        self.button.setText(f"↓ {JUMP}")
        self.button.setAccessibleName(JUMP)
        self.button.setToolTip("Scroll to the end of the conversation and follow the reply")
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.setStyleSheet(
            "QToolButton { background: #24292f; color: white; border-radius: 12px;"
            " padding: 4px 10px; }"
        )
        self.button.hide()
        bar = area.verticalScrollBar()
        bar.valueChanged.connect(self.on_bar_value_changed)
        bar.rangeChanged.connect(self.on_bar_range_changed)
        self.button.clicked.connect(self.on_button_clicked)

    def at_bottom(self) -> bool:
        bar = self._area.verticalScrollBar()
        return bar.value() >= bar.maximum() - _NEAR

    def to_bottom(self) -> None:
        bar = self._area.verticalScrollBar()
        bar.setValue(bar.maximum())

    def place(self) -> None:
        """Put the button in the viewport's bottom-right corner."""
        viewport = self._area.viewport().geometry()
        hint = self.button.sizeHint()
        self.button.resize(hint)
        self.button.move(
            viewport.right() - hint.width() - _GAP, viewport.bottom() - hint.height() - _GAP
        )

    def set_more_below(self, more: bool) -> None:
        self.more_below = more
        if more:
            self.following = False
        self._show_button()

    def on_bar_value_changed(self, value: int) -> None:
        self.following = self.at_bottom() and not self.more_below
        self._show_button()

    def on_bar_range_changed(self, low: int, high: int) -> None:
        if self.following:
            self.to_bottom()
        self._show_button()

    def on_button_clicked(self) -> None:
        if self.more_below:
            self.latest_wanted.emit()
            return
        self.following = True
        self.to_bottom()
        self._show_button()

    def _show_button(self) -> None:
        scrolled_up = not self.following
        if scrolled_up and not self.button.isVisible():
            self.place()
            self.button.raise_()
        self.button.setVisible(scrolled_up)
