"""Nothing a server sends makes Parley hold without bound: an endless line, an endless event
or a huge page ends with our error once the bound is passed, and nothing more is read."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web

from providers.errors import MalformedResponseError
from providers.http import BODY_LIMIT, open_http, read_text
from providers.stream import MAX_LINE_BYTES, iter_lines, iter_sse

from .conftest import Serve

MIB = 1 << 20


def _endless(piece: bytes, sent: list[int]) -> web.Application:
    """A server that writes ``piece`` forever (until the client goes away)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        block = piece * max(1, (256 * 1024) // len(piece))
        try:
            while True:
                await response.write(block)
                sent[0] += len(block)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response

    app = web.Application()
    app.router.add_get("/", handler)
    return app


async def _read_all(url: str, reader: str) -> None:
    async with open_http("Test") as http, http.request("GET", url) as response:
        if reader == "lines":
            async for _ in iter_lines(response):
                pass
        else:
            async for _ in iter_sse(response):
                pass


@pytest.mark.parametrize(
    ("piece", "reader", "what"),
    [
        (b"x", "lines", "a line"),
        (b"data: x\n", "sse", "an event"),  # data lines that never end their event
    ],
)
async def test_an_endless_stream_stops_at_the_bound(
    serve: Serve, piece: bytes, reader: str, what: str
) -> None:
    sent = [0]
    url = await serve(_endless(piece, sent))
    with pytest.raises(MalformedResponseError, match=f"sent {what} longer than 32 MiB"):
        await asyncio.wait_for(_read_all(url + "/", reader), 60)
    assert sent[0] < MAX_LINE_BYTES + 16 * MIB  # it stopped reading soon after the bound


async def test_a_line_just_under_the_bound_is_read(serve: Serve) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=b"y" * (8 * MIB) + b"\nend\n")

    app = web.Application()
    app.router.add_get("/", handler)
    url = await serve(app)
    async with open_http("Test") as http, http.request("GET", url + "/") as response:
        lines = [line async for line in iter_lines(response)]
    assert [len(line) for line in lines] == [8 * MIB, 3]


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_a_page_larger_than_the_bound_is_refused(serve: Serve, declared: bool) -> None:
    size = BODY_LIMIT + MIB

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        if declared:
            response.content_length = size
        else:
            response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            for _ in range(size // MIB):
                await response.write(b"z" * MIB)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response

    app = web.Application()
    app.router.add_get("/", handler)
    url = await serve(app)
    async with open_http("Test") as http, http.request("GET", url + "/") as response:
        with pytest.raises(MalformedResponseError, match="larger than 16 MiB"):
            await read_text(response)


async def test_a_normal_page_is_read_whole(serve: Serve) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(text="héllo", charset="utf-8")

    app = web.Application()
    app.router.add_get("/", handler)
    url = await serve(app)
    async with aiohttp.ClientSession() as session, session.get(url + "/") as response:
        assert await read_text(response) == "héllo"
