"""The Settings window in the real main window: a connection tested in place, providers
turned off, the defaults of a new chat, text size and theme applied at once, and the user's
endpoints added, edited and removed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import shiboken6
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from chat.credentials import credential_name
from chat.secrets import MemorySecretStore
from chat.session import ChatSession
from chat.settings import Settings
from gui.endpoint_dialog import EndpointDialog
from gui.main_window import MainWindow
from gui.settings_window import SettingsWindow
from gui.tasks import TaskTracker
from providers.presets import GROQ, OPENAI
from providers.registry import ProviderRegistry
from tests.emulators.openai import OpenAIEmulator
from tests.support.qt import until


@pytest.fixture
async def emulator() -> AsyncIterator[OpenAIEmulator]:
    async with OpenAIEmulator() as emulator:
        yield emulator


@pytest.fixture
async def window(
    qtbot: QtBot, tasks: TaskTracker, http: aiohttp.ClientSession, tmp_path: Path
) -> AsyncIterator[MainWindow]:
    shown = MainWindow(tasks)
    qtbot.addWidget(shown)
    shown.set_settings(Settings.load(tmp_path / "settings.json"))
    shown.load_providers(ProviderRegistry([OPENAI, GROQ]))
    shown.set_session(ChatSession(MemorySecretStore(), http))
    shown.show()
    yield shown
    if shiboken6.isValid(shown):  # pytest-qt may have closed and deleted it already
        shown.close()
    await tasks.shutdown()


async def settled(tasks: TaskTracker) -> None:
    """Wait for what the last step started (model lists, saves) to end, as a person would
    before closing the window."""
    await until(lambda: not tasks.running)


async def open_settings(qapp: QApplication, window: MainWindow) -> SettingsWindow:
    def shown() -> list[SettingsWindow]:
        widgets = qapp.topLevelWidgets()
        return [w for w in widgets if isinstance(w, SettingsWindow) and w.isVisible()]

    window.settings_action.trigger()
    await until(shown)
    (settings,) = shown()
    return settings


async def test_a_connection_is_tested_with_the_key_typed_and_nothing_is_stored(
    qapp: QApplication, window: MainWindow, emulator: OpenAIEmulator, tasks: TaskTracker
) -> None:
    settings = await open_settings(qapp, window)
    assert settings.show_provider("OpenAI")
    form = settings.form("OpenAI")
    form.fields["base_url"].setText(emulator.base_url)
    form.secrets["api_key"].set_text("wrong-key")
    form.test_button.click()
    await until(lambda: form.test_button.isEnabled() and "failed" in form.test_result.text())
    assert form.test_result.text().startswith("The test failed. OpenAI: The API key was rejected")
    assert "wrong-key" not in form.test_result.text()
    assert "failed the test" in settings.status(OPENAI)
    form.secrets["api_key"].set_text(emulator.key)
    form.test_button.click()
    await until(lambda: "works" in form.test_result.text())
    assert form.test_result.text() == "OpenAI works: it offers 2 models."
    assert settings.status(OPENAI) == "answered the test · needs credentials"
    assert emulator.seen[-1].headers["Authorization"] == f"Bearer {emulator.key}"
    store = window.session.secrets  # type: ignore[union-attr]
    assert isinstance(store, MemorySecretStore)
    assert store.names() == []  # a test stores nothing
    assert window.settings is not None
    assert window.settings.provider("OpenAI", "base_url") == ""  # nor saves anything
    settings.reject()
    await settled(tasks)


async def test_a_test_with_a_bad_base_url_says_which_setting_to_fix(
    qapp: QApplication, window: MainWindow, tasks: TaskTracker
) -> None:
    settings = await open_settings(qapp, window)
    form = settings.form("OpenAI")
    form.fields["base_url"].setText("api.example")
    form.test_button.click()
    await until(lambda: form.test_button.isEnabled() and form.test_result.text() != "")
    await until(lambda: "Fix" in form.test_result.text())
    assert form.test_result.text() == (
        "Fix Base URL first: 'api.example' is not an http:// or https:// URL."
    )
    settings.reject()
    await settled(tasks)


async def test_a_key_saved_in_settings_is_stored_and_shown_as_stored(
    qapp: QApplication, window: MainWindow, tasks: TaskTracker
) -> None:
    settings = await open_settings(qapp, window)
    form = settings.form("OpenAI")
    form.secrets["api_key"].set_text("sk-saved")
    settings.apply()  # Apply: the window stays open and says it is stored
    await until(lambda: form.secrets["api_key"].stored)
    assert form.secrets["api_key"].text() == ""
    store = window.session.secrets  # type: ignore[union-attr]
    assert await store.get(credential_name(OPENAI, "api_key")) == "sk-saved"
    assert settings.status(OPENAI).endswith("credentials stored")
    settings.reject()
    await settled(tasks)


async def test_a_provider_turned_off_leaves_the_list_and_comes_back(
    qapp: QApplication, window: MainWindow, tasks: TaskTracker
) -> None:
    from PySide6.QtCore import Qt

    assert {p.name for p in window.picker.providers()} == {"OpenAI", "Groq"}
    settings = await open_settings(qapp, window)
    settings.show_provider("Groq")
    settings.list.currentItem().setCheckState(Qt.CheckState.Unchecked)
    settings.accept()
    assert {p.name for p in window.picker.providers()} == {"OpenAI"}
    settings = await open_settings(qapp, window)
    settings.show_provider("Groq")  # still listed in Settings, to turn it on again
    settings.list.currentItem().setCheckState(Qt.CheckState.Checked)
    settings.accept()
    assert {p.name for p in window.picker.providers()} == {"OpenAI", "Groq"}
    await settled(tasks)


async def test_a_new_conversation_starts_with_the_default_provider_and_model(
    qapp: QApplication, window: MainWindow, tasks: TaskTracker
) -> None:
    assert window.settings is not None
    settings = await open_settings(qapp, window)
    provider = settings.fields["default_provider"].editor
    provider.setCurrentIndex(provider.findData("Groq"))  # type: ignore[attr-defined]
    settings.fields["default_model"].editor.setEditText("llama-3.1-8b-instant")  # type: ignore[attr-defined]
    settings.accept()
    window.picker.select("OpenAI")
    window.new_conversation()
    assert window.picker.current_provider().name == "Groq"  # type: ignore[union-attr]
    assert window.picker.current_model() == "llama-3.1-8b-instant"
    await settled(tasks)


async def test_text_size_and_theme_change_at_once(
    qapp: QApplication, window: MainWindow, tasks: TaskTracker
) -> None:
    settings = await open_settings(qapp, window)
    settings.fields["font_size"].editor.setText("17")  # type: ignore[attr-defined]
    theme = settings.fields["theme"].editor
    theme.setCurrentIndex(theme.findData("dark"))  # type: ignore[attr-defined]
    settings.accept()
    assert window.view.document().defaultFont().pointSizeF() == 17
    assert window.themes.choice == "dark"
    settings = await open_settings(qapp, window)
    settings.fields["font_size"].editor.setText("")  # type: ignore[attr-defined]
    theme = settings.fields["theme"].editor
    theme.setCurrentIndex(theme.findData("system"))  # type: ignore[attr-defined]
    settings.accept()
    assert window.themes.choice == "system"  # the app's palette is the system's again
    assert window.view.document().defaultFont().pointSizeF() == qapp.font().pointSizeF()
    await settled(tasks)


async def test_an_endpoint_is_added_edited_and_removed_in_settings(
    qapp: QApplication, window: MainWindow, emulator: OpenAIEmulator, tasks: TaskTracker
) -> None:
    settings = await open_settings(qapp, window)
    settings.add_endpoint.click()
    await until(lambda: settings.findChild(EndpointDialog) is not None)
    dialog = settings.findChild(EndpointDialog)
    assert dialog is not None
    dialog.name.setText("Mine")
    dialog.base_url.setText(emulator.base_url)
    dialog.key.setText(emulator.key)
    dialog.add_header("X-Team", "blue")
    dialog.accept()
    assert settings.current_name() == "Mine"  # listed and shown
    assert "Mine" in {p.name for p in window.picker.providers()}
    assert settings.edit_endpoint.isEnabled()
    assert settings.remove_endpoint.isEnabled()
    store = window.session.secrets  # type: ignore[union-attr]
    await until(lambda: bool(store.names()))  # type: ignore[attr-defined]

    settings.edit_endpoint.click()

    def editing() -> list[EndpointDialog]:
        return [d for d in settings.findChildren(EndpointDialog) if d.editing is not None]

    await until(editing)
    (edit,) = editing()
    assert (edit.name.text(), edit.base_url.text()) == ("Mine", emulator.base_url)
    assert edit.key.text() == ""  # never shown; left empty it is kept
    edit.base_url.setText(emulator.base_url + "/")
    edit.accept()
    assert window.settings is not None
    endpoints = window.settings.section("endpoints")
    assert endpoints == {"Mine": {"base_url": emulator.base_url, "headers": {"X-Team": "blue"}}}
    assert await store.get(f"Mine/api_key@{emulator.url}") == emulator.key  # kept

    settings.remove_endpoint.click()
    await until(lambda: settings.findChild(QMessageBox) is not None)
    box = settings.findChild(QMessageBox)
    assert box is not None
    (remove,) = [b for b in box.buttons() if b.text() == "&Remove"]
    remove.click()
    await until(lambda: "Mine" not in {p.name for p in window.picker.providers()})
    assert window.settings.section("endpoints") is None
    await until(lambda: store.names() == [])  # type: ignore[attr-defined]
    assert settings.current_name() != "Mine"
    settings.reject()
    await settled(tasks)


async def test_extra_headers_are_tested_kept_and_their_secret_stored_apart(
    qapp: QApplication, window: MainWindow, emulator: OpenAIEmulator, tasks: TaskTracker
) -> None:
    from chat.credentials import header_secret_name

    settings = await open_settings(qapp, window)
    form = settings.form("OpenAI")
    assert form.headers is not None  # a built-in API provider takes extra headers
    form.fields["base_url"].setText(emulator.base_url)
    form.secrets["api_key"].set_text(emulator.key)
    form.headers.add_header("X-Team", "blue")
    form.headers.add_header("X-Gateway-Key", "gw-secret", secret=True)
    form.test_button.click()
    await until(lambda: "works" in form.test_result.text())
    seen = emulator.seen[-1].headers
    assert (seen["X-Team"], seen["X-Gateway-Key"]) == ("blue", "gw-secret")
    settings.accept()
    assert window.settings is not None
    assert window.settings.section("headers") == {
        "OpenAI": {"headers": {"X-Team": "blue"}, "secret_headers": ["X-Gateway-Key"]}
    }
    store = window.session.secrets  # type: ignore[union-attr]
    moved = OPENAI.with_base_url(emulator.base_url)
    name = header_secret_name(moved, "X-Gateway-Key")
    await until(lambda: name in store.names())  # type: ignore[attr-defined]
    assert await store.get(name) == "gw-secret"
    await settled(tasks)

    settings = await open_settings(qapp, window)
    form = settings.form("OpenAI")
    assert form.headers is not None
    assert form.headers.rows() == [("X-Team", "blue", False), ("X-Gateway-Key", "", True)]
    form.headers.selectRow(1)
    form.headers.remove_selected()
    settings.accept()
    await until(lambda: name not in store.names())  # type: ignore[attr-defined]
    assert window.settings.section("headers") == {"OpenAI": {"headers": {"X-Team": "blue"}}}
    await settled(tasks)


async def test_a_bad_header_is_refused_on_its_page(
    qapp: QApplication, window: MainWindow, tasks: TaskTracker
) -> None:
    settings = await open_settings(qapp, window)
    form = settings.form("OpenAI")
    assert form.headers is not None
    form.headers.add_header("Authorization", "Bearer x")
    assert not settings.apply()
    assert form.error.text() == "Extra headers: The header Authorization is set by Parley itself."
    assert window.settings is not None
    assert window.settings.section("headers") is None
    settings.reject()
    await settled(tasks)
