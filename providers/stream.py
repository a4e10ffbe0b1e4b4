"""Readers for streamed replies: lines, server-sent events and JSON lines.

They read the body in the chunks the socket delivers and split lines themselves, so a
line of several megabytes costs one join, CR, LF and CRLF endings are accepted, one
leading UTF-8 byte order mark is dropped (the WHATWG event-stream rule, kept even when it
arrives split across reads), and invalid UTF-8 is replaced rather than fatal. A
connection cut mid-stream raises aiohttp's error after every complete line that arrived
has been handed on; read inside ``Http.request`` it becomes a ``StreamCutError`` (or
``IdleTimeoutError``) with a sentence for the user.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, NamedTuple

import aiohttp

from .errors import MalformedResponseError
from .http import excerpt

DONE = "[DONE]"
_BOM = b"\xef\xbb\xbf"  # U+FEFF in UTF-8
_CR = 13
_LF = 10
MAX_LINE_BYTES = 32 << 20
"""A longer line (or a longer event) is not a reply: reading stops there, so a hostile
server cannot make Parley hold an endless line in memory."""


_PIECE_COST = 64
"""What holding one more data line costs beyond its bytes (a ``bytes`` object, a list slot)."""


def _too_long(what: str) -> MalformedResponseError:
    return MalformedResponseError(
        f"The service sent {what} longer than {MAX_LINE_BYTES >> 20} MiB without ending it, "
        "so Parley stopped reading."
    )


class ServerSentEvent(NamedTuple):
    """One dispatched event: its ``event`` name ("message" when none was given) and data."""

    event: str
    data: str
    id: str | None = None


def _drain(content: aiohttp.StreamReader) -> bytes:
    """The bytes still buffered in ``content`` after its reads started to raise.

    # WORKAROUND for https://github.com/aio-libs/aiohttp/issues/3026 (the same defect as
    # https://github.com/python/cpython/issues/75044): once the connection is lost,
    # ``readany()`` raises at once and drops what arrived but was not read yet, so a slow
    # consumer would lose the last events before the cut. No public call returns them.
    """
    buffer = getattr(content, "_buffer", None)
    if not buffer:
        return b""
    data = b"".join(buffer)[getattr(content, "_buffer_offset", 0) :]
    buffer.clear()
    return data


async def _chunks(content: aiohttp.StreamReader) -> AsyncIterator[bytes]:
    """The body as the socket delivers it, without a leading byte order mark; on an error,
    what arrived first, then the error."""
    try:
        head = await _head_without_bom(content)
        if head:
            yield head
        while chunk := await content.readany():
            yield chunk
    except Exception as error:
        rest = _drain(content)
        if rest:
            yield rest
        raise error


async def _head_without_bom(content: aiohttp.StreamReader) -> bytes:
    """The first bytes of the body, one leading BOM removed. Only they are checked: the
    reads after them cost nothing more. A BOM may arrive split (``\\xef`` | ``\\xbb\\xbf``)."""
    head = b""
    while len(head) < len(_BOM) and _BOM.startswith(head):
        chunk = await content.readany()
        if not chunk:
            break  # the body ended: a part of a BOM is not one, keep it
        head += chunk
    return head[len(_BOM) :] if head.startswith(_BOM) else head


async def _line_batches(response: aiohttp.ClientResponse) -> AsyncIterator[list[bytes]]:
    """The body's complete lines, a list per chunk received, without their endings."""
    pending: list[bytes] = []  # pieces of a line whose end has not arrived yet
    pending_size = 0
    after_cr = False  # the last chunk ended with CR: a LF starting the next one ends nothing
    async for chunk in _chunks(response.content):
        if after_cr and chunk[0] == _LF:
            chunk = chunk[1:]
            if not chunk:
                after_cr = False  # that LF completed the CRLF; a next LF is a line of its own
                continue
        last = chunk[-1]
        after_cr = last == _CR
        lines = chunk.splitlines()
        ended = last in (_CR, _LF)
        if not ended and len(lines) == 1:
            pending.append(chunk)  # joined once, when the line's end arrives
            pending_size += len(chunk)
            if pending_size > MAX_LINE_BYTES:
                raise _too_long("a line")
            continue
        if pending:
            pending.append(lines[0])
            lines[0] = b"".join(pending)
            pending.clear()
            pending_size = 0
        if not ended:
            pending.append(lines.pop())
            pending_size = len(pending[0])
        yield lines
    if pending:
        yield [b"".join(pending)]


async def iter_lines(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    """The body's lines, without their ``\\n``, ``\\r\\n`` or ``\\r`` ending."""
    async for lines in _line_batches(response):
        for line in lines:
            yield line


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


class _EventParser:
    """The WHATWG event-stream rules, fed whole lines a batch at a time."""

    __slots__ = ("data", "done", "event", "event_id")

    def __init__(self) -> None:
        self.data: list[bytes] = []
        self.event = ""
        self.event_id: str | None = None
        self.done = False

    def feed(self, lines: list[bytes]) -> list[ServerSentEvent]:
        """The events that ``lines`` complete; after ``data: [DONE]`` none, and ``done``."""
        events: list[ServerSentEvent] = []
        data = self.data
        for line in lines:
            if line[:6] == b"data: ":
                data.append(line[6:])
            elif line:
                self._field(line)
            elif data:
                event = self._dispatch()
                if event is None:
                    return events
                events.append(event)
            else:
                self.event = ""
        return events

    def finish(self) -> list[ServerSentEvent]:
        """An event the body ended without a blank line after (servers omit it)."""
        event = self._dispatch() if self.data and not self.done else None
        return [event] if event is not None else []

    def _field(self, line: bytes) -> None:
        name, _, value = line.partition(b":")
        if value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self.data.append(value)
        elif name == b"event":
            self.event = _text(value)
        elif name == b"id" and b"\0" not in value:  # the spec ignores an id with a NUL
            self.event_id = _text(value)
        # "" (a comment such as ": ping"), "retry" and unknown fields are ignored.

    def _dispatch(self) -> ServerSentEvent | None:
        data = self.data
        text = _text(data[0] if len(data) == 1 else b"\n".join(data))
        data.clear()
        event, self.event = self.event, ""
        if text == DONE:
            self.done = True
            return None
        return ServerSentEvent(event or "message", text, self.event_id)


async def _event_batches(response: aiohttp.ClientResponse) -> AsyncIterator[list[ServerSentEvent]]:
    parser = _EventParser()
    counted = size = 0  # of the data lines of the event in progress, and their bytes
    async for lines in _line_batches(response):
        events = parser.feed(lines)
        if events:
            yield events
        if parser.done:
            return
        data = parser.data
        if len(data) < counted or events:  # an event was dispatched: count afresh
            counted = size = 0
        if data:
            size += sum(len(piece) + _PIECE_COST for piece in data[counted:])
            counted = len(data)
            if size > MAX_LINE_BYTES:
                raise _too_long("an event")
    events = parser.finish()
    if events:
        yield events


async def iter_sse(response: aiohttp.ClientResponse) -> AsyncIterator[ServerSentEvent]:
    """Server-sent events (the WHATWG rules): ``data:`` lines of one event are joined
    with ``\\n``, ``:`` comment lines (pings) are skipped, and a blank line dispatches.

    Where we part from the spec: the body's last line counts without a line ending and the
    event it ends in is dispatched (servers omit the blank line), a ``data: [DONE]`` event
    ends the stream, and ``id`` is None until an ``id`` field arrives (the spec's is "").
    tests/providers/test_fuzz_stream.py holds the reader to the spec with these applied.
    """
    async for events in _event_batches(response):
        for event in events:
            yield event


async def iter_line_batches(response: aiohttp.ClientResponse) -> AsyncIterator[list[bytes]]:
    """The body's lines (without their endings), in the batches they arrived in."""
    async for lines in _line_batches(response):
        yield lines


async def iter_sse_batches(
    response: aiohttp.ClientResponse,
) -> AsyncIterator[list[ServerSentEvent]]:
    """The events of ``iter_sse``, in the batches they arrived in (one list per read from
    the socket): a fast reader handles a batch in one loop, with no await per event."""
    async for events in _event_batches(response):
        yield events


def parse_json(payload: str | bytes, provider: str | None = None) -> Any:
    """``json.loads`` of ``payload`` (a leading BOM dropped).

    Raises:
        MalformedResponseError: ``payload`` is not JSON, or is nested too deeply to read
            (``json.loads`` raises ``RecursionError`` at about 1,000 levels). No other error.
    """
    text = payload if isinstance(payload, str) else _text(payload)
    if text[:1] == "\ufeff":
        text = text[1:]
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        deep = isinstance(error, RecursionError)
        what = "JSON nested too deeply to read" if deep else "something that is not JSON"
        raise MalformedResponseError(
            f"The service sent {what}: {excerpt(text)!r}.", provider=provider
        ) from error


async def iter_sse_json(
    response: aiohttp.ClientResponse, provider: str | None = None
) -> AsyncIterator[Any]:
    """The JSON value of each event's data.

    An event whose data is blank (a keep-alive ``data:`` line) is skipped.

    Raises:
        MalformedResponseError: an event's data is not JSON, or is nested too deeply.
    """
    loads = json.loads
    async for events in _event_batches(response):
        for event in events:
            try:
                value = loads(event.data)
            except (ValueError, RecursionError):
                if not event.data.strip():
                    continue
                value = parse_json(event.data, provider)
            yield value


async def iter_json_lines(
    response: aiohttp.ClientResponse, provider: str | None = None
) -> AsyncIterator[Any]:
    """One JSON value per non-blank line (NDJSON, as Ollama streams).

    Raises:
        MalformedResponseError: a line is not JSON, or is nested too deeply.
    """
    async for lines in _line_batches(response):
        for line in lines:
            if line.strip():
                yield parse_json(line, provider)
