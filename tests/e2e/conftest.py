"""Fixtures for end-to-end tests: a loopback chat server, the app's HTTP session, the window."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest
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
def _app_outlives_its_windows(qapp: QApplication) -> None:
    """As in gui.app.run: closing the last window must not stop the qasync loop under a test."""
    qapp.setQuitOnLastWindowClosed(False)


@pytest.fixture(autouse=True)
def _qt_garbage_goes_on_the_gui_thread() -> Iterator[None]:
    """Collect what a test left behind while still on the GUI thread.

    A parentless widget left to the cyclic garbage collector is destroyed on whichever
    thread the collection runs, often a later test's worker (keyring, settings), and Qt
    then warns "QObject::~QObject: Timers cannot be stopped from another thread".
    """
    yield
    gc.collect()


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
    window.close()
    await tasks.shutdown()
