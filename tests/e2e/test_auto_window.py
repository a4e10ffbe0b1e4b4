"""Auto in the window: the reply is headed with the provider that answered."""

from __future__ import annotations

import dataclasses

import aiohttp
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from chat.auto import make_auto
from chat.secrets import MemorySecretStore
from chat.session import ChatSession
from gui.main_window import MainWindow
from gui.tasks import TaskTracker
from providers.presets import LM_STUDIO
from providers.registry import ProviderRegistry
from tests.emulators.openai import OpenAIEmulator
from tests.support.qt import until


async def test_the_reply_is_headed_with_the_provider_that_answered(
    qtbot: QtBot, tasks: TaskTracker, http: aiohttp.ClientSession
) -> None:
    async with OpenAIEmulator("keyless") as down, OpenAIEmulator("keyless") as up:
        down.answer_with(404, '{"error": {"message": "no such model"}}')
        members = [
            dataclasses.replace(LM_STUDIO, name=name, label=name, url=server.base_url)
            for name, server in (("First", down), ("Second", up))
        ]
        window = MainWindow(tasks)
        qtbot.addWidget(window)
        window.load_providers(ProviderRegistry([make_auto(members)]))
        window.set_session(ChatSession(MemorySecretStore(), http))
        window.show()
        assert window.picker.select("Auto")
        window.composer.editor.setPlainText("hi")
        window.composer.button.click()
        await until(lambda: "Hello from the emulator." in window.view.toPlainText())
        await until(lambda: "Second · test-model" in window.view.toPlainText())
        assert "First" not in window.view.toPlainText()
        window.close()
        await tasks.shutdown()


async def test_auto_settings_change_the_order_it_tries_and_are_kept(
    qtbot: QtBot, tasks: TaskTracker, http: aiohttp.ClientSession
) -> None:
    from chat.auto import Auto
    from chat.settings import Settings
    from gui.settings_window import SettingsWindow
    from providers.presets import GROQ, OPENAI

    settings = Settings.load()
    window = MainWindow(tasks)
    qtbot.addWidget(window)
    window.set_settings(settings)
    registry = ProviderRegistry([OPENAI, GROQ])
    registry.add(make_auto(registry.available()[0]))
    window.load_providers(registry)
    window.set_session(ChatSession(MemorySecretStore(), http))
    window.show()
    assert window.picker.select("Auto")
    window.settings_action.trigger()
    await until(lambda: window.findChild(SettingsWindow) is not None)
    dialog = window.findChild(SettingsWindow)
    assert dialog is not None
    assert dialog.current_name() == "Auto"  # its page: which providers, in what order
    assert dialog.auto_form is not None
    dialog.auto_form.list.item(0).setCheckState(Qt.CheckState.Unchecked)  # Groq out, OpenAI in
    dialog.auto_form.list.item(1).setCheckState(Qt.CheckState.Checked)
    dialog.accept()
    await until(lambda: settings.get("auto_providers") == "OpenAI")
    auto = window.picker.current_provider()
    assert isinstance(auto, Auto)
    assert [member.name for member in auto.members] == ["OpenAI"]
    assert settings.path is not None
    await until(lambda: settings.path.exists() and "auto_providers" in settings.path.read_text())
    window.close()
    await tasks.shutdown()
