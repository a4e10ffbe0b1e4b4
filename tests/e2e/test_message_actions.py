"""The actions under each message, clicked in a real window against a loopback server: copy,
edit (a new version), regenerate, ‹ › between versions, delete with Undo, retry, try another
provider, continue a reply that was stopped, and the keys that do the same."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from chat.conversation import MessageState
from chat.session import CONTINUE
from gui.main_window import MainWindow
from tests.support.loopback import LoopbackServer
from tests.support.qt import next_signal, pane_text, until
from tests.support.window import ask


def click(window: MainWindow, action: str, index: int) -> None:
    """Click ``action`` under the ``index``-th message of the branch shown."""
    message = window.conversation.messages[index]
    window.view.on_anchor_clicked(QUrl(f"parley-action:{action}/{message.id}"))


def contents(window: MainWindow) -> list[str]:
    return [m.content.strip() for m in window.conversation.messages]


async def settled(window: MainWindow) -> None:
    await until(lambda: not window.composer.busy)
    await until(lambda: window.replies.settled)


async def test_every_message_has_its_actions_and_copy_gives_text_or_markdown(
    window: MainWindow,
) -> None:
    assert window.picker.select("Loopback", "echo")
    await ask(window, "**bold** words")
    assert window.reply_status.text().startswith("Loopback · echo · first token ")
    lines = pane_text(window.view)
    assert "Copy  ·  Edit  ·  Delete" not in lines  # action lines are apart from the text
    text = window.view.toPlainText()
    assert "Copy  ·  Edit  ·  Delete" in text
    assert "Copy  ·  Copy Markdown  ·  Regenerate  ·  Try with…  ·  Delete" in text
    click(window, "markdown", 1)
    assert QGuiApplication.clipboard().text() == "You said: **bold** words "  # as it came
    click(window, "copy", 1)
    assert QGuiApplication.clipboard().text() == "You said: bold words"
    click(window, "copy", 0)
    assert QGuiApplication.clipboard().text() == "**bold** words"
    assert window.statusBar().currentMessage() == "Copied to the clipboard."


async def test_editing_a_question_sends_a_new_version_and_the_switcher_shows_both(
    window: MainWindow, server: LoopbackServer
) -> None:
    assert window.picker.select("Loopback", "echo")
    await ask(window, "first try")
    await ask(window, "and then")
    click(window, "edit", 0)
    assert window.composer.editor.toPlainText() == "first try"
    assert window.composer.edit_notice.isVisibleTo(window)
    window.composer.editor.setPlainText("second try")
    window.composer.button.click()
    assert await next_signal(window.reply_ended) == ("finished",)
    await settled(window)
    assert contents(window) == ["second try", "You said: second try"]
    assert server.requests[-1]["messages"] == [{"role": "user", "content": "second try"}]
    assert "‹ 2/2 ›" in window.view.toPlainText()
    click(window, "previous", 0)
    assert contents(window) == [
        "first try",
        "You said: first try",
        "and then",
        "You said: and then",
    ]
    assert "‹ 1/2 ›" in window.view.toPlainText()
    assert "and then" in pane_text(window.view)
    click(window, "next", 0)
    assert contents(window)[0] == "second try"


async def test_esc_cancels_an_edit_and_up_in_an_empty_composer_edits_the_last_question(
    window: MainWindow, qtbot: QtBot
) -> None:
    assert window.picker.select("Loopback", "echo")
    await ask(window, "one")
    await ask(window, "two")
    window.composer.editor.setFocus()
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Up)
    assert window.composer.editing is window.conversation.messages[2]
    assert window.composer.editor.toPlainText() == "two"
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Escape)
    assert window.composer.editing is None
    assert window.composer.editor.toPlainText() == ""
    assert not window.composer.edit_notice.isVisibleTo(window)


async def test_regenerate_adds_a_sibling_reply_and_ctrl_r_does_too(
    window: MainWindow, server: LoopbackServer
) -> None:
    assert window.picker.select("Loopback", "echo")
    await ask(window, "hello")
    first = window.conversation.messages[1]
    click(window, "regenerate", 1)
    assert await next_signal(window.reply_ended) == ("finished",)
    await settled(window)
    second = window.conversation.messages[1]
    assert second is not first
    assert window.conversation.siblings(second) == [first, second]
    assert server.requests[-1]["messages"] == [{"role": "user", "content": "hello"}]
    assert "‹ 2/2 ›" in window.view.toPlainText()
    assert window.message_actions.regenerate_last()
    assert await next_signal(window.reply_ended) == ("finished",)
    await settled(window)
    assert len(window.conversation.siblings(first)) == 3


async def test_deleting_a_message_takes_what_follows_and_undo_brings_it_back(
    window: MainWindow,
) -> None:
    assert window.picker.select("Loopback", "echo")
    await ask(window, "keep me")
    await ask(window, "drop me")
    click(window, "delete", 2)
    assert contents(window) == ["keep me", "You said: keep me"]
    assert "drop me" not in window.view.toPlainText()
    assert window.undo_bar.text() == "Deleted your message and the 1 that followed it."
    window.undo_bar.undo.click()
    assert contents(window) == ["keep me", "You said: keep me", "drop me", "You said: drop me"]
    assert "drop me" in pane_text(window.view)


async def test_a_failed_reply_offers_retry_and_another_provider_in_place(
    window: MainWindow, server: LoopbackServer
) -> None:
    assert window.picker.select("Loopback", "http-500")
    window.composer.editor.setPlainText("are you there")
    window.composer.button.click()
    assert await next_signal(window.reply_ended) == ("failed",)
    await settled(window)
    assert "Retry  ·  Try with…  ·  Delete" in window.view.toPlainText()
    failed = window.conversation.messages[1]
    assert window.picker.select("Loopback", "echo")
    click(window, "retry", 1)  # the same provider and model as the failed one
    assert await next_signal(window.reply_ended) == ("failed",)
    await settled(window)
    assert window.picker.current_model() == "http-500"
    menu = window.message_actions.providers_menu(window.conversation.messages[1])
    (loopback,) = [a for a in menu.actions() if a.text() == "Loopback"]
    echo = next(a for a in loopback.menu().actions() if a.text() == "echo")
    echo.trigger()
    assert await next_signal(window.reply_ended) == ("finished",)
    await settled(window)
    assert contents(window) == ["are you there", "You said: are you there"]
    assert failed in window.conversation.siblings(window.conversation.messages[1])


async def test_a_stopped_reply_can_be_continued_in_place(
    window: MainWindow, server: LoopbackServer
) -> None:
    assert window.picker.select("Loopback", "slow")
    window.composer.editor.setPlainText("talk")
    window.composer.button.click()
    await until(
        lambda: (
            "word" in window.conversation.messages[-1].content
            or window.replies.running(window.conversation.id).reply.text
        )
    )
    window.composer.button.click()  # Stop
    assert await next_signal(window.reply_ended) == ("cancelled",)
    await settled(window)
    stopped = window.conversation.messages[1]
    assert stopped.state is MessageState.CANCELLED
    kept = stopped.content
    assert "Continue" in window.view.toPlainText()
    assert window.picker.select("Loopback", "echo")
    click(window, "continue", 1)
    assert await next_signal(window.reply_ended) == ("finished",)
    await settled(window)
    assert window.conversation.messages[1] is stopped
    assert stopped.content.startswith(kept)
    assert stopped.content.endswith(f"You said: {CONTINUE} ")
    assert stopped.state is MessageState.COMPLETE
    assert server.requests[-1]["messages"][-2:] == [
        {"role": "assistant", "content": kept},
        {"role": "user", "content": CONTINUE},
    ]
    assert pane_text(window.view).count("talk") == 1


async def test_actions_wait_while_a_reply_streams(window: MainWindow) -> None:
    assert window.picker.select("Loopback", "slow")
    window.composer.editor.setPlainText("talk")
    window.composer.button.click()
    await until(lambda: window.replies.running(window.conversation.id) is not None)
    click(window, "delete", 0)
    assert len(window.conversation.messages) == 2
    assert "Wait for the reply to end" in window.statusBar().currentMessage()
    window.composer.button.click()
    await next_signal(window.reply_ended)
    await settled(window)


async def test_regenerate_without_a_provider_changes_nothing_and_says_why(
    window: MainWindow,
) -> None:
    assert window.picker.select("Loopback", "echo")
    await ask(window, "hello")
    window.picker.provider_box.setCurrentIndex(-1)  # no provider picked
    click(window, "regenerate", 1)
    assert contents(window) == ["hello", "You said: hello"]
    assert window.statusBar().currentMessage().startswith("Pick a provider first")
