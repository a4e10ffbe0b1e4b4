"""The Auto dialog: tick providers and put them in the order Auto tries them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from gui.auto_dialog import AutoDialog
from providers.presets import GROQ, LM_STUDIO, OPENAI


def names(dialog: AutoDialog) -> list[str]:
    return [dialog.list.item(i).text() for i in range(dialog.list.count())]


def test_the_enabled_ones_come_first_in_their_order_and_ticked(qtbot: QtBot) -> None:
    dialog = AutoDialog([OPENAI, LM_STUDIO, GROQ], ["Groq", "OpenAI"])
    qtbot.addWidget(dialog)
    assert names(dialog) == ["Groq", "OpenAI", "LM Studio (local)"]
    assert dialog.ticked() == ["Groq", "OpenAI"]


def test_moving_and_ticking_makes_the_new_order(qtbot: QtBot) -> None:
    dialog = AutoDialog([OPENAI, LM_STUDIO, GROQ], ["Groq", "OpenAI"])
    qtbot.addWidget(dialog)
    dialog.list.setCurrentRow(2)
    dialog.list.item(2).setCheckState(Qt.CheckState.Checked)
    dialog.move(-1)
    dialog.move(-1)
    dialog.move(-1)  # already at the top: stays
    dialog.accept()
    assert dialog.order == "LMStudio, Groq, OpenAI"


def test_none_ticked_means_the_default_order(qtbot: QtBot) -> None:
    dialog = AutoDialog([OPENAI], [])
    qtbot.addWidget(dialog)
    dialog.accept()
    assert dialog.order == ""
