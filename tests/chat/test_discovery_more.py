"""Discovery's limits: which providers are probed, through which client, for how long."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace

import aiohttp

from chat.discovery import Found, discover
from providers.contract import Context, Provider, Request
from providers.presets import LM_STUDIO, OPENAI_COMPATIBLE
from providers.types import Chunk
from tests.emulators.openai import OpenAIEmulator


class Fixed(Provider):
    """A local provider with a built-in list only: nothing to probe."""

    async def stream(self, request: Request, context: Context) -> AsyncIterator[Chunk]:
        yield "unused"


@asynccontextmanager
async def trickling_server() -> AsyncIterator[str]:
    """A server that starts a model list and then sends one space every 50 ms, forever:
    never idle long enough for a read timeout."""
    writers: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        )
        try:
            while not writer.is_closing():
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(0.05)
        except ConnectionError:
            pass

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.close()
        for writer in writers:
            writer.close()
        await server.wait_closed()
        await asyncio.sleep(0.06)  # the handlers see their writers closed and end


async def test_only_local_servers_that_list_their_models_are_probed() -> None:
    async with OpenAIEmulator("keyless") as up:
        local = dataclasses.replace(LM_STUDIO, name="Up", url=up.base_url)
        remote = dataclasses.replace(OPENAI_COMPATIBLE, name="Remote", url=up.base_url)
        no_list = Fixed(name="Fixed", url="http://127.0.0.1:9/v1", local=True, models=("m",))
        found = await discover([remote, no_list, local])
    assert found == [Found(local, ["test-model", "other-model"])]
    assert len(up.requests("GET", "/v1/models")) == 1


async def test_probes_go_through_the_apps_client() -> None:
    asked: list[str] = []

    async def on_request_start(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        asked.append(str(params.url))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    async with (
        OpenAIEmulator("keyless") as up,
        aiohttp.ClientSession(trace_configs=[trace]) as http,
    ):
        local = dataclasses.replace(LM_STUDIO, name="Up", url=up.base_url)
        assert await discover([local], http) == [Found(local, ["test-model", "other-model"])]
    assert asked == [f"{up.base_url}/models"]


async def test_a_server_that_answers_too_slowly_is_given_up_on_in_time() -> None:
    async with trickling_server() as url:
        slow = dataclasses.replace(LM_STUDIO, name="Slow", url=url)
        started = time.perf_counter()
        found = await asyncio.wait_for(discover([slow]), 5)
        took = time.perf_counter() - started
    assert found == []
    assert took < 1.0
