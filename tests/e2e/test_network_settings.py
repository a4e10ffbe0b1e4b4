"""The app with its settings file, against an HTTPS emulator whose certificate a test CA
signed: a change of ca_bundle or idle_timeout through the window's Settings applies to the
next request, without a restart; a bundle that cannot be read is a notice, and each request
fails with its sentence."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from chat.conversation import Message, MessageState
from chat.secrets import MemorySecretStore
from chat.settings import Settings
from gui.app import main
from gui.main_window import MainWindow
from providers.presets import OPENAI_COMPATIBLE
from providers.registry import ProviderRegistry
from tests.emulators.openai import OpenAIEmulator
from tests.support.certs import MadeCa, make_test_ca
from tests.support.qt import until

REPLY = "Hello from the emulator."


@pytest.fixture
def test_ca(tmp_path: Path) -> MadeCa:
    return make_test_ca(tmp_path)


@pytest.fixture
async def https(test_ca: MadeCa) -> AsyncIterator[OpenAIEmulator]:
    async with OpenAIEmulator("keyless", ssl_context=test_ca.server) as server:
        yield server


async def open_memory_store() -> MemorySecretStore:
    return MemorySecretStore()


def shown_window(app: QApplication) -> MainWindow | None:
    windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    return windows[0] if windows else None


async def started(qapp: QApplication, server: OpenAIEmulator, settings: Path) -> MainWindow:
    await until(lambda: (w := shown_window(qapp)) is not None and w.session is not None)
    window = shown_window(qapp)
    assert window is not None
    assert window.picker.select(OPENAI_COMPATIBLE.name)
    window.picker.model_box.setEditText("test-model")
    return window


async def send(qtbot: QtBot, window: MainWindow, text: str) -> Message:
    """Send ``text`` and wait for its reply to end."""
    qtbot.keyClicks(window.composer.editor, text)
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Return)
    await until(lambda: window.conversation.messages[-1].role == "assistant")
    reply = window.conversation.messages[-1]
    ended = (MessageState.COMPLETE, MessageState.FAILED)
    await until(lambda: reply.state in ended and not window.composer.busy)
    return reply


def registry_at(server: OpenAIEmulator) -> ProviderRegistry:
    return ProviderRegistry([OPENAI_COMPATIBLE.with_base_url(server.base_url)])


async def test_a_ca_bundle_set_in_the_running_window_is_trusted_by_the_next_request(
    qapp: QApplication, qtbot: QtBot, https: OpenAIEmulator, test_ca: MadeCa, tmp_path: Path
) -> None:
    path = tmp_path / "settings.json"
    app = asyncio.ensure_future(main(qapp, registry_at(https), open_memory_store, path))
    window = await started(qapp, https, path)
    refused = await send(qtbot, window, "first")
    assert refused.state is MessageState.FAILED
    assert refused.error is not None
    assert "its certificate could not be verified" in refused.error.sentence
    settings = window.settings
    assert isinstance(settings, Settings)
    settings.set("ca_bundle", str(test_ca.bundle))  # as the Settings window does
    trusted = await send(qtbot, window, "second")
    assert (trusted.state, trusted.content) == (MessageState.COMPLETE, REPLY)
    assert window.network_notice.isHidden()
    window.close()
    assert await asyncio.wait_for(app, 5) == 0


async def test_a_ca_bundle_that_cannot_be_read_is_a_notice_and_each_request_says_so(
    qapp: QApplication, qtbot: QtBot, https: OpenAIEmulator, test_ca: MadeCa, tmp_path: Path
) -> None:
    path = tmp_path / "settings.json"
    missing = tmp_path / "missing.pem"
    saved = Settings.load(path)
    saved.set("ca_bundle", str(missing))
    saved.save()
    app = asyncio.ensure_future(main(qapp, registry_at(https), open_memory_store, path))
    window = await started(qapp, https, path)
    sentence = (
        f"The CA bundle {missing} set in Settings → Network could not be read: there is no "
        "such file. Fix the path or clear it (on the command line: `parley config set "
        "ca_bundle PATH` or `parley config unset ca_bundle`)."
    )
    await until(window.network_notice.isVisible)
    assert window.network_notice.text() == sentence
    failed = await send(qtbot, window, "first")
    assert failed.error is not None
    assert failed.error.sentence == sentence
    assert not https.seen
    settings = window.settings
    assert isinstance(settings, Settings)
    settings.set("ca_bundle", str(test_ca.bundle))  # fixed: the notice goes, requests work
    await until(window.network_notice.isHidden)
    assert (await send(qtbot, window, "second")).content == REPLY
    window.close()
    assert await asyncio.wait_for(app, 5) == 0


async def test_an_idle_timeout_lowered_in_the_running_window_ends_the_next_request(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "settings.json"
    async with OpenAIEmulator("keyless") as server:
        app = asyncio.ensure_future(main(qapp, registry_at(server), open_memory_store, path))
        window = await started(qapp, server, path)
        assert (await send(qtbot, window, "first")).content == REPLY
        settings = window.settings
        assert isinstance(settings, Settings)
        assert settings.get("idle_timeout") == 60
        server.quirks.add("hang")  # some text, then silence
        settings.set("idle_timeout", 0.3)
        stalled = await send(qtbot, window, "second")
        await asyncio.wait_for(server.hung_up.wait(), 5)
        window.close()
        assert await asyncio.wait_for(app, 5) == 0
    assert stalled.state is MessageState.FAILED
    assert stalled.error is not None
    host = server.url.removeprefix("http://")
    assert stalled.error.sentence.startswith(f"OpenAICompatible: {host} sent nothing for 0.3 s.")
