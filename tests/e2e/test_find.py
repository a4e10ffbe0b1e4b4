"""Find in conversation (Ctrl+F) in a real window: all of the conversation is searched, the
matches are counted and highlighted, Enter and Shift+Enter step, Esc closes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from chat.conversation import Conversation
from gui.main_window import MainWindow
from tests.support.qt import until


def long_conversation() -> Conversation:
    conversation = Conversation()
    for number in range(60):
        conversation.add(
            "user",
            f"Question {number} about **kiwi** fruit" if number % 20 == 0 else f"Question {number}",
        )
        conversation.add("assistant", f"Answer {number}: " + "filler words. " * 30)
    conversation.add("assistant", "The last word is Kiwi.", parent_id=conversation.leaf_id)
    return conversation


async def test_find_counts_every_match_and_steps_through_them(
    window: MainWindow, qtbot: QtBot
) -> None:
    conversation = long_conversation()
    window._show(conversation)
    await until(lambda: not window.view.earlier.drawing)
    window.window_actions.find.trigger()
    bar = window.find_bar
    assert bar.isVisible()
    assert bar.field.hasFocus()
    qtbot.keyClicks(bar.field, "kiwi")
    assert len(bar.matches) == 4  # three questions (rendered without the **) and the last reply
    assert len(window.view.extraSelections()) == 4  # your messages are plain text: ** stays
    first = bar.current
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    assert bar.current == (first + 1) % 4
    qtbot.keyClick(bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert bar.current == first
    assert bar.count.text() == f"{first + 1} of 4"
    assert window.view.textCursor().selectedText().lower() == "kiwi"
    bar.case.setChecked(True)
    assert len(bar.matches) == 3
    bar.field.setText("Kiwi")
    assert len(bar.matches) == 1
    bar.field.setText("Copy")  # the action lines are not searched
    assert bar.matches == []
    assert bar.count.text() == "No matches"
    qtbot.keyClick(bar.field, Qt.Key.Key_Escape)
    assert not bar.isVisible()
    assert window.view.extraSelections() == []


async def test_find_searches_the_conversation_shown_again_when_it_changes(
    window: MainWindow,
) -> None:
    window._show(long_conversation())
    window.find_bar.open()
    window.find_bar.field.setText("Question 0 about")  # among the first: not drawn at once
    assert window.find_bar.matches == []
    assert window.find_bar.count.text() == "No matches so far (earlier messages to come)"
    await until(lambda: not window.view.earlier.drawing)
    assert len(window.find_bar.matches) == 1  # searched again once all is drawn
    assert window.find_bar.count.text() == "1 of 1"
    other = Conversation()
    other.add("user", "nothing to see")
    window._show(other)
    assert window.find_bar.matches == []
