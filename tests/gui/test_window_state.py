"""The window's size and splitter come back at the next start; a damaged state file is
ignored (the defaults are used)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from gui.main_window import MainWindow
from gui.tasks import TaskTracker
from gui.window_state import state_path


def opened(qtbot: QtBot) -> MainWindow:
    window = MainWindow(TaskTracker())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_size_and_the_splitter_are_restored(qtbot: QtBot) -> None:
    first = opened(qtbot)
    first.resize(760, 560)
    first.splitter.setSizes([300, 460])
    qtbot.wait(10)
    sizes = first.splitter.sizes()
    first.close()
    assert state_path().is_file()
    again = opened(qtbot)
    assert (again.width(), again.height()) == (760, 560)
    assert again.splitter.sizes() == sizes
    again.close()


def test_a_damaged_state_file_leaves_the_defaults(qtbot: QtBot) -> None:
    state_path().parent.mkdir(parents=True, exist_ok=True)
    state_path().write_bytes(b"[window]\ngeometry=@ByteArray(\\x01garbage)\nsplitter=7\n")
    window = opened(qtbot)
    assert (window.width(), window.height()) == (1000, 700)
    window.close()
