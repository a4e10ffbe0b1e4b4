"""`python -m gui` as a person starts it: the window paints, closes, and exits 0 quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OFFSCREEN_REMARK = "This plugin does not support propagateSizeHints()"


def test_the_app_starts_paints_and_exits_cleanly() -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PARLEY_BENCH_FIRST_PAINT": "1",  # print at the first paint, close after idling
        "PARLEY_BENCH_IDLE": "0.2",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # never the user's keyring
    }
    done = subprocess.run(
        [sys.executable, "-m", "gui"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # Nothing on stderr but the offscreen platform's own remark: the window shows the
    # session-only keyring in its banner, a warning or traceback would be noise.
    noise = [line for line in done.stderr.splitlines() if line != OFFSCREEN_REMARK]
    assert noise == []
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert float(lines["first-paint"]) > 0
    assert int(lines["idle-rss"]) > 0


def test_the_window_shows_before_the_parser_the_network_and_asyncio_are_loaded() -> None:
    """What the first paint waits for: not Markdown, Pygments, aiohttp, the keyring, nor even
    asyncio and qasync (they load after, in gui.start.run)."""
    code = (
        "import sys\n"
        "from gui.start import application, show_painted\n"
        "shown = show_painted(application([]))\n"
        "assert shown.window.isVisible()\n"
        "heavy = ('markdown_it', 'pygments', 'aiohttp', 'keyring', 'asyncio', 'qasync', 'ssl')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    assert done.stdout.strip() == "[]"
