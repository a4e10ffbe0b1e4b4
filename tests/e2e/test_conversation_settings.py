"""A conversation's own settings in a real window against a loopback OpenAI-compatible
server: the system prompt, options and history limit reach the service; options the
provider does not take are turned off and left out; presets are saved and picked; the
provider and model come back with the conversation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chat.conversation_settings import presets
from chat.settings import Settings
from gui.conversation_settings import ConversationSettings
from gui.main_window import MainWindow
from providers.presets import OPENAI_COMPATIBLE
from providers.registry import ProviderRegistry
from tests.emulators.openai import OpenAIEmulator
from tests.support.loopback import Loopback, LoopbackServer
from tests.support.window import ask


@pytest.fixture
async def emulator() -> AsyncIterator[OpenAIEmulator]:
    async with OpenAIEmulator("keyless") as server:
        yield server


@pytest.fixture
def registry(emulator: OpenAIEmulator, server: LoopbackServer) -> ProviderRegistry:
    return ProviderRegistry(
        [OPENAI_COMPATIBLE.with_base_url(emulator.base_url), Loopback.with_base_url(server.url)]
    )


@pytest.fixture
def window(window: MainWindow) -> MainWindow:
    """The end-to-end window (tests/e2e/conftest.py) with settings, for the presets."""
    window.set_settings(Settings.load())
    return window


def settings_dialog(window: MainWindow) -> ConversationSettings:
    window.chat_settings_action.trigger()
    dialog = window.chat_settings
    assert isinstance(dialog, ConversationSettings)
    return dialog


async def test_the_prompt_options_and_history_limit_go_with_every_reply(
    window: MainWindow, emulator: OpenAIEmulator
) -> None:
    assert window.picker.select("OpenAICompatible", "test-model")
    await ask(window, "one")
    await ask(window, "two")
    dialog = settings_dialog(window)
    dialog.prompt.setPlainText("Answer like a pirate.")
    dialog.temperature.setValue(0.3)
    dialog.max_tokens.setValue(512)
    dialog.effort.setCurrentIndex(dialog.effort.findData("high"))
    dialog.history.setValue(1)
    dialog.ok_button.click()
    await ask(window, "three")
    body = emulator.requests("POST", "/v1/chat/completions")[-1].json()
    assert body["messages"] == [
        {"role": "system", "content": "Answer like a pirate."},
        {"role": "user", "content": "three"},
    ]
    assert (body["temperature"], body["max_tokens"], body["reasoning_effort"]) == (0.3, 512, "high")
    again = settings_dialog(window)  # it shows what was set
    assert again.prompt.toPlainText() == "Answer like a pirate."
    assert (again.temperature.value(), again.max_tokens.value()) == (0.3, 512)
    assert again.history.value() == 1
    again.reject()


async def test_options_the_provider_does_not_take_are_off_and_left_out(
    window: MainWindow, server: LoopbackServer
) -> None:
    window.conversation.update(options={"temperature": 0.5, "reasoning_effort": "low"})
    assert window.picker.select("Loopback", "echo")
    dialog = settings_dialog(window)
    assert not dialog.effort.isEnabled()
    assert dialog.temperature.isEnabled()
    assert "Loopback does not take reasoning effort" in dialog.not_taken.text()
    dialog.reject()
    await ask(window, "hi")
    assert window.statusBar().currentMessage() == (
        "Loopback does not take reasoning effort: this reply is asked without."
    )
    assert server.requests[-1]["messages"] == [{"role": "user", "content": "hi"}]


async def test_a_preset_is_saved_picked_and_deleted(window: MainWindow) -> None:
    dialog = settings_dialog(window)
    dialog.prompt.setPlainText("You review Python code.")
    dialog.preset_name.setText("  Code   review ")
    dialog.save_preset_button.click()
    assert window.settings is not None
    assert [(p.name, p.prompt) for p in presets(window.settings)] == [
        ("Code review", "You review Python code.")
    ]
    dialog.prompt.setPlainText("")
    dialog.preset_box.setCurrentIndex(1)
    dialog.preset_box.activated.emit(1)
    assert dialog.prompt.toPlainText() == "You review Python code."
    dialog.preset_name.setText("   ")
    dialog.save_preset_button.click()
    assert dialog.problem.text() == "The preset was not saved: A preset needs a name."
    dialog.delete_preset.click()
    assert presets(window.settings) == []
    dialog.reject()


async def test_reopening_a_conversation_picks_its_provider_and_model_again(
    window: MainWindow,
) -> None:
    assert window.picker.select("Loopback", "echo")
    await ask(window, "first")
    first = window.conversation
    window.new_conversation()
    assert window.picker.select("OpenAICompatible", "other-model")
    await ask(window, "second")
    window.show_conversation(first.id)
    assert window.picker.current_provider().name == "Loopback"
    assert window.picker.current_model() == "echo"
