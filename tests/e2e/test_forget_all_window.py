"""Settings → General → Forget all secrets: asked first, then every item of Parley's leaves
the real Secret Service, another program's stay, and the window says what it did."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import keyring.backends.SecretService
import pytest
import shiboken6
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from chat.secrets import open_secret_store
from chat.session import ChatSession
from chat.settings import Settings
from chat.stored_names import StoredNames
from gui.main_window import MainWindow
from gui.settings_window import SettingsWindow
from gui.tasks import TaskTracker
from providers.presets import OPENAI
from providers.registry import ProviderRegistry
from tests.chat.test_forget_all import OURS, Made, foreign, parleys_items, still_there
from tests.support.qt import until
from tests.support.secret_service import secret_service

pytestmark = [pytest.mark.keyring, pytest.mark.usefixtures("secret_service")]
__all__ = ["foreign", "secret_service"]  # fixtures


@pytest.fixture
async def window(
    qtbot: QtBot, tasks: TaskTracker, http: aiohttp.ClientSession, tmp_path: Path
) -> AsyncIterator[MainWindow]:
    store = await open_secret_store(names=StoredNames(tmp_path / "stored-secrets.json"))
    for name, value in OURS.items():
        await store.set(name, value)
    shown = MainWindow(tasks)
    qtbot.addWidget(shown)
    shown.set_settings(Settings.load(tmp_path / "settings.json"))
    shown.load_providers(ProviderRegistry([OPENAI]))
    shown.set_session(ChatSession(store, http))
    shown.show()
    yield shown
    if shiboken6.isValid(shown):
        shown.close()
    await tasks.shutdown()


async def forget_all(qapp: QApplication, window: MainWindow, answer: str) -> SettingsWindow:
    """Open Settings, ask to forget all secrets, and answer the question with ``answer``."""

    def shown() -> list[SettingsWindow]:
        return [w for w in qapp.topLevelWidgets() if isinstance(w, SettingsWindow)]

    window.settings_action.trigger()
    await until(lambda: any(w.isVisible() for w in shown()))
    (settings,) = [w for w in shown() if w.isVisible()]
    settings.tabs.setCurrentIndex(2)
    settings.forget_all.click()
    await until(lambda: settings.findChild(QMessageBox) is not None)
    box = settings.findChild(QMessageBox)
    assert box is not None
    assert "Other applications' items stay" in box.text()
    (button,) = [b for b in box.buttons() if b.text().replace("&", "") == answer]
    button.click()
    return settings


async def test_forgetting_all_secrets_asks_then_removes_only_parleys(
    qapp: QApplication, window: MainWindow, tasks: TaskTracker, foreign: Made
) -> None:
    settings = await forget_all(qapp, window, "Cancel")
    assert parleys_items() == sorted(OURS)  # cancelled: nothing removed
    settings.reject()
    await until(lambda: not tasks.running)

    settings = await forget_all(qapp, window, "Forget all")
    await until(lambda: settings.forget_result.isVisible())
    assert settings.forget_result.text() == "Parley's 3 secrets were removed from the keyring."
    assert parleys_items() == []
    still_there(foreign)
    form = settings.form("OpenAI")
    assert not form.secrets["api_key"].stored  # no field says "stored" any more
    assert settings.status(OPENAI) == "works · needs credentials"
    assert keyring.backends.SecretService.Keyring().get_password("parley", next(iter(OURS))) is None
    settings.reject()
    await until(lambda: not tasks.running)
