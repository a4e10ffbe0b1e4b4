"""Property tests of the stream readers, ``parse_json`` and ``excerpt`` on generated input.

The readers are held against a plain reference of the WHATWG event-stream rules
(https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation)
with our documented deviations applied as small named adjustments. Each generated body is
fed to aiohttp's own ``StreamReader`` in generated chunks, one chunk per read, with splits
inside CRLF pairs, inside multi-byte UTF-8 sequences and inside a leading BOM.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from itertools import pairwise
from typing import Any, cast

import aiohttp
import pytest
from aiohttp.base_protocol import BaseProtocol
from hypothesis import example, given
from hypothesis import strategies as st

from providers.errors import MalformedResponseError
from providers.http import EXCERPT_CHARS, excerpt
from providers.stream import (
    DONE,
    ServerSentEvent,
    iter_json_lines,
    iter_lines,
    iter_sse,
    iter_sse_json,
    parse_json,
)
from tests.support.fuzz import ends_within, only_raises

pytestmark = pytest.mark.fuzz

Reader = Callable[[aiohttp.ClientResponse], AsyncIterator[Any]]
BOM = b"\xef\xbb\xbf"


# The reference: the spec's steps, written plainly.


def spec_decode(body: bytes, errors: str = "replace") -> str:
    """The stream decoded as UTF-8 (replacing invalid bytes), one leading BOM dropped."""
    text = body.decode("utf-8", errors)
    return text[1:] if text.startswith("\ufeff") else text


def spec_lines(text: str) -> tuple[list[str], str]:
    """The lines ended by CRLF, LF or CR, and what follows the last line ending."""
    lines: list[str] = []
    start = index = 0
    while index < len(text):
        if text[index] in "\r\n":
            lines.append(text[start:index])
            if text[index : index + 2] == "\r\n":
                index += 1
            start = index + 1
        index += 1
    return lines, text[start:]


def spec_events(lines: list[str], last_event_id: str | None = "") -> list[ServerSentEvent]:
    """Interpret ``lines``: the event each blank line dispatches, nothing at the end.

    ``last_event_id`` is the last event ID buffer's start ("" in the spec).
    """
    events: list[ServerSentEvent] = []
    data = event_type = ""
    for line in lines:
        if not line:  # dispatch
            if data:
                events.append(ServerSentEvent(event_type or "message", data[:-1], last_event_id))
            data = event_type = ""
            continue
        if line.startswith(":"):
            continue  # a comment
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            event_type = value
        elif field == "data":
            data += value + "\n"
        elif field == "id" and "\0" not in value:
            last_event_id = value
        # "retry" sets the reconnection time, which a reader has no use for; others: ignored.
    return events


# Our documented deviations, each one named.


def last_line_without_ending(lines: list[str], rest: str) -> list[str]:
    """The body's last line counts even when no line ending follows it."""
    return [*lines, rest] if rest else lines


def dispatch_at_the_end(lines: list[str]) -> list[str]:
    """The event the body ends in is dispatched, as if a blank line followed."""
    return [*lines, ""]


def until_done(events: list[ServerSentEvent]) -> list[ServerSentEvent]:
    """``data: [DONE]`` ends the stream: neither it nor anything after it is an event."""
    for index, event in enumerate(events):
        if event.data == DONE:
            return events[:index]
    return events


NO_ID_YET = None
"""``ServerSentEvent.id`` is None, not "", until an ``id`` field arrives."""


def expected_events(body: bytes) -> list[ServerSentEvent]:
    lines, rest = spec_lines(spec_decode(body))
    lines = dispatch_at_the_end(last_line_without_ending(lines, rest))
    return until_done(spec_events(lines, last_event_id=NO_ID_YET))


def expected_lines(body: bytes) -> list[bytes]:
    """``iter_lines``: the spec's lines, as bytes (``surrogateescape`` keeps invalid UTF-8)."""
    lines, rest = spec_lines(spec_decode(body, "surrogateescape"))
    return [
        line.encode("utf-8", "surrogateescape") for line in last_line_without_ending(lines, rest)
    ]


# Driving the real readers: aiohttp's StreamReader, fed one chunk per read.


class Body:
    """What the readers use of a response: its ``content``."""

    def __init__(self, content: aiohttp.StreamReader) -> None:
        self.content = content


async def collect(values: AsyncIterator[Any]) -> list[Any]:
    return [value async for value in values]


async def read_fed(chunks: list[bytes], reader: Reader) -> list[Any]:
    """What ``reader`` yields for a body that arrives as ``chunks``, each read on its own.

    The reader runs in its own task; after each ``feed_data`` the feeder yields once, and the
    reader (woken first) takes that chunk and waits in ``readany()`` again before the next.
    The protocol sits on one end of a socket pair: aiohttp reads only while it is connected.
    """
    loop = asyncio.get_running_loop()
    ours, theirs = socket.socketpair()
    with theirs:
        transport, protocol = await loop.connect_accepted_socket(lambda: BaseProtocol(loop), ours)
        try:
            return await feed(aiohttp.StreamReader(protocol, 2**30, loop=loop), chunks, reader)
        finally:
            transport.close()


async def feed(content: aiohttp.StreamReader, chunks: list[bytes], reader: Reader) -> list[Any]:
    reading = asyncio.create_task(collect(reader(cast(Any, Body(content)))))
    for chunk in chunks:
        await asyncio.sleep(0)
        content.feed_data(chunk)
    await asyncio.sleep(0)
    content.feed_eof()
    return await reading


async def raw_reads(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    while chunk := await response.content.readany():
        yield chunk


# Generated bodies, and ways to cut them.

VALUE_PARTS = [b"a", b"1", b" ", b"  ", b":", b"\0", b"\0", b"{}", b'"x"', DONE.encode()]
VALUE_PARTS += ["é".encode(), "€".encode(), "😀".encode(), BOM, b"\xff", b"\xe2\x82", b"\xc3"]
NAMES = [b"data", b"data", b"data", b"event", b"id", b"id", b"retry", b"", b"Data", b"data "]
ENDINGS = [b"\n", b"\r", b"\r\n"]

field_values = st.lists(st.sampled_from(VALUE_PARTS), max_size=6).map(b"".join)


FORMS = ["colon space", "colon", "bare", "comment", "id", "blank", "blank"]


@st.composite
def sse_lines(draw: st.DrawFn) -> bytes:
    """A field, a field without a colon, a comment, an id, or a blank line."""
    name, value = draw(st.sampled_from(NAMES)), draw(field_values)
    line = {
        "colon space": name + b": " + value,
        "colon": name + b":" + value,
        "bare": name,
        "comment": b":" + value,
        "id": b"id: " + value + draw(st.sampled_from([b"", b"\0"])),
        "blank": b"",
    }[draw(st.sampled_from(FORMS))]
    return line + draw(st.sampled_from(ENDINGS))


@st.composite
def sse_bodies(draw: st.DrawFn) -> bytes:
    bom = draw(st.sampled_from([b"", b"", BOM, BOM + BOM]))
    lines = draw(st.lists(sse_lines(), max_size=25))
    tail = draw(st.sampled_from([b"", b"", b"data: end", b"data: [DONE]", b"event: e", b"\r"]))
    return bom + b"".join(lines) + tail


TOKENS = [b"\r", b"\n", b"\r\n", b"data", b"data:", b": ", b" ", b"event:", b"id:", b"\0"]
TOKENS += [b"x", b"[DONE]", BOM, b"\xef", b"\xbb\xbf", "€".encode(), b"\xe2\x82", b"\xff"]
token_soup = st.lists(st.sampled_from(TOKENS), max_size=60).map(b"".join)
any_body = st.one_of(sse_bodies(), sse_bodies(), sse_bodies(), token_soup, st.binary(max_size=300))


def tricky_cuts(body: bytes) -> list[int]:
    """Cut points between a CR and its LF, and before each UTF-8 continuation byte (inside a
    multi-byte character, or inside a BOM)."""
    return [
        index
        for index in range(1, len(body))
        if body[index - 1 : index + 1] == b"\r\n" or 0x80 <= body[index] < 0xC0
    ]


@st.composite
def deliveries(draw: st.DrawFn, bodies: st.SearchStrategy[bytes]) -> tuple[bytes, list[bytes]]:
    """A body, and the chunks it arrives in."""
    body = draw(bodies)
    if len(body) < 2:
        return body, [body] if body else []
    if draw(st.integers(0, 9)) == 0:
        return body, [body[index : index + 1] for index in range(len(body))]
    tricky = tricky_cuts(body)
    cuts = set(draw(st.lists(st.sampled_from(tricky), max_size=8))) if tricky else set()
    cuts |= set(draw(st.lists(st.integers(1, len(body) - 1), max_size=8)))
    bounds = [0, *sorted(cuts), len(body)]
    return body, [body[start:end] for start, end in pairwise(bounds)]


# The properties.


@given(deliveries(any_body))
async def test_the_feeder_hands_each_chunk_to_one_read(delivery: tuple[bytes, list[bytes]]) -> None:
    _, chunks = delivery
    assert await read_fed(chunks, raw_reads) == chunks


@given(deliveries(any_body))
@example((b"\xef\xbb\xbfdata: x\n\n", [b"\xef", b"\xbb\xbfdata: x\n\n"]))
@example((b"\xef\xbb\xbfdata: x\n\n", [b"\xef\xbb", b"\xbf", b"data: x\n\n"]))
@example((b"data: a\r\n\r\ndata: b", [b"data: a\r", b"\n\r", b"\ndata: b"]))
@example((b"id: 1\n\nid: 2\0\ndata: x\n\n", [b"id: 1\n\nid: 2\0\ndata: x\n\n"]))
async def test_iter_sse_follows_the_whatwg_rules(delivery: tuple[bytes, list[bytes]]) -> None:
    body, chunks = delivery
    assert b"".join(chunks) == body
    assert await read_fed(chunks, iter_sse) == expected_events(body)


@given(deliveries(any_body))
@example((b"\xef\xbb\xbfa\r\nb", [b"\xef\xbb", b"\xbfa\r", b"\nb"]))
async def test_iter_lines_splits_as_the_spec_does(delivery: tuple[bytes, list[bytes]]) -> None:
    body, chunks = delivery
    assert b"".join(chunks) == body
    assert await read_fed(chunks, iter_lines) == expected_lines(body)


def json_values_of(events: list[ServerSentEvent]) -> list[Any] | None:
    """What ``iter_sse_json`` yields for ``events``, or None where it must raise."""
    values: list[Any] = []
    for event in events:
        if not event.data.strip():
            continue  # a keep-alive
        if not is_json(event.data):
            return None
        values.append(json.loads(event.data.removeprefix("\ufeff")))
    return values


@given(deliveries(any_body))
@example(
    (
        b'data: \xef\xbb\xbf{"a": 1}\n\ndata: \n\ndata: 2',
        [b"data: \xef", b'\xbb\xbf{"a": 1}\n\ndata: \n\ndata: 2'],
    )
)
async def test_iter_sse_json_yields_the_events_json_or_malformed(
    delivery: tuple[bytes, list[bytes]],
) -> None:
    body, chunks = delivery
    assert b"".join(chunks) == body
    expected = json_values_of(expected_events(body))
    try:
        with ends_within():
            values = await read_fed(chunks, iter_sse_json)
    except MalformedResponseError:
        values = None
    assert values == expected


JSON_UNITS = ["[", "{", '{"a":', '"', "\\u", "1", "-", "<", "\ufeff", "\\", " ", "\n", "]"]


@st.composite
def adversarial_json(draw: st.DrawFn) -> str:
    """Deep nesting, long runs of one token and up to ~1 MiB, plus random text."""
    unit = draw(st.sampled_from(JSON_UNITS))
    run = unit * draw(st.integers(1, (1 << 20) // len(unit)))
    return draw(st.text(max_size=20)) + run + draw(st.text(max_size=20))


def json_arrays(items: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    return st.lists(items)


json_inputs = st.one_of(
    adversarial_json(),
    st.text(),
    st.binary().map(lambda raw: raw.decode("utf-8", "replace")),
    st.recursive(st.none() | st.integers() | st.text(), json_arrays).map(json.dumps),
)


@given(json_inputs)
@example("[" * (1 << 20))
@example('{"a":' * 50_000)
@example("[" * 5000 + "]" * 5000)
@example("1" * 100_000)
def test_parse_json_raises_only_malformed_response(text: str) -> None:
    result = only_raises(lambda: parse_json(text, "Test"), MalformedResponseError)
    if isinstance(result, MalformedResponseError):
        assert result.provider == "Test"
        assert len(result.message) < 100 + 10 * EXCERPT_CHARS  # an excerpt, even escaped
    only_raises(lambda: parse_json(text.encode()), MalformedResponseError)


@given(adversarial_json(), st.booleans())
@example("[" * (1 << 20), True)
@example('{"a":' * 200_000, False)
@example("\ufeff" + "1" * (1 << 20), False)
@example("<" * (1 << 20), True)
async def test_json_readers_raise_only_malformed_response_on_big_lines(
    text: str, as_sse: bool
) -> None:
    line = text.replace("\r", " ").replace("\n", " ").encode()
    body = b"data: " + line + b"\n\n" if as_sse else line + b"\n"
    chunks = [body[start : start + 65536] for start in range(0, len(body), 65536)]
    try:
        with ends_within():
            await read_fed(chunks, iter_sse_json if as_sse else iter_json_lines)
    except MalformedResponseError:
        raised = True
    else:
        raised = False
    assert raised != (sse_data_passes(line) if as_sse else json_line_passes(line))


def sse_data_passes(data: bytes) -> bool:
    """``iter_sse_json`` yields JSON data and skips blank data; the rest is malformed."""
    text = data.decode("utf-8", "replace")
    return not text.strip() or is_json(text)


def json_line_passes(line: bytes) -> bool:
    """``iter_json_lines`` (the body's BOM dropped) yields JSON lines and skips blank ones."""
    line = line.removeprefix(BOM)
    return not line.strip() or is_json(line.decode("utf-8", "replace"))


def is_json(text: str) -> bool:
    """``parse_json``'s rule: JSON, once one leading BOM is dropped."""
    try:
        json.loads(text.removeprefix("\ufeff"))
    except (ValueError, RecursionError):
        return False
    return True


HTML_UNITS = ["<", ">", "</", "<title>", "</title>", "<script>", "</script>", "<style", "<a ", "&"]


@st.composite
def adversarial_html(draw: st.DrawFn) -> str:
    unit = draw(st.sampled_from(HTML_UNITS))
    run = unit * draw(st.integers(1, (1 << 20) // len(unit)))
    soup = draw(st.lists(st.sampled_from([*HTML_UNITS, "x", " ", "\n", "İ", "é"]), max_size=40))
    return "".join(soup) + run + "".join(soup)


@given(st.one_of(adversarial_html(), st.text()), st.integers(2, 400))
@example("<" * (1 << 20), EXCERPT_CHARS)
@example("<title>" + "x" * (1 << 20), EXCERPT_CHARS)
def test_excerpt_is_short_single_line_and_quick(body: str, limit: int) -> None:
    text = only_raises(lambda: excerpt(body, limit))
    assert isinstance(text, str)
    assert len(text) <= limit
    assert text == " ".join(text.split())  # one line, whitespace collapsed


@given(st.text().filter(lambda text: "<" not in text))
def test_excerpt_of_plain_text_is_the_text_collapsed(body: str) -> None:
    text = " ".join(body.split())
    cut = text[: EXCERPT_CHARS - 1] + "…"
    assert excerpt(body) == (text if len(text) <= EXCERPT_CHARS else cut)
