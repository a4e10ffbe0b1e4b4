"""Starting the window: the Qt app, the window shown and painted, then the asyncio loop.

The first paint waits for nothing it does not need. asyncio (with ssl, socket and
concurrent.futures behind it) takes about 50 ms to import on a fast machine, so it is loaded
only once the window is on screen; gui.app then runs the window on qasync's loop.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from .main_window import MainWindow
    from .tasks import TaskTracker

ICON_SIZES = (16, 32, 48, 64, 128, 256)
"""The window's icon, ``resources/icons/parley-<size>.png``: drawn from resources/parley.svg by
packaging/icons.py, PNG files so that Qt's SVG module is not loaded at start (2 MB of memory,
measured)."""
FIRST_PAINT_WAIT_MS = 2000
"""How long the window may take to paint before the rest starts anyway (a slow display)."""
BENCH_FIRST_PAINT = "PARLEY_BENCH_FIRST_PAINT"
"""Benchmark hook (bench/startup.py): when set, print ``first-paint <time.monotonic()>`` at
the window's first paint (and ``list-painted <time>`` once the list's first page is painted),
then ``idle-rss <kB>`` after PARLEY_BENCH_IDLE seconds (default 1)
of idling once started up, and quit."""


class Shown(NamedTuple):
    """The main window on screen, and the tracker its background tasks will run in."""

    window: MainWindow
    tasks: TaskTracker


def run(argv: list[str]) -> int:
    """Open the window and run until it is closed; the exit code."""
    app = application(argv)
    shown = show_painted(app)
    import asyncio  # only now: see the module's docstring

    import qasync  # type: ignore[import-untyped]

    from .app import main

    # asyncio.run() takes loop_factory only from Python 3.12; Runner has it on 3.11 too.
    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        return runner.run(main(app, shown=shown))


def application(argv: list[str]) -> QApplication:
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    assert isinstance(app, QApplication)
    app.setApplicationName("Parley")
    app.setApplicationDisplayName("Parley")
    app.setDesktopFileName("parley")
    app.setWindowIcon(window_icon())
    app.setQuitOnLastWindowClosed(False)  # gui.app.main ends instead, after shutting down
    return app


def window_icon() -> QIcon:
    from importlib.resources import files  # about 5 ms: the package data, wherever installed

    icons = files("resources") / "icons"  # a folder on disk: the tree, a wheel, the bundle
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(icons / f"parley-{size}.png"))  # read when first drawn
    return icon


def new_window() -> Shown:
    from .main_window import MainWindow
    from .tasks import TaskTracker

    tasks = TaskTracker()
    return Shown(MainWindow(tasks, complete=False), tasks)  # completed once it has painted


def show_painted(app: QApplication) -> Shown:
    """The main window, shown, once it has painted (or after FIRST_PAINT_WAIT_MS).

    Qt's own event loop runs meanwhile, holding back the user's input: nothing can start
    work that needs the asyncio loop before it runs. Held-back input is handled then.
    """
    shown = new_window()
    waiting = QEventLoop()
    give_up = QTimer(waiting)
    give_up.setSingleShot(True)
    give_up.timeout.connect(waiting.quit)
    watch_first_paint(app, lambda _: waiting.quit())
    give_up.start(FIRST_PAINT_WAIT_MS)
    shown.window.show()
    waiting.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    shown.window.complete()  # before any held-back input is handled
    collect_from_now()
    return shown


def collect_from_now() -> None:
    """Turn the garbage collector on again (``gui.__main__`` turns it off for the start: the
    modules, classes and widgets made until the first paint live as long as the app), with
    what exists now set aside, so that no later collection walks through it again."""
    import gc

    gc.freeze()
    gc.enable()


class _FirstPaint(QObject):
    """Calls back at the first paint event anywhere in the app, then goes away."""

    def __init__(self, app: QApplication, on_paint: Callable[[float], None]) -> None:
        super().__init__(app)
        self._app = app
        self._on_paint: Callable[[float], None] | None = on_paint

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._on_paint is not None:
            now = time.monotonic()
            if os.environ.get(BENCH_FIRST_PAINT):
                print(f"first-paint {now:.6f}", flush=True)
            on_paint, self._on_paint = self._on_paint, None
            self._app.removeEventFilter(self)
            self.deleteLater()
            on_paint(now)
        return False


def watch_first_paint(app: QApplication, on_paint: Callable[[float], None]) -> None:
    """Call ``on_paint(time.monotonic())`` at the next paint event anywhere in ``app``."""
    app.installEventFilter(_FirstPaint(app, on_paint))
