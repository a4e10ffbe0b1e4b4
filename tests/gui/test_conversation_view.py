"""The transcript: both roles shown apart, streamed text appended, errors and stops marked."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAbstractTextDocumentLayout, QTextFrame
from pytestqt.qtbot import QtBot

from chat.conversation import Conversation, MessageState
from gui.conversation_view import (
    ASSISTANT_BACKGROUND,
    ERROR_BACKGROUND,
    USER_BACKGROUND,
    ConversationView,
)


@pytest.fixture
def view(qtbot: QtBot) -> ConversationView:
    view = ConversationView()
    qtbot.addWidget(view)
    return view


def lines(view: ConversationView) -> list[str]:
    """The transcript's non-empty lines (frames sit between empty blocks)."""
    return [line for line in view.toPlainText().split("\n") if line]


def backgrounds(frame: QTextFrame) -> list[str]:
    """The background colours of ``frame``'s child frames, depth first."""
    found: list[str] = []
    for child in frame.childFrames():
        found.append(child.frameFormat().background().color().name())
        found.extend(backgrounds(child))
    return found


def test_user_and_assistant_messages_are_shaded_apart(view: ConversationView) -> None:
    view.add_user("What is 2 + 2?")
    block = view.begin_reply("Alpha · a-1")
    block.append("It is ")
    block.append("4.")
    assert lines(view) == ["You", "What is 2 + 2?", "Alpha · a-1", "It is 4."]
    root = view.document().rootFrame()
    assert backgrounds(root) == [USER_BACKGROUND, ASSISTANT_BACKGROUND]
    assert USER_BACKGROUND != ASSISTANT_BACKGROUND


def test_an_error_shows_below_the_text_that_arrived(view: ConversationView) -> None:
    block = view.begin_reply("Alpha")
    block.append("Partial")
    block.fail("The service answered HTTP 500. Try again.")
    text = view.toPlainText()
    assert text.index("Partial") < text.index("The service answered HTTP 500. Try again.")
    root = view.document().rootFrame()
    assert backgrounds(root) == [ASSISTANT_BACKGROUND, ERROR_BACKGROUND]


def test_a_stopped_reply_keeps_its_text(view: ConversationView) -> None:
    block = view.begin_reply("Alpha")
    block.append("Half a")
    block.stop()
    assert lines(view) == ["Alpha", "Half a", "Stopped"]


def test_showing_a_conversation_renders_every_state(view: ConversationView) -> None:
    conversation = Conversation()
    conversation.add("user", "one")
    conversation.add("assistant", "done", provider="Alpha", model="m")
    conversation.add("user", "two")
    conversation.add("assistant", "part", state=MessageState.CANCELLED, provider="Alpha")
    conversation.add("user", "three")
    conversation.add("assistant", "", state=MessageState.FAILED, error="Rate limited.")
    view.add_user("left over from another conversation")
    view.show_conversation(conversation)
    text = view.toPlainText()
    assert "left over" not in text
    for piece in ("one", "Alpha · m", "done", "two", "part\nStopped", "three", "Rate limited."):
        assert piece in text


def laid_out(view: ConversationView) -> QAbstractTextDocumentLayout:
    """The view's document layout, once the shown view has laid it out."""
    view.resize(600, 400)
    view.show()
    layout = view.document().documentLayout()
    layout.documentSize()
    return layout


def test_no_blank_line_above_the_first_message(view: ConversationView) -> None:
    view.add_user("hi")
    layout = laid_out(view)
    first = view.document().rootFrame().childFrames()[0]
    assert layout.frameBoundingRect(first).top() == view.document().documentMargin()


def test_an_error_in_a_reply_without_text_sits_right_under_its_title(
    view: ConversationView,
) -> None:
    view.begin_reply("Alpha").fail("Rate limited. Wait a minute.")
    layout = laid_out(view)
    (reply,) = view.document().rootFrame().childFrames()
    (error,) = reply.childFrames()
    title = reply.firstCursorPosition().block()
    assert title.text() == "Alpha"
    assert layout.frameBoundingRect(error).top() == layout.blockBoundingRect(title).bottom()
    fmt = reply.frameFormat()
    below_error = (
        layout.frameBoundingRect(reply).bottom() - layout.frameBoundingRect(error).bottom()
    )
    assert below_error == fmt.padding() + fmt.bottomMargin()  # no blank line under the box


def test_a_reply_stopped_before_any_text_shows_stopped_under_its_title(
    view: ConversationView,
) -> None:
    view.begin_reply("Alpha").stop()
    (reply,) = view.document().rootFrame().childFrames()
    title = reply.firstCursorPosition().block()
    assert title.next().text() == "Stopped"


def test_warming_up_leaves_the_pane_as_it_was(qtbot: QtBot) -> None:
    view = ConversationView()
    qtbot.addWidget(view)
    before = view.toHtml()
    view.warm_up()
    assert view.toHtml() == before
