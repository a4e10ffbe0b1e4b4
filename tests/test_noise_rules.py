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
