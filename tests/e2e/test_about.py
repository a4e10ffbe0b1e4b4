"""Help → About Parley in a real window: the one version, and the details a bug report needs."""

from __future__ import annotations

import platform

from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from chat.version import VERSION
from gui.about import AboutDialog
from gui.main_window import MainWindow


def test_about_shows_the_version_and_copies_the_details(window: MainWindow, qtbot: QtBot) -> None:
    window.window_actions.about.trigger()
    dialog = window.window_actions.about_dialog
    assert isinstance(dialog, AboutDialog)
    qtbot.waitExposed(dialog)
    assert dialog.windowTitle() == "About Parley"
    assert f"Version {VERSION}" in dialog.title.text()
    assert dialog.details.text().startswith(f"Parley {VERSION} (Python {platform.python_version()}")
    assert not dialog.icon.pixmap().isNull()  # the window's icon, at 64 pixels
    dialog.copy.click()
    assert QGuiApplication.clipboard().text() == dialog.details.text()
    assert dialog.copy.text() == "Copied"
    dialog.close()
    window.window_actions.about.trigger()  # asked for again: the same dialog, shown again
    assert window.window_actions.about_dialog is dialog
    assert dialog.isVisible()
    dialog.close()
