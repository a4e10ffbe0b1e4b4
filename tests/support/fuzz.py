"""Shared rules for property-based tests: bounded in CI, long on the benchmark machine.

``PARLEY_FUZZ=long`` (set by ``python -m bench fuzz``) runs many more examples. Nothing is
written to a ``.hypothesis`` folder: the example database is off, so a test run leaves no files.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from hypothesis import HealthCheck, settings

_T = TypeVar("_T")

settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,  # time is bounded by `ends_within`, generously, not per example
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=False,
    print_blob=True,
)
settings.register_profile(
    "long",
    parent=settings.get_profile("ci"),
    max_examples=int(os.environ.get("PARLEY_FUZZ_EXAMPLES", "20000")),
)
settings.load_profile(os.environ.get("PARLEY_FUZZ", "ci"))

FUZZ_BOUND_SECONDS = 5.0
"""No single parse of a generated input may take longer than this (inputs are at most ~1 MB)."""


@contextmanager
def ends_within(seconds: float = FUZZ_BOUND_SECONDS) -> Iterator[None]:
    """Fail when the block runs longer than ``seconds`` (a bound on superlinear work)."""
    start = time.perf_counter()
    yield
    took = time.perf_counter() - start
    assert took < seconds, f"took {took:.2f} s, over the {seconds} s bound"


def only_raises(call: Callable[[], _T], *documented: type[BaseException]) -> _T | BaseException:
    """``call()``'s result, or the documented error it raised; any other error fails the test."""
    start = time.perf_counter()
    try:
        result: _T | BaseException = call()
    except documented as error:
        result = error
    took = time.perf_counter() - start
    assert took < FUZZ_BOUND_SECONDS, f"took {took:.2f} s, over the {FUZZ_BOUND_SECONDS} s bound"
    return result
