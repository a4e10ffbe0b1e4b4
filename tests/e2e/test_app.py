"""The composition root end to end: startup, the memory-store notice, a stream, a clean close."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from chat.secrets import MemorySecretStore
from chat.settings import Settings
from gui.app import main
from gui.main_window import MainWindow
from providers.registry import ProviderRegistry
from tests.support.loopback import LoopbackServer
from tests.support.qt import until

NOTICE = "Secrets are kept in memory for this session only: no keyring service was found."


def shown_window(app: QApplication) -> MainWindow | None:
    windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    return windows[0] if windows else None


async def open_memory_store() -> MemorySecretStore:
    return MemorySecretStore(notice=NOTICE)


async def test_app_starts_streams_and_closes_mid_stream_cleanly(
    qapp: QApplication, qtbot: QtBot, registry: ProviderRegistry, server: LoopbackServer
) -> None:
    app_task = asyncio.ensure_future(main(qapp, registry, open_memory_store))
    await until(lambda: (w := shown_window(qapp)) is not None and w.session is not None)
    window = shown_window(qapp)
    assert window is not None
    assert window.session is not None
    assert window.windowTitle() == "Parley"
    assert (window.width(), window.height()) == (1000, 700)
    assert window.focusWidget() is window.composer.editor
    assert not window.notice.isVisible()  # no secret needed yet: the store is not open
    assert gc.get_freeze_count() > 0  # what starting made is out of the collector's sight
    window.picker.model_box.setEditText("slow")
    qtbot.keyClicks(window.composer.editor, "stream please")
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Return)
    await until(lambda: "word" in window.view.toPlainText())
    http = window.session.http
    assert http is not None
    assert not http.closed
    window.close()
    assert await asyncio.wait_for(app_task, 5) == 0
    assert http.closed
    await asyncio.wait_for(server.disconnected.wait(), 2)


async def test_closing_right_after_sending_still_remembers_the_provider_and_model(
    qapp: QApplication,
    qtbot: QtBot,
    registry: ProviderRegistry,
    server: LoopbackServer,
    tmp_path: Path,
) -> None:
    path = tmp_path / "settings.json"
    app_task = asyncio.ensure_future(main(qapp, registry, open_memory_store, path))
    await until(lambda: (w := shown_window(qapp)) is not None and w.session is not None)
    window = shown_window(qapp)
    assert window is not None
    assert window.picker.select("Gone")
    window.picker.model_box.setEditText("slow")
    qtbot.keyClicks(window.composer.editor, "bye")
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Return)
    window.close()  # in the same tick: the save the send started never ran
    assert await asyncio.wait_for(app_task, 5) == 0
    saved = Settings.load(path)
    assert (saved.get("provider"), saved.provider("Gone", "model")) == ("Gone", "slow")
