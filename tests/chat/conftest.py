"""Fixtures for chat/ and command-line tests: the loopback SSE server, the config folder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chat import paths

from .streaming_server import StreamServer


@pytest.fixture
async def server() -> AsyncIterator[StreamServer]:
    server = await StreamServer().start()
    yield server
    await server.close()


@pytest.fixture
def config_home() -> Path:
    """This test's own config folder (tests/conftest.py gives every test a PARLEY_HOME)."""
    return paths.config_dir()
