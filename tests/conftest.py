"""Test-wide rules: noise fails the test (warnings, ERROR logs, tasks left running)."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never reach a real site: only loopback servers, never the user's config or keyring.
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

pytest_plugins = ["pytester"]  # tests/test_noise_rules.py runs pytest on small test files
if os.environ.get("PARLEY_FUZZ") == "mutation":  # bench/mutation.py: fastest tests first
    pytest_plugins.append("tests.support.fastest_first")

# Property-based tests: bounded in CI; `python -m bench fuzz` sets PARLEY_FUZZ=long. The
# example database is off, so a run writes no .hypothesis folder.
settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,  # time is bounded per call by tests.support.fuzz, generously
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile(
    "long",
    parent=settings.get_profile("ci"),
    max_examples=int(os.environ.get("PARLEY_FUZZ_EXAMPLES", "20000")),
)
settings.register_profile("mutation", parent=settings.get_profile("ci"), max_examples=15)
settings.load_profile(os.environ.get("PARLEY_FUZZ", "ci"))


_PRIVATE_TMP = pytest.StashKey[Path]()
_TMP_BEFORE = pytest.StashKey[tuple[str | None, str | None]]()


def pytest_configure(config: pytest.Config) -> None:
    """The run's own temp folder, and hypothesis's files out of the checkout.

    Tests and the programs they start get a temp folder of this run's own (``TMPDIR``), so the
    check for files left behind sees only theirs, not other programs' on the machine; it is
    removed when the run ends. Hypothesis keeps a few files (found constants) even with its
    database off: in one folder of the system's temp folder per user, reused by every run.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # Started in the background of a script, the run inherits Ctrl-C ignored, and so
        # would every parley it starts: the tests of Ctrl-C need what a terminal gives.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    system = Path(tempfile.gettempdir())
    set_hypothesis_home_dir(system / f"parley-hypothesis-{os.getuid()}")
    private = Path(tempfile.mkdtemp(prefix="parley-tests-", dir=system))
    private.chmod(0o755)  # another user may enter it (a test of permissions runs as one)
    config.stash[_PRIVATE_TMP] = private
    config.stash[_TMP_BEFORE] = (os.environ.get("TMPDIR"), tempfile.tempdir)
    os.environ["TMPDIR"] = str(private)
    tempfile.tempdir = str(private)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the run's temp folder, and point temp files where they went before (pytest may
    run again in this process: a mutation run does)."""
    private = config.stash.get(_PRIVATE_TMP, None)
    if private is None:
        return
    variable, folder = config.stash[_TMP_BEFORE]
    if variable is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = variable
    tempfile.tempdir = folder
    shutil.rmtree(private, ignore_errors=True)


_QT_DIRS = ("gui", "e2e")
_HOME_DIRS = {
    "XDG_CONFIG_HOME": "config",
    "XDG_DATA_HOME": "data",
    "XDG_CACHE_HOME": "cache",
    "XDG_STATE_HOME": "state",
    "PARLEY_HOME": "parley-home",
}
"""Where Parley (and the programs a test starts) keep files: under each test's tmp_path."""
_THREAD_GRACE_SECONDS = 2.0


_BEFORE = pytest.StashKey[tuple[set[int | None], dict[Path, set[str]]]]()


def _watched_folders() -> list[Path]:
    """Where a test must not leave files: the run's temp folder and the user's home."""
    home = Path.home()
    return [Path(tempfile.gettempdir()), *(home / sub for sub in (".config", ".local/share"))]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    threads = {thread.ident for thread in threading.enumerate()}
    item.stash[_BEFORE] = (threads, {folder: _entries(folder) for folder in _watched_folders()})
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    """After the test and all its fixtures: no thread it started still runs, and it left no
    file outside its tmp_path (each is a test error)."""
    result = yield
    if _BEFORE in item.stash:
        threads, folders = item.stash[_BEFORE]
        _fail_on_threads_left(threads)
        _fail_on_files_left(folders)
    return result


def _fail_on_threads_left(before: set[int | None]) -> None:
    started = [
        t
        for t in threading.enumerate()
        if t.ident not in before and t.is_alive() and not isinstance(t, threading._DummyThread)
    ]  # a thread Qt started (qasync's executor) shows as a dummy: its loop ends it, not us
    deadline = time.monotonic() + _THREAD_GRACE_SECONDS
    for thread in started:  # a worker that is ending on its own gets a moment to do so
        thread.join(max(0.0, deadline - time.monotonic()))
    left = [t.name for t in started if t.is_alive() and not _is_pytest_timeout(t)]
    if left:
        pytest.fail(f"Threads left running after the test: {', '.join(left)}", pytrace=False)


def _fail_on_files_left(before: dict[Path, set[str]]) -> None:
    left = sorted(
        str(folder / name)
        for folder, names in before.items()
        for name in _entries(folder) - names
        if not _belongs_to_pytest(folder / name)
    )
    if left:
        pytest.fail(f"Files left outside tmp_path: {', '.join(left)}", pytrace=False)


def _is_pytest_timeout(thread: threading.Thread) -> bool:
    return isinstance(thread, threading.Timer)  # pytest-timeout's watchdog for the next test


def _entries(folder: Path) -> set[str]:
    try:
        return {entry.name for entry in folder.iterdir()}
    except OSError:
        return set()


@pytest.fixture(autouse=True)
def _fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets fresh config, data, cache and ``PARLEY_HOME`` folders under its own
    tmp_path (a test that leaves files anywhere else fails: see ``pytest_runtest_teardown``)."""
    for variable, name in _HOME_DIRS.items():
        monkeypatch.setenv(variable, str(tmp_path / name))


def _belongs_to_pytest(path: Path) -> bool:
    """pytest's own temp folders (tmp_path lives there) and pytester's."""
    return path.name.startswith("pytest-of-")


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
    ``gui.start.run`` (closing the last window must not stop the qasync loop under a test), and
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
    gc.unfreeze()  # gui.app.main froze what it had made; later tests must collect it
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
