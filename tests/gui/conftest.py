"""Widget tests run on the test QApplication, which outlives its windows as the app's does."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication


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
