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
    await until(lambda: not window.view.earlier.drawing)
    window.find_bar.open()
    window.find_bar.field.setText("Question 0 about")
    assert window.find_bar.count.text() == "1 of 1"
    other = Conversation()
    other.add("user", "nothing to see")
    window._show(other)
    assert window.find_bar.matches == []
    assert window.find_bar.count.text() == "No matches"


async def test_find_counts_the_messages_not_drawn_yet_and_draws_one_to_go_to_it(
    window: MainWindow, qtbot: QtBot
) -> None:
    conversation = long_conversation()
    window._show(conversation)  # drawn from its last 40 messages; the rest comes later
    assert window.view.earlier.drawing
    bar = window.find_bar
    bar.open()
    qtbot.keyClicks(bar.field, "kiwi")
    assert [m.cursor is None for m in bar.matches] == [True, True, True, False]
    assert bar.count.text() == "4 of 4"  # the one in view: the last reply
    assert window.view.textCursor().selectedText() == "Kiwi"
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)  # the first question: not drawn
    assert bar.current == 0
    assert bar.count.text() == "1 of 4"
    assert window.view.textCursor().selectedText() == "kiwi"
    assert "Question 0 about **kiwi** fruit" in window.view.toPlainText()
    assert "The last word is Kiwi." not in window.view.toPlainText()  # a window on it
    assert window.view.more_below
    assert window.view.follower.button.isVisible()  # the way back to the latest
    assert len(window.view.extraSelections()) == 1  # the window holds questions 0 to 19
    await until(lambda: not window.view.earlier.drawing)  # then the whole branch
    assert not window.view.more_below
    assert "The last word is Kiwi." in window.view.toPlainText()
    bar.search()
    assert bar.count.text() == "1 of 4"  # still reading there
    assert all(m.cursor is not None for m in bar.matches)


async def test_searching_draws_nothing_until_enter_is_pressed(window: MainWindow) -> None:
    window._show(long_conversation())
    window.find_bar.open()
    window.find_bar.field.setText("Question 0 about")
    assert window.find_bar.count.text() == "1 match"
    assert not window.view.more_below
    window.find_bar.step(1)
    assert window.view.more_below
    assert window.find_bar.count.text() == "1 of 1"


async def test_the_jump_button_and_a_new_question_bring_back_the_latest_messages(
    window: MainWindow, qtbot: QtBot
) -> None:
    conversation = long_conversation()
    first = conversation.messages[0].id
    window._show(conversation, first)  # a search hit far back: a window on it, at once
    assert window.view.more_below
    assert "The last word" not in window.view.toPlainText()
    window.view.follower.button.click()
    assert not window.view.more_below
    assert "The last word is Kiwi." in window.view.toPlainText()
    assert window.view.follower.following
    assert window.view.follower.at_bottom()
    window._show(conversation, first)
    assert window.view.more_below
    qtbot.keyClicks(window.composer.editor, "and now?")
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Return)
    assert not window.view.more_below
    text = window.view.toPlainText()
    assert text.index("The last word is Kiwi.") < text.index("and now?")
    await until(lambda: window.replies.running(conversation.id) is None)


async def test_a_match_not_drawn_waits_while_a_reply_streams(window: MainWindow) -> None:
    conversation = long_conversation()
    window._show(conversation)
    window.view.streaming = True  # as while a reply streams into the page shown
    window.find_bar.open()
    window.find_bar.field.setText("Question 0 about")
    window.find_bar.step(1)
    assert not window.view.more_below
    assert window.find_bar.count.text() == (
        "1 of 1, in an earlier message, shown once the reply has ended"
    )
    window.view.streaming = False
