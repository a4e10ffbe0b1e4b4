"""PySide6-Essentials 6.12.0 on Python 3.11 aborts after ~5,000 void C++ calls (TOOLCHAIN.md)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot


def test_twenty_thousand_void_calls_do_not_crash(qtbot: QtBot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    for number in range(20_000):
        widget.setWindowTitle(f"title {number}")  # returns void: the call that lost a ref
    assert widget.windowTitle() == "title 19999"
