"""Under mutation (``python -m bench mutation``): each mutant's tests run fastest first.

mutmut runs the tests that reach one mutant with ``-x``, so a killed mutant costs only the
tests before the first that fails. The time each test took on the unmutated code is in
``mutmut-stats.json``, in the folder the run works in (``mutants/``).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

STATS = Path("mutmut-stats.json")


@functools.cache
def durations() -> dict[str, float]:
    """Seconds per test id from the unmutated run; none before that run has finished."""
    try:
        found = json.loads(STATS.read_text(encoding="utf-8"))["duration_by_test"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return found if isinstance(found, dict) else {}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    took = durations()
    if took:
        items.sort(key=lambda item: float(took.get(item.nodeid, 0.0)))
