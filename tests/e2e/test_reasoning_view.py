"""Reasoning in the window: shown apart from the answer, also when its closing tag came late."""

from __future__ import annotations

import re

import aiohttp
import pytest
from PySide6.QtCore import QUrl
from pytestqt.qtbot import QtBot

from chat.secrets import MemorySecretStore
from chat.session import ChatSession
from gui.main_window import MainWindow
from gui.tasks import TaskTracker
from providers.presets import OPENAI_COMPATIBLE
from providers.registry import ProviderRegistry
from tests.emulators.openai import OpenAIEmulator
from tests.support.qt import pane_text, until

THOUGHT = "Let me think about it."


def reply_lines(window: MainWindow) -> list[str]:
    """The reply's lines under its heading."""
    text = pane_text(window.view)
    reply = text[text.index("OpenAI") :]
    return [line.strip() for line in reply.splitlines() if line.strip()][1:]


@pytest.mark.parametrize("quirk", ["reasoning_content", "think_inline", "think_unopened"])
async def test_reasoning_is_shown_above_the_answer_and_never_as_it(
    qtbot: QtBot, tasks: TaskTracker, http: aiohttp.ClientSession, quirk: str
) -> None:
    async with OpenAIEmulator("keyless", quirk) as server:
        server.script.reasoning = THOUGHT
        window = MainWindow(tasks)
        qtbot.addWidget(window)
        registry = ProviderRegistry([OPENAI_COMPATIBLE.with_base_url(server.base_url)])
        window.load_providers(registry)
        window.set_session(ChatSession(MemorySecretStore(), http))
        window.show()
        window.picker.model_box.setEditText("test-model")
        window.composer.editor.setPlainText("hi")
        window.composer.button.click()
        await until(lambda: not window.composer.busy)
        await until(lambda: "Hello from the emulator." in pane_text(window.view))
        await until(lambda: window.replies.settled)
        header, answer = reply_lines(window)  # folded once the answer started
        assert re.fullmatch(r"▸ Thought for \d+ s · \d+ characters", header)
        assert answer == "Hello from the emulator."
        window.view.on_anchor_clicked(QUrl("parley-reasoning:0r"))
        assert reply_lines(window)[1:] == [THOUGHT, "Hello from the emulator."]
        window.view.show_conversation(window.conversation)  # the same when shown again
        assert reply_lines(window) == [header, answer]  # how long it thought is kept
        window.view.on_anchor_clicked(QUrl("parley-reasoning:0r"))
        assert reply_lines(window)[1:] == [THOUGHT, "Hello from the emulator."]
        window.close()
        await tasks.shutdown()
