"""The window's size, place and splitter, kept in a small state file in the config folder
and put back at the next start, before the window is first shown."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter

from chat import paths

STATE_FILE = "window-state.ini"


def state_path() -> Path:
    return paths.config_dir() / STATE_FILE


def _file() -> QSettings:
    return QSettings(str(state_path()), QSettings.Format.IniFormat)


def restore(window: QMainWindow, splitter: QSplitter) -> bool:
    """Put back what ``save`` kept; False when there was nothing (or it was not readable:
    the window keeps its default size)."""
    state = _file()
    geometry, sizes = state.value("window/geometry"), state.value("window/splitter")
    restored = isinstance(geometry, QByteArray) and window.restoreGeometry(geometry)
    if isinstance(sizes, QByteArray):
        splitter.restoreState(sizes)
    return bool(restored)


def save(window: QMainWindow, splitter: QSplitter) -> None:
    """Keep the window's geometry and the splitter's sizes (a state that cannot be written
    is not worth a message: the next start uses the defaults)."""
    state = _file()
    state.setValue("window/geometry", window.saveGeometry())
    state.setValue("window/splitter", splitter.saveState())
    state.sync()
