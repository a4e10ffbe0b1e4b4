"""Start to first painted window, and idle memory: Parley beside a bare PySide6 window."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import Figure, installed, median
from .desktop import desktop_session

TITLE = "Startup: first painted window and idle memory"
RUNS = 15
IDLE_SECONDS = 1.0
WARM_UP_IDLE_SECONDS = 3.0
ABOUT = (
    "Each run starts a fresh process with the offscreen Qt platform. Parley is the real "
    "`python -m gui` (window shown first; providers and the aiohttp session are set up after "
    "the first paint, the keyring when a secret is first needed); the peer is a bare PySide6 "
    "window, a QMainWindow with one QTextEdit. Both run as on a desktop, on a D-Bus session "
    "with an unlocked, empty gnome-keyring (bench/desktop.py); the first, unmeasured start "
    "finds nothing stored. Time runs from just before the process is spawned to its first paint "
    "event (both read the system-wide monotonic clock, via the `PARLEY_BENCH_FIRST_PAINT` "
    f"hook in gui/start.py); idle RSS is read from /proc after {IDLE_SECONDS:g} s of idling once "
    "started up, with one short conversation open (a question and a Markdown answer with a "
    f"list and a code block). Runs alternate; medians of {RUNS} each."
)
ROOT = Path(__file__).resolve().parent.parent

PEER = """
import os, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTextEdit


class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            print(f"first-paint {time.monotonic():.6f}", flush=True)
            app.removeEventFilter(self)
            QTimer.singleShot(int(float(os.environ["PARLEY_BENCH_IDLE"]) * 1000), report)
        return False


def report():
    with open("/proc/self/status") as status:
        rss = next(line.split()[1] for line in status if line.startswith("VmRSS:"))
    print(f"idle-rss {rss}", flush=True)
    window.close()


app = QApplication(sys.argv)
watcher = FirstPaint()
app.installEventFilter(watcher)
window = QMainWindow()
window.setCentralWidget(QTextEdit())
window.resize(1000, 700)
window.show()
sys.exit(app.exec())
"""


def _folders(home: str) -> dict[str, str]:
    """The XDG base folders of a user whose files are all under ``home``: never the user's
    own files, and found as a user's desktop start finds them (not through PARLEY_HOME)."""
    return {
        "XDG_CONFIG_HOME": os.path.join(home, "config"),
        "XDG_DATA_HOME": os.path.join(home, "data"),
        "XDG_CACHE_HOME": os.path.join(home, "cache"),
        "XDG_STATE_HOME": os.path.join(home, "state"),
    }


def _launch(
    command: list[str], desktop: dict[str, str], idle: float = IDLE_SECONDS
) -> tuple[float, float]:
    """Seconds from spawn to first paint, and idle RSS in MB, of one run of ``command``."""
    env = installed(
        {
            **desktop,
            "QT_QPA_PLATFORM": "offscreen",
            "PARLEY_BENCH_FIRST_PAINT": "1",
            "PARLEY_BENCH_IDLE": str(idle),
        }
    )
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    values = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    return float(values["first-paint"]) - started, int(values["idle-rss"]) / 1024


SHORT_ANSWER = (
    "Here is a **short** answer, with `code`:\n\n- one point\n- another point\n\n"
    "```python\nprint('hello')\n```\n"
)


def _open_one_short_conversation(folders: dict[str, str]) -> None:
    """A store holding one short conversation (a question, a Markdown answer), open at the
    start as the one open when the window last closed."""
    from chat.settings import Settings

    from .store import _fill

    before = dict(os.environ)
    try:
        os.environ.pop("PARLEY_HOME", None)
        os.environ.update(folders)
        opened = _fill(None, 1, SHORT_ANSWER)
        settings = Settings.load()
        settings.set("last_conversation", opened)
        settings.save()
    finally:
        os.environ.clear()
        os.environ.update(before)


def run() -> list[Figure]:
    parley = [sys.executable, "-m", "gui"]
    peer = [sys.executable, "-c", PEER]
    ours: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as home:
        folders = _folders(home)
        user = {k: v for k, v in os.environ.items() if k != "PARLEY_HOME"} | folders
        with desktop_session(user) as desktop:
            desktop |= folders  # Parley's files under ``home`` (the keyring has its own)
            _open_one_short_conversation(folders)
            # Unmeasured: warms the disk cache for both, and lets Parley's first start finish
            # what a first start does (it takes the keyring's list of what is stored).
            _launch(parley, desktop, idle=WARM_UP_IDLE_SECONDS)
            _launch(peer, desktop)
            for _ in range(RUNS):
                ours.append(_launch(parley, desktop))
                theirs.append(_launch(peer, desktop))
    paint = median([t for t, _ in ours]) * 1000, median([t for t, _ in theirs]) * 1000
    rss = median([m for _, m in ours]), median([m for _, m in theirs])
    note = "lower is better; peer: bare PySide6 QMainWindow + QTextEdit"
    return [
        Figure("start to first paint", paint[0], "ms", paint[1], paint[0] / paint[1], note),
        Figure("idle RSS", rss[0], "MB", rss[1], rss[0] / rss[1], note),
    ]
