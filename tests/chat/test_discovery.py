"""Local servers found on their own: probed together, done within 300 ms, only loopback."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from chat.cli import EXIT_OK, EXIT_USAGE, main
from chat.discovery import discover
from providers.presets import LM_STUDIO, LOCAL, OPENAI
from tests.emulators.openai import OpenAIEmulator

from .streaming_server import install_plugin


@asynccontextmanager
async def silent_server() -> AsyncIterator[str]:
    """A server that accepts connections and never answers."""
    writers: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await reader.read()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.close()
        for writer in writers:
            writer.close()
        await server.wait_closed()


async def test_the_servers_that_answer_are_found_with_their_models() -> None:
    async with OpenAIEmulator("keyless") as up, silent_server() as silent:
        providers = [
            dataclasses.replace(LM_STUDIO, name="Up", url=up.base_url),
            dataclasses.replace(LM_STUDIO, name="Closed", url="http://127.0.0.1:9/v1"),
            dataclasses.replace(LM_STUDIO, name="Silent", url=silent),
            OPENAI,  # not local: never probed
        ]
        start = time.perf_counter()
        found = await discover(providers)
        took = time.perf_counter() - start
    assert [(f.provider.name, f.models) for f in found] == [("Up", ["test-model", "other-model"])]
    assert took < 1.0  # the benchmark holds the 300 ms target; this only catches a hang


async def test_a_local_server_that_wants_a_key_is_not_offered() -> None:
    async with OpenAIEmulator() as guarded:
        provider = dataclasses.replace(LM_STUDIO, name="Guarded", url=guarded.base_url)
        assert await discover([provider]) == []


async def test_the_local_presets_are_on_loopback_only() -> None:
    assert all(p.url.startswith("http://127.0.0.1:") for p in LOCAL)
    assert all(p.local and not p.needs_auth for p in LOCAL)


async def test_ask_with_no_provider_chosen_uses_a_local_server_found_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with OpenAIEmulator("keyless") as local:
        monkeypatch.setenv("PARLEY_TEST_LOCAL_URL", local.base_url)
        path = install_plugin(tmp_path, {"TestLocal": "tests.support.local_plugin:TEST_LOCAL"})
        monkeypatch.syspath_prepend(str(path))
        sys.modules.pop("tests.support.local_plugin", None)
        code = await asyncio.to_thread(main, ["ask", "hi"])
    out, err = capsys.readouterr()
    assert (code, out) == (EXIT_OK, "Hello from the emulator.")
    assert err == f"parley: using Test local server, found running at {local.base_url}.\n"


async def test_ask_with_no_provider_and_no_local_server_says_what_to_do(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = await asyncio.to_thread(main, ["ask", "hi"])
    out, err = capsys.readouterr()
    assert (code, out) == (EXIT_USAGE, "")
    assert "No provider is chosen and no local server was found running" in err
