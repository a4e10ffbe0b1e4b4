"""The first start: nothing set up and no local server found, so the empty pane welcomes the
user with the ways to begin, and each choice does what it says."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from chat.secrets import MemorySecretStore
from chat.session import ChatSession
from chat.settings import Settings
from chat.stored_names import StoredNames
from gui.main_window import MainWindow
from gui.settings_window import SettingsWindow
from gui.tasks import TaskTracker
from providers.anthropic import ANTHROPIC
from providers.presets import LM_STUDIO
from providers.registry import ProviderRegistry
from tests.support.loopback import Loopback
from tests.support.qt import until


@pytest.fixture
async def window(
    tasks: TaskTracker, http: aiohttp.ClientSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[MainWindow]:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    window = MainWindow(tasks)
    window.set_settings(Settings.load(tmp_path / "settings.json"))
    nothing_there = LM_STUDIO.with_base_url("http://127.0.0.1:9/v1")  # a closed port
    window.load_providers(ProviderRegistry([Loopback, ANTHROPIC, nothing_there]))
    window.set_session(ChatSession(MemorySecretStore(), http))
    window.show()
    yield window
    window.close()
    await tasks.shutdown()
    window.deleteLater()


async def welcomed(window: MainWindow) -> None:
    window.on_local_servers_found([])  # as discovery says when nothing answers
    await until(lambda: window.view.welcoming)


async def test_a_first_start_shows_the_ways_to_begin(window: MainWindow) -> None:
    await welcomed(window)
    text = window.view.toPlainText()
    assert text.startswith("Welcome to Parley\n")
    for words in ("A model on this machine", "ollama serve", "An API key", "Try Loopback"):
        assert words in text


async def test_choosing_a_site_that_needs_nothing_picks_it(
    window: MainWindow, qtbot: QtBot
) -> None:
    await welcomed(window)
    window.view.anchorClicked.emit(QUrl("parley-welcome:seed"))
    assert window.picker.current_provider() is not None
    assert window.picker.current_provider().name == "Loopback"  # type: ignore[union-attr]
    assert window.composer.editor.hasFocus() or not window.isActiveWindow()


async def test_adding_a_key_opens_that_providers_settings(
    window: MainWindow, qapp: QApplication
) -> None:
    await welcomed(window)
    window.view.anchorClicked.emit(QUrl("parley-welcome:key"))

    def dialogs() -> list[SettingsWindow]:
        found = qapp.topLevelWidgets()
        return [w for w in found if isinstance(w, SettingsWindow) and w.isVisible()]

    await until(dialogs)
    (dialog,) = dialogs()
    assert dialog.current_name() == "Anthropic"  # its page shown, for its key
    assert dialog.form("Anthropic").secrets["api_key"].editor.isVisible()
    dialog.reject()


async def test_looking_again_with_nothing_running_says_so(window: MainWindow) -> None:
    await welcomed(window)
    window.view.anchorClicked.emit(QUrl("parley-welcome:look"))
    await until(lambda: "No server answered" in window.statusBar().currentMessage())
    assert window.view.welcoming


async def test_the_first_message_takes_the_welcomes_place(window: MainWindow) -> None:
    await welcomed(window)
    window.view.add_user("Hello")
    assert not window.view.welcoming
    assert "Welcome" not in window.view.toPlainText()
    assert "Hello" in window.view.toPlainText()


@pytest.mark.parametrize("set_up", ["provider", "endpoint", "secret", "environment"])
async def test_nothing_is_said_once_something_is_set_up(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch, set_up: str
) -> None:
    assert window.settings is not None
    if set_up == "provider":
        window.settings.set("provider", "Loopback")
    elif set_up == "endpoint":
        window.settings.set_section("endpoints", {"Mine": {"base_url": "http://127.0.0.1:1/v1"}})
    elif set_up == "secret":
        StoredNames().replace(["Anthropic/api_key@https://api.anthropic.com"])
    else:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-the-environment")
    window.on_local_servers_found([])
    await window._tasks.shutdown()  # the check has run
    assert not window.view.welcoming


async def test_a_choice_says_what_it_does_under_the_mouse(window: MainWindow) -> None:
    await welcomed(window)
    window.view.highlighted.emit(QUrl("parley-welcome:look"))
    assert window.view.viewport().toolTip() == "Look for servers on this machine again"
