"""A long conversation opens on its last messages at once; the whole branch follows, drawn
out of sight and shown in one step, exactly as if it had been drawn at once."""

from __future__ import annotations

from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from chat.conversation import Conversation
from gui.conversation_view import TAIL_MESSAGES, ConversationView, Page


def long_chat(turns: int = 100) -> Conversation:
    conversation = Conversation()
    for number in range(turns):
        conversation.add("user", f"Question {number}", id=f"q{number}")
        conversation.add(
            "assistant",
            f"## Answer {number}\n\n- a point\n\n```python\nx = {number}\n```\n",
            id=f"a{number}",
        )
    return conversation


def view_of(qtbot: QtBot) -> ConversationView:
    view = ConversationView()
    view.resize(700, 500)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    return view


def drawn_at_once(qtbot: QtBot, conversation: Conversation) -> str:
    view = view_of(qtbot)
    view.conversation = conversation
    page = Page(view.new_document())
    with view.drawing_into(page):
        view.draw(conversation, conversation.messages)
    view.show_page(page)
    return view.toHtml()


def test_the_last_messages_come_first_then_the_whole_branch(qtbot: QtBot) -> None:
    conversation = long_chat()
    view = view_of(qtbot)
    view.show_conversation(conversation)
    assert view.page.first == 200 - TAIL_MESSAGES
    assert "Question 99" in view.toPlainText()
    assert "Question 0\n" not in view.toPlainText()
    assert view.earlier.drawing
    qtbot.waitUntil(lambda: not view.earlier.drawing, timeout=20_000)
    assert view.page.first == 0
    assert len(view.page.positions) == 200
    assert view.toHtml() == drawn_at_once(qtbot, conversation)
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())  # still following the end


def test_a_short_conversation_is_drawn_whole_at_once(qtbot: QtBot) -> None:
    view = view_of(qtbot)
    view.show_conversation(long_chat(5))
    assert view.page.first == 0
    assert not view.earlier.drawing


def test_what_the_user_reads_stays_in_view_when_the_whole_is_shown(qtbot: QtBot) -> None:
    view = view_of(qtbot)
    view.show_conversation(long_chat())
    assert view.scroll_to("q85")
    view.follower.following = False
    read = view._message_at_top()
    assert read in ("a84", "q85")
    qtbot.waitUntil(lambda: not view.earlier.drawing, timeout=20_000)
    qtbot.wait(100)  # Qt lays the new page out in steps
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.page.positions[read])
    assert view.viewport().rect().intersects(view.cursorRect(cursor))  # still on screen
    assert not view.follower.following


def test_a_change_while_drawing_starts_it_again_with_the_change(qtbot: QtBot) -> None:
    conversation = long_chat()
    view = view_of(qtbot)
    view.show_conversation(conversation)
    question = conversation.add("user", "One more")
    view.add_user("One more", conversation, question)  # the window adds what is sent
    qtbot.waitUntil(lambda: not view.earlier.drawing, timeout=20_000)
    assert view.page.first == 0
    assert len(view.page.positions) == 201
    assert view.toPlainText().rstrip().endswith("Copy  ·  Edit  ·  Delete")
    assert "One more" in view.toPlainText()
    assert "Question 0\n" in view.toPlainText()


def test_another_conversation_shown_meanwhile_stops_the_drawing(qtbot: QtBot) -> None:
    view = view_of(qtbot)
    view.show_conversation(long_chat())
    other = long_chat(3)
    view.show_conversation(other)
    assert not view.earlier.drawing
    assert view.conversation is other
