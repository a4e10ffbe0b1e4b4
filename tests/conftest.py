"""Test-wide rules: noise fails the test (warnings, ERROR logs, tasks left running)."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Settings written by a test (and by the programs it starts) never reach the user's own.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="parley-test-config-")
# Tests never reach a real site: only loopback servers, never the user's config or keyring.
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

pytest_plugins = ["pytester"]  # tests/test_noise_rules.py runs pytest on small test files

import tests.support.fuzz  # noqa: E402, F401  (loads the hypothesis profile: bounded in CI)

_QT_DIRS = ("gui", "e2e")


def _uses_qt(item: pytest.Item) -> bool:
    parts = Path(str(item.path)).parts
    return "tests" in parts and parts[parts.index("tests") + 1] in _QT_DIRS


def _qasync_loop() -> asyncio.AbstractEventLoop:
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    return qasync.QEventLoop(app)  # type: ignore[no-any-return]


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    """Async tests under tests/gui and tests/e2e run on qasync's loop inside Qt."""
    if _uses_qt(item):
        return {"qasync": _qasync_loop}
    return {"asyncio": asyncio.SelectorEventLoop}


class _ErrorLogCatcher(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def _qt_app_as_in_the_app(request: pytest.FixtureRequest) -> Iterator[None]:
    """For tests under tests/gui and tests/e2e: the QApplication outlives its windows, as in
    ``gui.app.run`` (closing the last window must not stop the qasync loop under a test), and
    what a test left behind is collected while still on the GUI thread.

    A parentless widget left to the cyclic garbage collector is destroyed on whichever thread
    the collection runs, often a later test's worker (keyring, settings), and Qt then warns
    "QObject::~QObject: Timers cannot be stopped from another thread".
    """
    if not _uses_qt(request.node):
        yield
        return
    request.getfixturevalue("qapp").setQuitOnLastWindowClosed(False)
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def _fail_on_error_logs() -> Iterator[None]:
    """An ERROR log (an asyncio task's unhandled exception, say) fails the test."""
    catcher = _ErrorLogCatcher()
    root = logging.getLogger()
    root.addHandler(catcher)
    try:
        yield
    finally:
        root.removeHandler(catcher)
    if catcher.records:
        lines = "\n".join(f"{r.name}: {r.getMessage()}" for r in catcher.records)
        pytest.fail(f"ERROR logged during the test:\n{lines}", pytrace=False)


@pytest.fixture(autouse=True)
def _fail_on_leftover_tasks(request: pytest.FixtureRequest) -> Iterator[None]:
    """A task still running when an async test and its fixtures are done fails the test."""
    if request.node.get_closest_marker("asyncio") is None:
        yield
        return
    runner = request.getfixturevalue("_function_scoped_runner")
    yield
    loop = runner.get_loop()
    for _ in range(3):  # let tasks that are finishing on their own get there
        loop.run_until_complete(asyncio.sleep(0))
    left = [t for t in asyncio.all_tasks(loop) if not t.done()]
    if left:
        for task in left:
            task.cancel()
        names = ", ".join(repr(t.get_coro()) for t in left)
        pytest.fail(f"Tasks left running after the test: {names}", pytrace=False)
