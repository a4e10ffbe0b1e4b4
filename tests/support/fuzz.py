"""Helpers for property-based tests: only documented errors, and a bound on time.

The hypothesis profiles (bounded in CI, ``PARLEY_FUZZ=long`` for ``python -m bench fuzz``)
are set in tests/conftest.py.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

_T = TypeVar("_T")

BASE_BOUND_SECONDS = 5.0
"""No single parse of a generated input may take longer than this (inputs are at most ~1 MB):
a quadratic parser took 23 s on 256 KiB. Generous, so a loaded machine does not fail it."""
FUZZ_BOUND_SECONDS = BASE_BOUND_SECONDS * float(os.environ.get("PARLEY_SLOW_FACTOR", "1"))
"""The bound in force: ``PARLEY_SLOW_FACTOR`` widens it where every line runs traced (the
mutation run sets it), since the bound is there to catch superlinear work, not a slow tracer."""


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
