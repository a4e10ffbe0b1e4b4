"""Shared by the transcript tests: a real conversation store in the test's own folders."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chat.store import Store


@pytest.fixture
def store() -> Iterator[Store]:
    opened = Store.open()
    try:
        yield opened
    finally:
        opened.close()
