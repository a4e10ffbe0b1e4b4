"""The stream readers against a loopback server that streams exactly the bytes given."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, cast

import aiohttp
import pytest
from aiohttp import web
from aiohttp.base_protocol import BaseProtocol

from providers.errors import IdleTimeoutError, MalformedResponseError, StreamCutError
from providers.http import Timeouts, open_http
from providers.stream import (
    MAX_LINE_BYTES,
    ServerSentEvent,
    iter_json_lines,
    iter_lines,
    iter_sse,
    iter_sse_json,
    parse_json,
)

Serve = Callable[[web.Application], Awaitable[str]]
Reader = Callable[[aiohttp.ClientResponse], AsyncIterator[Any]]


def streaming_app(
    pieces: list[bytes], *, delay: float | None = None, then: str = "end"
) -> web.Application:
    """Writes ``pieces`` one by one, sleeping ``delay`` s after each when given (0 lets the
    client read each piece on its own); ``then`` is "end", "abort" (cut the TCP) or "hang"."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        for piece in pieces:
            await response.write(piece)
            if delay is not None:
                await asyncio.sleep(delay)
        if then == "abort":
            assert request.transport is not None
            request.transport.abort()
        elif then == "hang":
            await asyncio.Event().wait()
        else:
            await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/", handler)
    return app


async def read_all(
    serve: Serve, pieces: list[bytes], reader: Reader, *, delay: float | None = None
) -> list[Any]:
    url = await serve(streaming_app(pieces, delay=delay))
    async with open_http("Test") as http, http.request("GET", url) as response:
        return [item async for item in reader(response)]


async def test_sse_events_with_comments_event_names_ids_and_multiline_data(serve: Serve) -> None:
    body = (
        b": ping\n\n"
        b'event: delta\ndata: {"a": 1}\n\n'
        b"id: 7\ndata: line one\ndata: line two\n\n"
        b"retry: 100\nunknown: x\ndata:no-space\n\n"
    )
    events = await read_all(serve, [body], iter_sse)
    assert events == [
        ServerSentEvent("delta", '{"a": 1}'),
        ServerSentEvent("message", "line one\nline two", "7"),
        ServerSentEvent("message", "no-space", "7"),
    ]


async def test_crlf_and_cr_endings_also_split_across_chunks(serve: Serve) -> None:
    pieces = [b"data: a\r", b"\ndata: b\r\n\r", b"\n", b"data: c\r\rdata: d\n\n"]
    events = await read_all(serve, pieces, iter_sse, delay=0.02)
    assert [e.data for e in events] == ["a\nb", "c", "d"]


async def test_a_lone_lf_after_a_split_crlf_does_not_swallow_the_next_blank_line(
    serve: Serve,
) -> None:
    """``a\\r`` | ``\\n`` | ``\\n...``: the second LF is a blank line that ends the event."""
    pieces = [b"data: a\r", b"\n", b"\ndata: b\n\n"]
    events = await read_all(serve, pieces, iter_sse, delay=0.02)
    assert [e.data for e in events] == ["a", "b"]


async def test_byte_by_byte_delivery_gives_the_same_events(serve: Serve) -> None:
    body = b'event: x\r\ndata: {"t": "h\xc3\xa9"}\r\n\r\n: ping\r\n\r\ndata: [DONE]\r\n\r\n'
    pieces = [body[i : i + 1] for i in range(len(body))]
    values = await read_all(serve, pieces, iter_sse_json, delay=0.001)
    assert values == [{"t": "hé"}]


async def test_done_ends_the_stream_and_the_rest_is_not_read(serve: Serve) -> None:
    body = b'data: {"n": 1}\n\ndata: [DONE]\n\ndata: not json at all\n\n'
    assert await read_all(serve, [body], iter_sse_json) == [{"n": 1}]


@pytest.mark.parametrize("reader", [iter_sse, iter_sse_json])
async def test_done_in_its_own_chunk_ends_the_stream_though_the_server_hangs(
    serve: Serve, reader: Reader
) -> None:
    # A planted bug (``[DONE]`` no longer ends the stream) passed the test above: there the
    # body ends anyway. Here the server sends [DONE] alone, then nothing, and never closes.
    pieces = [b'data: {"n": 1}\n\n', b"data: [DONE]\n\n"]
    url = await serve(streaming_app(pieces, delay=0.05, then="hang"))
    async with open_http("Test") as http, http.request("GET", url) as response:
        items = await asyncio.wait_for(_collect(reader(response)), 5)
    assert len(items) == 1


async def _collect(items: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in items]


async def test_last_event_without_blank_line_is_kept(serve: Serve) -> None:
    assert await read_all(serve, [b"data: 1\n\ndata: 2"], iter_sse_json) == [1, 2]


async def test_blank_keepalive_data_is_skipped(serve: Serve) -> None:
    assert await read_all(serve, [b"data:\n\ndata: 3\n\ndata: \n\n"], iter_sse_json) == [3]


async def test_invalid_utf8_is_replaced_not_fatal(serve: Serve) -> None:
    body = b'event: e\xff\ndata: {"t": "a\xffb"}\n\n'
    events = await read_all(serve, [body], iter_sse)
    assert events == [ServerSentEvent("e\ufffd", '{"t": "a\ufffdb"}')]
    assert await read_all(serve, [body], iter_sse_json) == [{"t": "a\ufffdb"}]
    assert await read_all(serve, [b'{"t": "\xfe"}\n'], iter_json_lines) == [{"t": "\ufffd"}]


async def test_json_lines_skip_blank_lines_and_accept_crlf(serve: Serve) -> None:
    body = [b'{"a": 1}\r\n\r\n  \n{"b"', b': 2}\n{"c": 3}']
    assert await read_all(serve, body, iter_json_lines, delay=0.01) == [
        {"a": 1},
        {"b": 2},
        {"c": 3},
    ]


async def test_iter_lines_keeps_empty_lines(serve: Serve) -> None:
    assert await read_all(serve, [b"a\n\nb\r\nc"], iter_lines) == [b"a", b"", b"b", b"c"]


BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize(
    "pieces",
    [
        [BOM + b"data: x\n\n"],
        [b"\xef", b"\xbb\xbfdata: x\n\n"],
        [b"\xef", b"\xbb", b"\xbf", b"data: x\n\n"],
    ],
)
async def test_a_leading_bom_does_not_cost_the_first_event(
    serve: Serve, pieces: list[bytes]
) -> None:
    """Regression: ``\\ufeffdata`` was read as an unknown field, so the event was lost."""
    events = await read_all(serve, [*pieces, b"data: y\n\n"], iter_sse, delay=0.02)
    assert events == [ServerSentEvent("message", "x"), ServerSentEvent("message", "y")]


async def test_only_one_leading_bom_is_dropped(serve: Serve) -> None:
    body = BOM + BOM + b"data: x\n\ndata: y\n\n"  # the second makes "\ufeffdata": unknown
    assert await read_all(serve, [body], iter_sse) == [ServerSentEvent("message", "y")]


async def test_bytes_that_only_begin_a_bom_are_kept(serve: Serve) -> None:
    assert await read_all(serve, [b"\xef\xbb"], iter_lines) == [b"\xef\xbb"]
    assert await read_all(serve, [b"\xef", b"\xbbx\n"], iter_lines, delay=0.02) == [b"\xef\xbbx"]


async def test_json_lines_and_lines_after_a_bom(serve: Serve) -> None:
    """Regression: NDJSON with a BOM failed on its first line."""
    body = BOM + b'{"a": 1}\n{"b": 2}\n'
    assert await read_all(serve, [body], iter_json_lines) == [{"a": 1}, {"b": 2}]
    assert await read_all(serve, [body], iter_lines) == [b'{"a": 1}', b'{"b": 2}']


def test_parse_json_drops_a_bom() -> None:
    assert parse_json("\ufeff{}") == {}
    assert parse_json(BOM + b"[1]") == [1]


async def test_an_id_with_a_nul_is_ignored(serve: Serve) -> None:
    body = b"id: 1\ndata: a\n\nid: 2\0\ndata: b\n\n"
    assert await read_all(serve, [body], iter_sse) == [
        ServerSentEvent("message", "a", "1"),
        ServerSentEvent("message", "b", "1"),
    ]


DEEP = b"[" * 100_000


def test_deeply_nested_json_is_malformed_not_a_recursion_error() -> None:
    """Regression: ``json.loads`` raises ``RecursionError`` at about 1,000 levels."""
    with pytest.raises(MalformedResponseError, match="nested too deeply") as caught:
        parse_json(DEEP, "Test")
    assert caught.value.provider == "Test"
    assert len(str(caught.value)) < 400


@pytest.mark.parametrize(
    ("body", "reader"),
    [(b"data: " + DEEP + b"\n\n", iter_sse_json), (DEEP + b"\n", iter_json_lines)],
)
async def test_readers_raise_malformed_for_deep_nesting(
    serve: Serve, body: bytes, reader: Reader
) -> None:
    with pytest.raises(MalformedResponseError, match="nested too deeply"):
        await read_all(serve, [body], reader)


async def test_a_megabyte_of_angle_brackets_is_malformed_quickly(serve: Serve) -> None:
    """Regression: the excerpt of a non-JSON line took minutes for 1 MiB of ``<``."""
    started = time.perf_counter()
    with pytest.raises(MalformedResponseError, match="not JSON"):
        await read_all(serve, [b"data: " + b"<" * (1 << 20) + b"\n\n"], iter_sse_json)
    assert time.perf_counter() - started < 2


async def test_non_json_data_is_malformed_with_an_excerpt(serve: Serve) -> None:
    body = b'data: {"ok": 1}\n\ndata: <html><title>Oops</title> not json\n\n'
    seen: list[Any] = []
    with pytest.raises(MalformedResponseError) as caught:
        await read_all_into(serve, [body], iter_sse_json, seen)
    assert seen == [{"ok": 1}]
    assert "not JSON" in str(caught.value)
    assert "Oops" in str(caught.value)
    assert caught.value.provider == "Test"


async def read_all_into(
    serve: Serve,
    pieces: list[bytes],
    reader: Reader,
    seen: list[Any],
    *,
    then: str = "end",
    delay: float | None = None,
    timeouts: Timeouts | None = None,
) -> None:
    """Like ``read_all``, but keeps what arrived in ``seen`` when the read raises."""
    url = await serve(streaming_app(pieces, then=then, delay=delay))
    async with open_http("Test", timeouts=timeouts) as http, http.request("GET", url) as response:
        async for item in reader(response):
            seen.append(item)


def sse_events(count: int) -> list[bytes]:
    return [f'data: {{"n": {i}}}\n\n'.encode() for i in range(count)]


async def test_cut_mid_stream_raises_after_every_complete_event(serve: Serve) -> None:
    seen: list[Any] = []
    pieces = [*sse_events(5), b'data: {"n": 5, "par']
    with pytest.raises(StreamCutError) as caught:
        await read_all_into(serve, pieces, iter_sse_json, seen, then="abort")
    assert seen == [{"n": i} for i in range(5)]
    assert "closed in the middle of the reply" in str(caught.value)
    assert "received so far is kept" in str(caught.value)


async def test_cut_keeps_events_that_arrived_while_the_consumer_was_busy(serve: Serve) -> None:
    """The events after the first arrive, and the cut with them, while the reader is away."""

    async def slow(response: aiohttp.ClientResponse) -> AsyncIterator[Any]:
        async for value in iter_sse_json(response):
            yield value
            await asyncio.sleep(0.2)

    pieces = [*sse_events(5), b"data: {"]
    seen: list[Any] = []
    with pytest.raises(StreamCutError):
        await read_all_into(serve, pieces, slow, seen, then="abort", delay=0.01)
    assert seen == [{"n": i} for i in range(5)]


async def test_silent_server_raises_idle_timeout(serve: Serve) -> None:
    seen: list[Any] = []
    started = time.monotonic()
    timeouts = Timeouts(connect=2, idle=0.3)
    with pytest.raises(IdleTimeoutError) as caught:
        await read_all_into(
            serve, [b"data: 1\n\n"], iter_sse_json, seen, then="hang", timeouts=timeouts
        )
    assert seen == [1]
    assert 0.25 < time.monotonic() - started < 3
    assert "sent nothing for 0.3 s" in str(caught.value)


def big_line_pieces(megabytes: int, piece: int = 1024) -> tuple[list[bytes], str]:
    text = "x" * (megabytes * 1024 * 1024)
    body = b'data: "' + text.encode() + b'"\n\n'
    return [body[i : i + piece] for i in range(0, len(body), piece)], text


async def timed_big_line(serve: Serve, megabytes: int) -> float:
    pieces, text = big_line_pieces(megabytes)
    url = await serve(streaming_app(pieces, delay=0))  # about 2 KB per read on the client
    started = time.perf_counter()
    async with open_http("Test") as http, http.request("GET", url) as response:
        values = [value async for value in iter_sse_json(response)]
    elapsed = time.perf_counter() - started
    assert values == [text]
    return elapsed


async def test_a_5mb_line_in_small_chunks_is_read_in_linear_time(serve: Serve) -> None:
    one = await timed_big_line(serve, 1)
    five = await timed_big_line(serve, 5)
    assert five < 5.0
    assert five < 12 * one, f"1 MB took {one:.3f} s, 5 MB {five:.3f} s: not linear"


async def test_a_line_in_20000_separate_reads_is_joined_once() -> None:
    """The same, with each 256-byte piece read on its own: a quadratic join would take seconds.

    Over a socket, pieces coalesce while the reader is busy, which hides a quadratic join;
    here aiohttp's own ``StreamReader`` is fed one piece per read.
    """
    loop = asyncio.get_running_loop()
    ours, theirs = socket.socketpair()
    with theirs:
        transport, protocol = await loop.connect_accepted_socket(lambda: BaseProtocol(loop), ours)
        try:
            await read_a_line_fed_in_pieces(aiohttp.StreamReader(protocol, 2**30, loop=loop))
        finally:
            transport.close()


async def read_a_line_fed_in_pieces(content: aiohttp.StreamReader) -> None:
    body = b'{"t": "' + b"y" * (5 * 1024 * 1024) + b'"}\n'
    reading = asyncio.create_task(collect(iter_json_lines(cast(Any, Body(content)))))
    started = time.perf_counter()
    for start in range(0, len(body), 256):
        content.feed_data(body[start : start + 256])
        await asyncio.sleep(0)
    content.feed_eof()
    values = await reading
    elapsed = time.perf_counter() - started
    assert values == [{"t": "y" * (5 * 1024 * 1024)}]
    assert elapsed < 1.0, f"20,481 reads of one line took {elapsed:.2f} s"


class Body:
    """What the readers use of a response: its ``content``."""

    def __init__(self, content: aiohttp.StreamReader) -> None:
        self.content = content


async def collect(values: AsyncIterator[Any]) -> list[Any]:
    return [value async for value in values]


async def test_many_small_events_in_big_chunks(serve: Serve) -> None:
    body = b"".join(sse_events(20_000))
    pieces = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    values = await read_all(serve, pieces, iter_sse_json)
    assert values == [{"n": i} for i in range(20_000)]
    assert json.dumps(values[-1]) == '{"n": 19999}'


@pytest.fixture
async def fed() -> AsyncIterator[aiohttp.StreamReader]:
    """aiohttp's own ``StreamReader`` of a socket pair, for a test to feed (and to cut)."""
    loop = asyncio.get_running_loop()
    ours, theirs = socket.socketpair()
    with theirs:
        transport, protocol = await loop.connect_accepted_socket(lambda: BaseProtocol(loop), ours)
        try:
            yield aiohttp.StreamReader(protocol, 2**30, loop=loop)
        finally:
            transport.close()


async def collect_into(values: AsyncIterator[Any], seen: list[Any]) -> None:
    """Every value into ``seen``, which keeps them when the reader raises."""
    async for value in values:
        seen.append(value)


@pytest.mark.parametrize("cut", [False, True])
async def test_the_readers_start_where_an_earlier_read_stopped(
    fed: aiohttp.StreamReader, cut: bool
) -> None:
    """Bytes a caller read itself are not read again, also from what is kept after a cut."""
    fed.feed_data(b"abc\ndef\n")
    assert await fed.read(2) == b"ab"
    if cut:
        fed.set_exception(aiohttp.ClientPayloadError("Response payload is not completed"))
    else:
        fed.feed_eof()
    lines: list[Any] = []
    with pytest.raises(aiohttp.ClientPayloadError) if cut else contextlib.nullcontext():
        await collect_into(iter_lines(cast(Any, Body(fed))), lines)
    assert lines == [b"c", b"def"]


async def test_a_line_over_the_bound_says_what_the_bound_is(fed: aiohttp.StreamReader) -> None:
    fed.feed_data(b"x" * (MAX_LINE_BYTES + 1))
    with pytest.raises(MalformedResponseError) as caught:
        await collect(iter_lines(cast(Any, Body(fed))))
    assert str(caught.value) == (
        "The service sent a line longer than 32 MiB without ending it, so Parley stopped "
        "reading. The service may have changed its protocol; try another provider."
    )


async def test_json_lines_read_without_http_name_the_provider(fed: aiohttp.StreamReader) -> None:
    fed.feed_data(b'{"ok": 1}\nnot json\n')
    fed.feed_eof()
    seen: list[Any] = []
    with pytest.raises(MalformedResponseError) as caught:
        await collect_into(iter_json_lines(cast(Any, Body(fed)), "Ollama"), seen)
    assert seen == [{"ok": 1}]
    assert caught.value.provider == "Ollama"
    assert str(caught.value).startswith("Ollama: The service sent something that is not JSON: ")
