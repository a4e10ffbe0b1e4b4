"""Shared parts of the API emulators (OpenAI-compatible, Ollama, Anthropic, Gemini).

An ``ApiEmulator`` serves on a free 127.0.0.1 port, records every request, refuses a POST
whose body is not JSON (415, as the services do), and has ``quirks``: a set of switch names,
each one a way a real server differs from its documentation. ``reply`` is the answer text the
emulator streams, word by word.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web
from multidict import CIMultiDict


@dataclass
class Seen:
    """One request the emulator received."""

    method: str
    path: str
    query: dict[str, str]
    headers: CIMultiDict[str]
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Script:
    """What the next reply holds."""

    reply: str = "Hello from the emulator."
    reasoning: str = ""
    pieces: list[str] = field(default_factory=list)
    """The reply in the pieces it is streamed in (default: ``reply`` word by word)."""

    def text_pieces(self) -> list[str]:
        if self.pieces:
            return list(self.pieces)
        words = self.reply.split(" ")
        return [w if i == len(words) - 1 else w + " " for i, w in enumerate(words)]


class ApiEmulator:
    """An API on loopback. Subclasses add ``routes()``; ``quirks`` switch behaviours on."""

    key = "test-key"
    """The one API key accepted."""
    models: tuple[str, ...] = ("test-model", "other-model")

    def __init__(self, *quirks: str, ssl_context: ssl.SSLContext | None = None) -> None:
        self.ssl_context = ssl_context
        """Served over HTTPS with this server context (None: plain HTTP)."""
        self.app = web.Application(middlewares=[self._record, self._json_body])
        self.app.add_routes(self.routes())
        self.seen: list[Seen] = []
        self.quirks: set[str] = set(quirks)
        self.script = Script()
        self.url = ""
        self.status_reply: tuple[int, str, dict[str, str]] | None = None
        """When set, every chat request is answered with this status, body and headers."""
        self.status_times: int | None = None
        """How many requests get ``status_reply`` (None: all of them)."""
        self.hung_up = asyncio.Event()
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None

    def routes(self) -> list[web.RouteDef]:
        raise NotImplementedError

    async def __aenter__(self) -> ApiEmulator:
        self._runner = web.AppRunner(self.app, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self.ssl_context)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"{'https' if self.ssl_context else 'http'}://{host}:{port}"
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def answer_with(
        self,
        status: int,
        body: str,
        headers: dict[str, str] | None = None,
        times: int | None = None,
    ) -> None:
        """Answer the next ``times`` chat requests (or all) with this status and body."""
        self.status_reply = (status, body, headers or {})
        self.status_times = times

    def requests(self, method: str, path: str) -> list[Seen]:
        return [s for s in self.seen if s.method == method and s.path == path]

    def canned(self) -> web.Response | None:
        """The status reply set with ``answer_with``, while it lasts."""
        if self.status_reply is None:
            return None
        if self.status_times is not None:
            if self.status_times <= 0:
                return None
            self.status_times -= 1
        status, body, headers = self.status_reply
        content_type = "text/html" if body.lstrip().startswith("<") else "application/json"
        if not body.lstrip().startswith(("{", "[", "<")):
            content_type = "text/plain"
        return web.Response(status=status, text=body, content_type=content_type, headers=headers)

    async def hang(self) -> None:
        """Wait until the client hangs up (or the emulator closes)."""
        try:
            await self._release.wait()
        except asyncio.CancelledError:
            self.hung_up.set()
            raise

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.read()
        self.seen.append(
            Seen(request.method, request.path, dict(request.query), request.headers.copy(), body)
        )
        response: web.StreamResponse = await handler(request)
        return response

    @web.middleware
    async def _json_body(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """A POST must carry JSON, as the real APIs insist (415, or 400 when not JSON)."""
        if request.method == "POST":
            if request.content_type != "application/json":
                return web.json_response(
                    {"error": {"message": f"Unsupported Content-Type {request.content_type}"}},
                    status=415,
                )
            try:
                json.loads(await request.read())
            except ValueError:
                return web.json_response(
                    {"error": {"message": "The body is not JSON."}}, status=400
                )
        response: web.StreamResponse = await handler(request)
        return response


async def start_stream(
    request: web.Request, content_type: str = "text/event-stream"
) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": content_type})
    await response.prepare(request)
    return response


async def write_all(
    response: web.StreamResponse, pieces: Iterable[bytes], pause: float = 0
) -> None:
    """Write ``pieces`` one at a time (a pause after each, when given)."""
    for piece in pieces:
        await response.write(piece)
        if pause:
            await asyncio.sleep(pause)
