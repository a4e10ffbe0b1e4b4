"""Readers for streamed replies: lines, server-sent events and JSON lines.

They read the body in the chunks the socket delivers and split lines themselves, so a
line of several megabytes costs one join, CR, LF and CRLF endings are accepted, and
invalid UTF-8 is replaced rather than fatal. A connection cut mid-stream raises aiohttp's
error after every complete line that arrived has been handed on; read inside
``Http.request`` it becomes a ``StreamCutError`` (or ``IdleTimeoutError``) with a sentence
for the user.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, NamedTuple

import aiohttp

from .errors import MalformedResponseError
from .http import excerpt

DONE = "[DONE]"
_CR = 13
_LF = 10


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
    """The body as the socket delivers it; on an error, what arrived first, then the error."""
    while True:
        try:
            chunk = await content.readany()
        except Exception as error:
            rest = _drain(content)
            if rest:
                yield rest
            raise error
        if not chunk:
            return
        yield chunk


async def _line_batches(response: aiohttp.ClientResponse) -> AsyncIterator[list[bytes]]:
    """The body's complete lines, a list per chunk received, without their endings."""
    pending: list[bytes] = []  # pieces of a line whose end has not arrived yet
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
            continue
        if pending:
            pending.append(lines[0])
            lines[0] = b"".join(pending)
            pending.clear()
        if not ended:
            pending.append(lines.pop())
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
        elif name == b"id":
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
    async for lines in _line_batches(response):
        events = parser.feed(lines)
        if events:
            yield events
        if parser.done:
            return
    events = parser.finish()
    if events:
        yield events


async def iter_sse(response: aiohttp.ClientResponse) -> AsyncIterator[ServerSentEvent]:
    """Server-sent events (the WHATWG rules): ``data:`` lines of one event are joined
    with ``\\n``, ``:`` comment lines (pings) are skipped, a blank line dispatches, and
    a ``data: [DONE]`` event ends the stream."""
    async for events in _event_batches(response):
        for event in events:
            yield event


def parse_json(payload: str | bytes, provider: str | None = None) -> Any:
    """``json.loads`` that raises ``MalformedResponseError`` with an excerpt."""
    text = payload if isinstance(payload, str) else _text(payload)
    try:
        return json.loads(text)
    except ValueError as error:
        raise MalformedResponseError(
            f"The service sent something that is not JSON: {excerpt(text)!r}.", provider=provider
        ) from error


async def iter_sse_json(
    response: aiohttp.ClientResponse, provider: str | None = None
) -> AsyncIterator[Any]:
    """The JSON value of each event's data; non-JSON data raises ``MalformedResponseError``.

    An event whose data is blank (a keep-alive ``data:`` line) is skipped.
    """
    loads = json.loads
    async for events in _event_batches(response):
        for event in events:
            try:
                value = loads(event.data)
            except ValueError:
                if not event.data.strip():
                    continue
                value = parse_json(event.data, provider)
            yield value


async def iter_json_lines(
    response: aiohttp.ClientResponse, provider: str | None = None
) -> AsyncIterator[Any]:
    """One JSON value per non-blank line (NDJSON, as Ollama streams)."""
    async for lines in _line_batches(response):
        for line in lines:
            if line.strip():
                yield parse_json(line, provider)
