"""The suite's noise rules themselves: each kind of noise really fails a test."""

from __future__ import annotations

from pathlib import Path

import pytest

CONFTEST = Path(__file__).with_name("conftest.py").read_text()
INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
asyncio_default_test_loop_scope = function
filterwarnings = error
qt_api = pyside6
qt_log_level_fail = WARNING
"""


@pytest.fixture
def run(pytester: pytest.Pytester):  # type: ignore[no-untyped-def]
    pytester.makeconftest(CONFTEST.replace('pytest_plugins = ["pytester"]', ""))
    pytester.makeini(INI)

    def run_test(source: str) -> pytest.RunResult:
        pytester.makepyfile(test_noise=source)
        return pytester.runpytest_subprocess("-p", "no:cacheprovider")

    return run_test


def test_a_task_left_running_fails(run) -> None:  # type: ignore[no-untyped-def]
    result = run(
        "import asyncio\n"
        "async def test_it():\n"
        "    asyncio.get_running_loop().create_task(asyncio.sleep(30))\n"
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*Tasks left running after the test*"])


def test_an_error_log_fails(run) -> None:  # type: ignore[no-untyped-def]
    result = run(
        "import logging\n"
        "def test_it():\n"
        "    logging.getLogger('asyncio').error('Task exception was never retrieved')\n"
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*ERROR logged during the test*", "*never retrieved*"])


def test_a_warning_fails(run) -> None:  # type: ignore[no-untyped-def]
    result = run("import warnings\ndef test_it():\n    warnings.warn('careful', UserWarning)\n")
    result.assert_outcomes(failed=1)


def test_a_qt_warning_fails(run) -> None:  # type: ignore[no-untyped-def]
    result = run(
        "from PySide6.QtCore import qWarning\n"
        "def test_it(qtbot):\n"
        "    qWarning('something is off')\n"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*something is off*"])


def test_a_quiet_test_passes(run) -> None:  # type: ignore[no-untyped-def]
    result = run("import asyncio\nasync def test_it():\n    await asyncio.sleep(0)\n")
    result.assert_outcomes(passed=1)


def test_a_thread_left_running_fails(run) -> None:  # type: ignore[no-untyped-def]
    result = run(
        "import threading\n"
        "stop = threading.Event()\n"
        "def test_it():\n"
        "    threading.Thread(target=stop.wait, args=(10,), name='lingering').start()\n"
        "def test_next():\n"
        "    stop.set()\n"
    )
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*Threads left running after the test: lingering*"])


def test_a_file_left_outside_tmp_path_fails(run) -> None:  # type: ignore[no-untyped-def]
    result = run(
        "import os, tempfile\n"
        "def test_it():\n"
        "    fd, path = tempfile.mkstemp(prefix='parley-noise-')\n"
        "    os.close(fd)\n"
        "    os.environ['PARLEY_NOISE_FILE'] = path\n"
        "def test_cleanup():\n"
        "    os.remove(os.environ['PARLEY_NOISE_FILE'])\n"
    )
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*Files left outside tmp_path: *parley-noise-*"])


def test_each_test_has_its_own_config_and_home(run) -> None:  # type: ignore[no-untyped-def]
    result = run(
        "import os\n"
        "def test_it(tmp_path):\n"
        "    for name in ('XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_CACHE_HOME', 'PARLEY_HOME'):\n"
        "        assert os.environ[name].startswith(str(tmp_path))\n"
    )
    result.assert_outcomes(passed=1)
