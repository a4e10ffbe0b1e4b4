"""The stream readers at the edges of a body: its first bytes, its last, and what waits."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, cast

import aiohttp
import pytest
from aiohttp import web
from aiohttp.base_protocol import BaseProtocol

from providers.errors import MalformedResponseError
from providers.http import open_http
from providers.stream import MAX_LINE_BYTES, iter_json_lines, iter_lines, iter_sse_json, parse_json

Serve = Callable[[web.Application], Awaitable[str]]
Reader = Callable[[aiohttp.ClientResponse], AsyncIterator[Any]]


def body_app(
    pieces: list[bytes], *, between: asyncio.Event | None = None, pause: float | None = None
) -> web.Application:
    """Writes ``pieces``; with ``between``, waits for it to be set after the first piece;
    with ``pause``, sleeps that long after each (the client reads each piece on its own)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-type": "application/x-ndjson"})
        await response.prepare(request)
        for number, piece in enumerate(pieces):
            await response.write(piece)
            if number == 0 and between is not None:
                await asyncio.wait_for(between.wait(), 5)
            if pause is not None:
                await asyncio.sleep(pause)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/", handler)
    return app


async def read_all(
    serve: Serve, pieces: list[bytes], reader: Reader, *, pause: float | None = None
) -> list[Any]:
    url = await serve(body_app(pieces, pause=pause))
    async with open_http("Test") as http, http.request("GET", url) as response:
        return [item async for item in reader(response)]


async def test_a_short_first_line_is_handed_on_before_more_arrives(serve: Serve) -> None:
    """The first bytes are checked for a BOM; a short line that is none is not held back."""
    first_seen = asyncio.Event()
    url = await serve(body_app([b"1\n", b"2\n"], between=first_seen))
    values = []
    async with open_http("Test") as http, http.request("GET", url) as response:
        async for value in iter_json_lines(response):
            values.append(value)
            first_seen.set()
    assert values == [1, 2]


async def test_a_body_that_starts_with_a_blank_line_keeps_it(serve: Serve) -> None:
    assert await read_all(serve, [b"\nabc\n"], iter_lines) == [b"", b"abc"]


@pytest.fixture
async def fed() -> AsyncIterator[aiohttp.StreamReader]:
    """aiohttp's own ``StreamReader`` of a socket pair, for a test to feed read by read."""
    loop = asyncio.get_running_loop()
    ours, theirs = socket.socketpair()
    with theirs:
        transport, protocol = await loop.connect_accepted_socket(lambda: BaseProtocol(loop), ours)
        try:
            yield aiohttp.StreamReader(protocol, 2**30, loop=loop)
        finally:
            transport.close()


class Body:
    """What the readers use of a response: its ``content``."""

    def __init__(self, content: aiohttp.StreamReader) -> None:
        self.content = content


async def test_a_line_of_exactly_the_bound_is_read(fed: aiohttp.StreamReader) -> None:
    """The bound is on what a line may hold: a line of just that many bytes is a line."""

    async def lengths() -> list[int]:
        return [len(line) async for line in iter_lines(cast(Any, Body(fed)))]

    reading = asyncio.create_task(lengths())
    fed.feed_data(b"y" * MAX_LINE_BYTES)
    for _ in range(5):  # the reader takes the line's bytes before its end arrives
        await asyncio.sleep(0)
    fed.feed_data(b"\nend\n")
    fed.feed_eof()
    assert await reading == [MAX_LINE_BYTES, 3]


async def test_a_last_line_without_its_end_in_pieces_is_joined(serve: Serve) -> None:
    pieces = [b"one\ntw", b"o th", b"ree"]
    assert await read_all(serve, pieces, iter_lines, pause=0.02) == [b"one", b"two three"]


async def test_a_line_begun_after_others_and_ended_pieces_later_is_whole(serve: Serve) -> None:
    pieces = [b"a\nbc", b"de", b"fg", b"h\n"]
    assert await read_all(serve, pieces, iter_lines, pause=0.02) == [b"a", b"bcdefgh"]


def test_json_nested_too_deeply_says_so_in_full() -> None:
    with pytest.raises(MalformedResponseError) as caught:
        parse_json("[" * 5000, "Seed")
    assert str(caught.value) == (
        "Seed: The service sent JSON nested too deeply to read: "
        + repr("[" * 199 + "…")
        + ". The service may have changed its protocol; try another provider."
    )


async def test_an_event_that_is_not_json_names_the_provider(fed: aiohttp.StreamReader) -> None:
    fed.feed_data(b'data: {"ok": 1}\n\ndata: not json\n\n')
    fed.feed_eof()
    seen: list[Any] = []
    with pytest.raises(MalformedResponseError) as caught:
        await collect_into(iter_sse_json(cast(Any, Body(fed)), "Seed"), seen)
    assert seen == [{"ok": 1}]
    assert caught.value.provider == "Seed"


async def collect_into(values: AsyncIterator[Any], seen: list[Any]) -> None:
    """Every value into ``seen``, which keeps them when the reader raises."""
    async for value in values:
        seen.append(value)
