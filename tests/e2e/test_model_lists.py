"""The model dropdown: the service's list, fetched in the background; the reason when not."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import aiohttp
import pytest
from pytestqt.qtbot import QtBot

from chat.secrets import MemorySecretStore
from chat.session import ChatSession
from gui.main_window import MainWindow
from gui.tasks import TaskTracker
from providers.presets import LM_STUDIO, OPENAI, OPENAI_COMPATIBLE
from providers.registry import ProviderRegistry
from tests.emulators.openai import OpenAIEmulator
from tests.support.qt import until


@pytest.fixture
async def emulator() -> AsyncIterator[OpenAIEmulator]:
    async with OpenAIEmulator("keyless") as emulator:
        yield emulator


async def _window(
    qtbot: QtBot, tasks: TaskTracker, http: aiohttp.ClientSession, registry: ProviderRegistry
) -> MainWindow:
    window = MainWindow(tasks)
    qtbot.addWidget(window)
    window.load_providers(registry)
    window.set_session(ChatSession(MemorySecretStore(), http))
    window.show()
    return window


def models(window: MainWindow) -> list[str]:
    box = window.picker.model_box
    return [box.itemText(i) for i in range(box.count())]


async def test_the_services_models_fill_the_dropdown(
    qtbot: QtBot, tasks: TaskTracker, http: aiohttp.ClientSession, emulator: OpenAIEmulator
) -> None:
    registry = ProviderRegistry([OPENAI_COMPATIBLE.with_base_url(emulator.base_url)])
    window = await _window(qtbot, tasks, http, registry)
    await until(lambda: models(window) == ["test-model", "other-model"])
    assert window.picker.current_model() == "test-model"
    assert not window.picker.model_problem.isVisible()
    emulator.models = ("fresh-model",)
    window.picker.refresh_button.click()
    await until(lambda: models(window) == ["fresh-model"])
    assert window.picker.current_model() == "test-model"  # what was shown stays shown
    window.close()
    await tasks.shutdown()


async def test_a_failed_fetch_keeps_the_built_in_list_and_says_why(
    qtbot: QtBot, tasks: TaskTracker, http: aiohttp.ClientSession, emulator: OpenAIEmulator
) -> None:
    registry = ProviderRegistry([OPENAI])  # no key: its service cannot be asked
    window = await _window(qtbot, tasks, http, registry)
    await until(lambda: window.picker.model_problem.isVisible())
    assert models(window) == list(OPENAI.models)
    assert "An API key is needed" in window.picker.model_problem.toolTip()
    assert window.picker.refresh_button.isEnabled()
    window.close()
    await tasks.shutdown()


async def test_a_local_server_found_running_is_picked_for_a_new_user(
    qtbot: QtBot, tasks: TaskTracker, http: aiohttp.ClientSession, emulator: OpenAIEmulator
) -> None:
    local = dataclasses.replace(LM_STUDIO, url=emulator.base_url)
    registry = ProviderRegistry([OPENAI, local])
    window = await _window(qtbot, tasks, http, registry)
    box = window.picker.provider_box
    await until(lambda: box.currentText() == "LM Studio (local) — running")
    assert window.picker.current_provider() == local
    await until(lambda: models(window) == ["test-model", "other-model"])
    assert window.picker.current_model() == "test-model"
    window.composer.editor.setPlainText("hi")
    window.composer.button.click()
    await until(lambda: "Hello from the emulator." in window.view.toPlainText())
    window.close()
    await tasks.shutdown()


async def test_an_endpoint_added_in_the_window_is_listed_picked_and_kept(
    qtbot: QtBot, tasks: TaskTracker, http: aiohttp.ClientSession, emulator: OpenAIEmulator
) -> None:
    from chat.settings import Settings
    from gui.endpoint_dialog import EndpointDialog

    settings = Settings.load()
    store = MemorySecretStore()
    window = MainWindow(tasks)
    qtbot.addWidget(window)
    window.set_settings(settings)
    window.load_providers(ProviderRegistry([OPENAI]))
    window.set_session(ChatSession(store, http))
    window.show()
    window.endpoint_action.trigger()
    await until(lambda: window.findChild(EndpointDialog) is not None)
    dialog = window.findChild(EndpointDialog)
    assert dialog is not None
    dialog.name.setText("Mine")
    dialog.base_url.setText(emulator.base_url)
    dialog.key.setText("sk-mine")
    dialog.accept()
    await until(lambda: window.picker.current_provider() is not None
                and window.picker.current_provider().name == "Mine")  # fmt: skip
    await until(lambda: models(window) == ["test-model", "other-model"])
    await until(lambda: bool(store.names()))
    assert store.names() == [f"Mine/api_key@{emulator.url}"]
    assert settings.path is not None
    await until(lambda: settings.path.exists() and "Mine" in settings.path.read_text())
    assert "sk-mine" not in settings.path.read_text()
    window.close()
    await tasks.shutdown()
