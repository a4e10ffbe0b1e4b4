"""A long conversation opens on its last messages at once; the whole branch follows, drawn
out of sight and shown in one step, exactly as if it had been drawn at once."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QAbstractSlider
from pytestqt.qtbot import QtBot

from chat.conversation import Conversation
from gui import earlier_messages
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


def keyless(html: str) -> str:
    """``html`` without the keys of the replies' links (drawn in another order, the keys
    differ: each is only a name, unique in its page)."""
    return re.sub(r"(parley-[a-z]+:)\d+(r?)", r"\1K\2", html)


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
    assert keyless(view.toHtml()) == keyless(drawn_at_once(qtbot, conversation))
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())  # still following the end


def test_a_short_conversation_is_drawn_whole_at_once(qtbot: QtBot) -> None:
    view = view_of(qtbot)
    view.show_conversation(long_chat(5))
    assert view.page.first == 0
    assert not view.earlier.drawing


def on_screen_at(view: ConversationView, message_id: str) -> int:
    """Where ``message_id`` starts in the viewport, in pixels from its top."""
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.page.positions[message_id])
    return view.cursorRect(cursor).y()


def test_what_the_user_reads_stays_in_place_as_the_messages_above_come(qtbot: QtBot) -> None:
    view = view_of(qtbot)
    view.show_conversation(long_chat())
    assert view.scroll_to("q85")
    view.follower.following = False
    at = on_screen_at(view, "q85")
    assert 0 <= at < 20
    qtbot.waitUntil(lambda: not view.earlier.drawing, timeout=20_000)
    qtbot.wait(100)
    assert on_screen_at(view, "q85") == at  # not a pixel moved
    assert view.page.first == 0
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


# A branch longer than a window: at most WINDOW_MESSAGES drawn at once, moving at its edges.


@pytest.fixture
def small_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows of 60 messages moving by 30, so that a test's branch need not be thousands."""
    monkeypatch.setattr(earlier_messages, "WINDOW_MESSAGES", 60)
    monkeypatch.setattr(earlier_messages, "STEP_MESSAGES", 30)


@pytest.mark.parametrize(
    ("count", "first", "last", "window"),
    [
        (50, 10, None, (0, None)),  # a short branch is drawn whole
        (400, 360, None, (340, None)),  # the last messages: the window ends at the end
        (400, 100, 140, (80, 140)),  # opened at a message: the window ends where the page does
        (400, 5, 45, (0, 60)),
        (400, 0, 200, (140, 200)),  # a page longer than a window keeps its end
    ],
)
def test_the_window_around_a_page(
    small_windows: None, count: int, first: int, last: int | None, window: tuple[int, int | None]
) -> None:
    assert earlier_messages.window_around(count, first, last) == window


def test_a_window_moves_by_half_its_length_and_stops_at_the_ends(small_windows: None) -> None:
    before, after = earlier_messages.window_before, earlier_messages.window_after
    assert before(400, 340) == (310, 370)
    assert before(400, 20) == (0, 60)
    assert before(70, 20) == (0, 60)
    assert before(50, 20) == (0, None)
    assert after(400, 60) == (30, 90)
    assert after(400, 380) == (340, None)
    assert after(70, 60) == (10, None)


def scroll(view: ConversationView, action: QAbstractSlider.SliderAction) -> None:
    """Scroll as the reader does (the wheel, the scroll bar and the keys trigger actions)."""
    view.verticalScrollBar().triggerAction(action)


def drawn(qtbot: QtBot, view: ConversationView) -> None:
    qtbot.waitUntil(lambda: not view.earlier.drawing, timeout=20_000)


def test_a_long_branch_is_drawn_a_window_at_a_time(small_windows: None, qtbot: QtBot) -> None:
    view = view_of(qtbot)
    view.show_conversation(long_chat(100))  # 200 messages
    drawn(qtbot, view)
    assert (view.page.first, view.page.last, len(view.page.positions)) == (140, None, 60)
    assert "Question 70\n" in view.toPlainText()
    assert "Question 69\n" not in view.toPlainText()
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())  # still following the end
    assert not view.more_below


def test_scrolling_to_the_top_of_a_window_brings_the_earlier_messages(
    small_windows: None, qtbot: QtBot
) -> None:
    view = view_of(qtbot)
    view.show_conversation(long_chat(100))
    drawn(qtbot, view)
    scroll(view, QAbstractSlider.SliderAction.SliderToMinimum)
    read = view.message_at_top()
    assert read == "q70"
    assert view.earlier.drawing
    drawn(qtbot, view)
    assert (view.page.first, view.page.last, len(view.page.positions)) == (110, 170, 60)
    assert view.more_below  # the "jump to latest" button shows
    qtbot.wait(100)  # Qt lays the new page out in steps
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.page.positions[read])
    assert view.viewport().rect().intersects(view.cursorRect(cursor))  # still on screen
    assert not view.follower.following


def test_scrolling_to_the_bottom_of_an_earlier_window_brings_the_later_messages(
    small_windows: None, qtbot: QtBot
) -> None:
    view = view_of(qtbot)
    view.show_conversation(long_chat(100), at="q10")  # as Find opens it at a match
    drawn(qtbot, view)
    assert (view.page.first, view.page.last) == (0, 60)
    scroll(view, QAbstractSlider.SliderAction.SliderToMaximum)
    drawn(qtbot, view)
    assert (view.page.first, view.page.last) == (30, 90)
    assert "Question 44\n" in view.toPlainText()
    view.show_latest()  # the "jump to latest" button
    drawn(qtbot, view)
    assert (view.page.first, view.page.last, view.more_below) == (140, None, False)


def test_a_window_does_not_move_while_a_reply_streams_into_it(
    small_windows: None, qtbot: QtBot
) -> None:
    view = view_of(qtbot)
    conversation = long_chat(100)
    view.show_conversation(conversation)
    drawn(qtbot, view)
    view.begin_live("Assistant")
    scroll(view, QAbstractSlider.SliderAction.SliderToMinimum)
    assert not view.earlier.drawing
    assert view.page.first == 140
