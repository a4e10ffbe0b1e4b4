"""Readers for streamed replies: lines, server-sent events and JSON lines.

They read the body in the chunks the socket delivers and split lines themselves, so a
line of several megabytes costs one join, a CRLF ending is accepted, and invalid UTF-8 is
replaced rather than fatal. A connection cut mid-stream raises aiohttp's error after every
complete line that arrived has been handed on; read inside ``Http.request`` it becomes a
``StreamCutError`` (or ``IdleTimeoutError``) with a sentence for the user.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, NamedTuple

import aiohttp

from .errors import MalformedResponseError
from .http import excerpt

DONE = "[DONE]"


class ServerSentEvent(NamedTuple):
    """One dispatched event: its ``event`` name ("message" when none was given) and data."""

    event: str
    data: str
    id: str | None = None


async def iter_lines(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    """The body's lines, without their ``\\n`` or ``\\r\\n`` ending."""
    pending: list[bytes] = []
    async for chunk in response.content.iter_any():
        if b"\n" not in chunk:
            pending.append(chunk)
            continue
        if pending:
            pending.append(chunk)
            chunk = b"".join(pending)
            pending.clear()
        lines = chunk.split(b"\n")
        tail = lines.pop()
        if tail:
            pending.append(tail)
        for line in lines:
            yield line[:-1] if line.endswith(b"\r") else line
    if pending:
        line = b"".join(pending)
        yield line[:-1] if line.endswith(b"\r") else line


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


async def iter_sse(response: aiohttp.ClientResponse) -> AsyncIterator[ServerSentEvent]:
    """Server-sent events (the WHATWG rules): ``data:`` lines of one event are joined
    with ``\\n``, ``:`` comment lines (pings) are skipped, a blank line dispatches, and
    a ``data: [DONE]`` event ends the stream."""
    data: list[bytes] = []
    event = ""
    event_id: str | None = None
    async for line in iter_lines(response):
        if not line:
            if data:
                text = _text(b"\n".join(data))
                if text == DONE:
                    return
                yield ServerSentEvent(event or "message", text, event_id)
            data.clear()
            event = ""
            continue
        name, _, value = line.partition(b":")
        if value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            data.append(value)
        elif name == b"event":
            event = _text(value)
        elif name == b"id":
            event_id = _text(value)
        # "" (a comment such as ": ping"), "retry" and unknown fields are ignored.
    if data:
        text = _text(b"\n".join(data))
        if text != DONE:
            yield ServerSentEvent(event or "message", text, event_id)


def parse_json(payload: str | bytes, provider: str | None = None) -> Any:
    """``json.loads`` that raises ``MalformedResponseError`` with an excerpt."""
    try:
        return json.loads(payload)
    except (ValueError, UnicodeDecodeError) as error:
        text = payload if isinstance(payload, str) else _text(payload)
        raise MalformedResponseError(
            f"The service sent something that is not JSON: {excerpt(text)!r}.", provider=provider
        ) from error


async def iter_sse_json(
    response: aiohttp.ClientResponse, provider: str | None = None
) -> AsyncIterator[Any]:
    """The JSON value of each event's data; non-JSON data raises ``MalformedResponseError``."""
    async for event in iter_sse(response):
        yield parse_json(event.data, provider)


async def iter_json_lines(
    response: aiohttp.ClientResponse, provider: str | None = None
) -> AsyncIterator[Any]:
    """One JSON value per non-blank line (NDJSON, as Ollama streams)."""
    async for line in iter_lines(response):
        if line.strip():
            yield parse_json(line, provider)
