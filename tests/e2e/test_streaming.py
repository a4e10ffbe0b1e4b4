"""A loopback provider streams into the real window; Stop, errors and closing behave."""

from __future__ import annotations

import asyncio
import time

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from chat.conversation import MessageState
from gui.main_window import MainWindow
from gui.tasks import TaskTracker
from providers.registry import ProviderRegistry
from tests.support.loopback import SERVER_ERROR, Forgiving, LoopbackServer
from tests.support.qt import next_signal, pane_text, until


def send(qtbot: QtBot, window: MainWindow, text: str, model: str = "echo") -> None:
    window.picker.model_box.setEditText(model)
    qtbot.keyClicks(window.composer.editor, text)
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Return)


async def test_reply_streams_into_the_pane(qtbot: QtBot, window: MainWindow) -> None:
    send(qtbot, window, "hello there")
    assert window.composer.button.text() == "Stop"
    assert window.composer.editor.toPlainText() == ""
    assert await next_signal(window.reply_ended) == ("finished",)
    await until(lambda: "You said: hello there" in pane_text(window.view))
    assert window.composer.button.text() == "Send"
    user, reply = window.conversation.messages
    assert (user.role, user.content) == ("user", "hello there")
    assert reply.state is MessageState.COMPLETE
    assert reply.content.strip() == "You said: hello there"
    assert "Loopback · echo" in pane_text(window.view)


async def test_a_replaced_model_heads_the_reply_and_is_said(
    qtbot: QtBot, window: MainWindow, server: LoopbackServer
) -> None:
    window.load_providers(ProviderRegistry([Forgiving.with_base_url(server.url)]))
    send(qtbot, window, "hello", model="gpt-9-turbo")
    assert await next_signal(window.reply_ended) == ("finished",)
    await until(lambda: "You said: hello" in pane_text(window.view))
    text = pane_text(window.view)
    assert "Forgiving · echo" in text
    assert "Forgiving · gpt-9-turbo" not in text
    note = "Forgiving does not offer the model “gpt-9-turbo”, so it answered with “echo”."
    assert note in text
    reply = window.conversation.messages[-1]
    assert (reply.model, reply.note) == ("echo", note)
    window.view.show_conversation(window.conversation)  # replayed, it reads the same
    assert note in pane_text(window.view)
    assert "Forgiving · echo" in pane_text(window.view)


async def test_stop_cancels_within_100_ms_and_the_server_sees_the_hang_up(
    qtbot: QtBot, window: MainWindow, server: LoopbackServer
) -> None:
    send(qtbot, window, "go on", model="slow")
    await until(lambda: "word" in pane_text(window.view))
    assert window.composer.button.text() == "Stop"
    started = time.perf_counter()
    qtbot.mouseClick(window.composer.button, Qt.MouseButton.LeftButton)
    assert await next_signal(window.reply_ended) == ("cancelled",)
    assert time.perf_counter() - started < 0.1
    await asyncio.wait_for(server.disconnected.wait(), 2)
    await until(lambda: "Stopped" in pane_text(window.view))
    reply = window.conversation.messages[-1]
    assert reply.state is MessageState.CANCELLED
    assert reply.content.startswith("word")
    assert window.composer.button.text() == "Send"


async def test_server_error_shows_its_message_in_the_pane(qtbot: QtBot, window: MainWindow) -> None:
    send(qtbot, window, "hi", model="http-500")
    assert await next_signal(window.reply_ended) == ("failed",)
    await until(lambda: SERVER_ERROR in pane_text(window.view))
    assert "HTTP 500" in pane_text(window.view)
    assert window.conversation.messages[-1].state is MessageState.FAILED


async def test_cloudflare_page_shows_what_to_do(qtbot: QtBot, window: MainWindow) -> None:
    send(qtbot, window, "hi", model="cloudflare")
    assert await next_signal(window.reply_ended) == ("failed",)
    await until(lambda: "Cloudflare" in pane_text(window.view))
    text = pane_text(window.view)
    assert "HTTP 403" in text
    assert "use a proxy, or pick another provider" in text


async def test_closing_during_a_stream_cancels_it_cleanly(
    qtbot: QtBot, window: MainWindow, tasks: TaskTracker, server: LoopbackServer
) -> None:
    send(qtbot, window, "keep going", model="slow")
    await until(lambda: "word" in pane_text(window.view))
    window.close()
    assert await next_signal(window.reply_ended) == ("cancelled",)
    await asyncio.wait_for(server.disconnected.wait(), 2)
    await until(lambda: not tasks.running)


async def test_a_second_message_carries_the_history(
    qtbot: QtBot, window: MainWindow, server: LoopbackServer
) -> None:
    send(qtbot, window, "first")
    await next_signal(window.reply_ended)
    send(qtbot, window, "second")
    await next_signal(window.reply_ended)
    roles = [m["role"] for m in server.requests[-1]["messages"]]
    assert roles == ["user", "assistant", "user"]
    await until(lambda: "You said: second" in pane_text(window.view))
    model = window.library.model
    assert model.index(model.row_of(window.conversation.id)).data() == "first"


async def test_a_not_working_provider_is_marked_and_still_answers(
    qtbot: QtBot, window: MainWindow
) -> None:
    box = window.picker.provider_box
    labels = [box.itemText(i) for i in range(box.count())]
    assert labels == ["Loopback", "VoiGpt — not working"]
    box.setCurrentIndex(1)
    send(qtbot, window, "are you there")
    assert await next_signal(window.reply_ended) == ("finished",)
    await until(lambda: "You said: are you there" in pane_text(window.view))
    assert "VoiGpt · echo" in pane_text(window.view)


async def test_a_fast_stream_is_shown_per_frame_not_per_chunk(
    qtbot: QtBot, window: MainWindow
) -> None:
    updates: list[int] = []
    window.view.document().contentsChanged.connect(lambda: updates.append(1))
    words = 3000
    window.composer.editor.setPlainText(" ".join(["w"] * words))  # typing it would take seconds
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Return)
    assert await next_signal(window.reply_ended) == ("finished",)
    await until(lambda: pane_text(window.view).rstrip().endswith("w w w"))
    assert window.conversation.messages[-1].content.count("w") == words
    assert len(updates) < words / 10  # about one update per 16 ms frame, not 3002


async def test_stop_before_the_reply_has_started_ends_it(
    qtbot: QtBot, window: MainWindow, tasks: TaskTracker
) -> None:
    send(qtbot, window, "never mind", model="slow")
    qtbot.mouseClick(window.composer.button, Qt.MouseButton.LeftButton)  # same tick as Enter
    assert await next_signal(window.reply_ended) == ("cancelled",)
    await until(lambda: "Stopped" in pane_text(window.view))
    assert window.composer.button.text() == "Send"
    assert window.conversation.messages[-1].state is MessageState.CANCELLED
    await until(lambda: not tasks.running)


async def test_a_new_conversation_right_after_a_reply_keeps_both_intact(
    qtbot: QtBot, window: MainWindow
) -> None:
    send(qtbot, window, "quick one")
    assert await next_signal(window.reply_ended) == ("finished",)  # before it is shown
    first = window.conversation
    window.new_action.trigger()
    await asyncio.sleep(0.1)  # several frame ticks
    assert window.conversation is not first
    assert pane_text(window.view) == ""
    window.sidebar.list.setCurrentIndex(window.library.model.index(1))  # row 0 is "Today"
    assert window.conversation is first
    assert pane_text(window.view).count("You said: quick one") == 1
