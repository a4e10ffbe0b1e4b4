"""Widget tests run on the test QApplication, which outlives its windows as the app's does."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication


@pytest.fixture(autouse=True)
def _app_outlives_its_windows(qapp: QApplication) -> None:
    """As in gui.app.run: closing the last window must not stop the qasync loop under a test."""
    qapp.setQuitOnLastWindowClosed(False)
