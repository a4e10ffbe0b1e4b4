"""A real store in each test's own PARLEY_HOME, closed (its threads ended) when the test ends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chat.store import Store, StoreError


@pytest.fixture
def problems() -> list[StoreError]:
    """What the store reported from its writer thread."""
    return []


@pytest.fixture
def store(problems: list[StoreError]) -> Iterator[Store]:
    opened = Store.open(problem=problems.append)
    try:
        yield opened
    finally:
        opened.close()
