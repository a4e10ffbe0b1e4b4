"""`python -m gui` as a person starts it: the window paints, closes, and exits 0 quietly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
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


def test_the_collector_is_off_until_the_first_paint_and_on_after_it() -> None:
    """``parley`` opens the window with the garbage collector off (what the start makes
    lives as long as the app); it is on again, with that set aside, once the window shows."""
    code = (
        "import gc, sys\n"
        "gc.disable()  # as gui.__main__ does\n"
        "from gui.start import application, show_painted\n"
        "shown = show_painted(application([]))\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 10_000)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    assert done.stdout.split() == ["True", "True"]


START = (
    "import sys\n"
    "from chat.settings import Settings\n"
    "settings = Settings.load()\n"
    "settings.set('provider', 'Anthropic')  # its model list needs an API key\n"
    "settings.save()\n"
    "from gui.start import run\n"
    "code = run([])\n"
    "print('exit', code, 'keyring' in sys.modules, flush=True)\n"
)


def test_a_start_opens_the_keyring_only_until_it_knows_nothing_is_stored(
    tmp_path: Path,
) -> None:
    """The first start asks the keyring (the Secret Service of the suite's D-Bus session) for
    the model list's key and takes its list of Parley's names; the next start, knowing no
    key is stored, leaves the keyring closed."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        message = "needs the suite's D-Bus session with gnome-keyring (scripts/test-all.sh)"
        if os.environ.get("CI"):
            raise AssertionError(message)
        import pytest

        pytest.skip(message)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PARLEY_HOME": str(tmp_path / "home"),
        "PARLEY_BENCH_FIRST_PAINT": "1",
    }
    env.pop("ANTHROPIC_API_KEY", None)
    said = []
    for idle in ("4", "0.3"):  # the first start opens the keyring while it idles (a loaded
        # machine takes a few seconds to); the second has nothing to wait for
        done = subprocess.run(
            [sys.executable, "-c", START], cwd=ROOT, env={**env, "PARLEY_BENCH_IDLE": idle},
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        said += [line for line in done.stdout.splitlines() if line.startswith("exit ")]
    assert said == ["exit 0 True", "exit 0 False"]
    listed = json.loads((tmp_path / "home" / "config" / "stored-secrets.json").read_text())
    assert listed["complete"] is True
    assert "Anthropic/api_key@https://api.anthropic.com" not in listed["names"]


def test_closing_the_window_while_the_keyring_waits_on_its_unlock_prompt_ends_parley(
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PARLEY_HOME": str(tmp_path / "home"),
        "PARLEY_BENCH_FIRST_PAINT": "1",
        "PARLEY_BENCH_IDLE": "1",  # then the window closes, the prompt still up
        "PYTHON_KEYRING_BACKEND": "tests.support.pending_keyring.Pending",
    }
    env.pop("ANTHROPIC_API_KEY", None)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", START], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert "exit 0 True" in done.stdout  # the keyring was being opened
    assert took < 10
    noise = [line for line in done.stderr.splitlines() if line != OFFSCREEN_REMARK]
    assert noise == []
