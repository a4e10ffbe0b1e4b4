"""Fixtures for end-to-end tests: a loopback chat server, the app's HTTP session, the window."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest
import shiboken6
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from chat.secrets import MemorySecretStore
from chat.session import ChatSession
from gui.main_window import MainWindow
from gui.tasks import TaskTracker
from providers.http import new_client_session
from providers.registry import ProviderRegistry
from tests.support.loopback import Gone, Loopback, LoopbackServer


@pytest.fixture(autouse=True)
def _app_palette(qapp: QApplication) -> Iterator[None]:
    """The app's palette as it was before the test: a test that picks the dark theme (the
    app's palette is shared by every window) leaves the next one in light."""
    palette = QPalette(qapp.palette())
    yield
    if qapp.palette() != palette:
        qapp.setPalette(palette)


@pytest.fixture
async def server() -> AsyncIterator[LoopbackServer]:
    server = LoopbackServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    session = new_client_session()
    yield session
    await session.close()


@pytest.fixture
def registry(server: LoopbackServer) -> ProviderRegistry:
    return ProviderRegistry([Loopback.with_base_url(server.url), Gone.with_base_url(server.url)])


@pytest.fixture
async def tasks() -> AsyncIterator[TaskTracker]:
    tracker = TaskTracker()
    yield tracker
    await tracker.shutdown()


@pytest.fixture
async def window(
    qtbot: QtBot, registry: ProviderRegistry, tasks: TaskTracker, http: aiohttp.ClientSession
) -> AsyncIterator[MainWindow]:
    window = MainWindow(tasks)
    qtbot.addWidget(window)
    window.load_providers(registry)
    window.set_session(ChatSession(MemorySecretStore(), http))
    window.show()
    yield window
    if shiboken6.isValid(window):  # pytest-qt may have closed and deleted it already
        window.close()
    await tasks.shutdown()
