"""Helpers for property-based tests: only documented errors, and a bound on time.

The hypothesis profiles (bounded in CI, ``PARLEY_FUZZ=long`` for ``python -m bench fuzz``)
are set in tests/conftest.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

_T = TypeVar("_T")

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
