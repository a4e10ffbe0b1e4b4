"""Auto's page of the Settings window: tick providers and put them in the order Auto tries
them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from gui.auto_form import AutoForm
from providers.presets import GROQ, LM_STUDIO, OPENAI


def names(dialog: AutoForm) -> list[str]:
    return [dialog.list.item(i).text() for i in range(dialog.list.count())]


def test_the_enabled_ones_come_first_in_their_order_and_ticked(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = AutoForm([OPENAI, LM_STUDIO, GROQ], ["Groq", "OpenAI"], parent)
    assert names(dialog) == ["Groq", "OpenAI", "LM Studio (local)"]
    assert dialog.ticked() == ["Groq", "OpenAI"]


def test_moving_and_ticking_makes_the_new_order(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = AutoForm([OPENAI, LM_STUDIO, GROQ], ["Groq", "OpenAI"], parent)
    dialog.list.setCurrentRow(2)
    dialog.list.item(2).setCheckState(Qt.CheckState.Checked)
    dialog.move(-1)
    dialog.move(-1)
    dialog.move(-1)  # already at the top: stays
    assert dialog.order() == "LMStudio, Groq, OpenAI"


def test_none_ticked_means_the_default_order(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    assert AutoForm([OPENAI], [], parent).order() == ""
