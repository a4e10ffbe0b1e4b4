"""Shared parts of the seed-site emulators: serving on 127.0.0.1 and the failures users meet."""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from enum import Enum
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web
from multidict import CIMultiDict

from providers.errors import ProviderError
from providers.types import Chunk

CLOUDFLARE_PAGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"><meta name="robots" content="noindex,nofollow">
</head><body class="no-js"><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">{host}</h1><h2 class="h2" id="challenge-running">
Checking if the site connection is secure</h2><div id="cf-please-wait"><div id="spinner">
</div><p data-translate="please_wait" id="cf-spinner-please-wait">Please stand by, while we
are checking your browser...</p></div></div></div><script>window._cf_chl_opt={{cvId:'2'}};
</script></body></html>"""

RATE_LIMIT_PAGE = (
    "<html><head><title>429 Too Many Requests</title></head><body>"
    "<h1>Too Many Requests</h1><p>You have sent too many requests. Slow down.</p></body></html>"
)

RETRY_AFTER = 7
SLOW_LIMIT = 30.0


class Failure(Enum):
    """What a misbehaving or hostile site answers instead of the reply."""

    FORBIDDEN = "a 403 HTML page"
    CLOUDFLARE = "a Cloudflare challenge page"
    RATE_LIMIT = "429 with Retry-After"
    CUT = "headers and half the body, then the connection aborted"
    GARBAGE = "a 200 whose body is not JSON"
    SLOW = "headers and part of the body, then silence"


@dataclass
class Seen:
    """One request the emulator received."""

    method: str
    path: str
    headers: CIMultiDict[str]
    body: bytes = b""
    cookies: dict[str, str] = field(default_factory=dict)


class Emulator:
    """An ``aiohttp.web`` app on a free loopback port, a request log and a switchable failure.

    Subclasses add their routes in ``routes()`` and answer through ``respond()``, which
    applies the failure set with ``fail()`` to the route it names.
    """

    forbidden_page = (
        "<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1></body></html>"
    )

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.app = web.Application(
            middlewares=[self._record, self._browsers_only, self._moved, self._body_type]
        )
        self.app.add_routes(self.routes())
        self.seen: list[Seen] = []
        self.url = ""
        self.failure: Failure | None = None
        self.fail_route = ""
        self.fail_times: int | None = None
        self.moved_to: str | None = None
        """When set, every request is redirected (307) to the same path on this base URL."""
        self._ssl = ssl_context
        self._runner: web.AppRunner | None = None
        self._released = asyncio.Event()
        self.hung_up = asyncio.Event()
        """Set when a client hung up while a slow answer was waiting (a Stop, say)."""

    body_type = "application/json"
    """The only Content-Type a POST body may have, as on the real site's API."""

    def routes(self) -> list[web.RouteDef]:
        raise NotImplementedError

    async def __aenter__(self) -> Emulator:
        self._runner = web.AppRunner(self.app, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._ssl)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        scheme = "https" if self._ssl else "http"
        self.url = f"{scheme}://{host}:{port}"
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def fail(self, failure: Failure | None, route: str, times: int | None = None) -> None:
        """Answer requests to ``route`` with ``failure`` (``times`` times, or until reset)."""
        self.failure = failure
        self.fail_route = route
        self.fail_times = times

    def requests(self, method: str, path: str) -> list[Seen]:
        return [s for s in self.seen if s.method == method and s.path == path]

    @web.middleware
    async def _record(self, request: web.Request, handler: web.Handler) -> web.StreamResponse:
        body = await request.read()
        cookies = dict(request.cookies)
        self.seen.append(Seen(request.method, request.path, request.headers.copy(), body, cookies))
        return await handler(request)

    @web.middleware
    async def _browsers_only(
        self, request: web.Request, handler: web.Handler
    ) -> web.StreamResponse:
        """Like the real sites' Cloudflare front: no browser user-agent, no entry."""
        if "Mozilla/5.0" not in request.headers.get("User-Agent", ""):
            return cloudflare_response(request)
        return await handler(request)

    @web.middleware
    async def _moved(self, request: web.Request, handler: web.Handler) -> web.StreamResponse:
        """A site that moved to another host: 307, so a POST is resent there with its body."""
        if self.moved_to is not None:
            raise web.HTTPTemporaryRedirect(self.moved_to + request.path_qs)
        return await handler(request)

    @web.middleware
    async def _body_type(self, request: web.Request, handler: web.Handler) -> web.StreamResponse:
        """A POST whose body is not of ``body_type`` is refused, as the real APIs refuse it."""
        if request.method == "POST" and request.content_type != self.body_type:
            return web.json_response(
                {"detail": f"Content-Type must be {self.body_type}, not {request.content_type}"},
                status=415,
            )
        return await handler(request)

    async def respond(
        self, request: web.Request, route: str, body: bytes, content_type: str
    ) -> web.StreamResponse:
        """The normal answer ``body``, unless the failure set for ``route`` replaces it."""
        failure = self._take_failure(route)
        if failure is None:
            return web.Response(body=body, content_type=content_type)
        if failure is Failure.FORBIDDEN:
            return web.Response(status=403, text=self.forbidden_page, content_type="text/html")
        if failure is Failure.CLOUDFLARE:
            return cloudflare_response(request)
        if failure is Failure.RATE_LIMIT:
            headers = {"Retry-After": str(RETRY_AFTER)}
            return web.Response(
                status=429, text=RATE_LIMIT_PAGE, content_type="text/html", headers=headers
            )
        if failure is Failure.GARBAGE:
            garbage = b'{"status": "succ\x00<html>502 Bad Gateway</html>'
            return web.Response(body=garbage, content_type=content_type)
        return await self._partial(request, body, content_type, cut=failure is Failure.CUT)

    def _take_failure(self, route: str) -> Failure | None:
        if self.failure is None or route != self.fail_route:
            return None
        failure = self.failure
        if self.fail_times is not None:
            self.fail_times -= 1
            if self.fail_times <= 0:
                self.failure = None
        return failure

    async def _partial(
        self, request: web.Request, body: bytes, content_type: str, *, cut: bool
    ) -> web.StreamResponse:
        """Headers and the first half of ``body``; then an abort (cut) or silence (slow)."""
        response = web.StreamResponse(headers={"Content-Type": content_type})
        response.content_length = len(body)
        await response.prepare(request)
        await response.write(body[: len(body) // 2])
        if cut:
            await asyncio.sleep(0.05)  # let the half reach the client before the cut
            assert request.transport is not None
            request.transport.abort()
            return response
        try:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), SLOW_LIMIT)
        except asyncio.CancelledError:  # aiohttp cancels the handler when the client hangs up
            self.hung_up.set()
            raise
        return response


def cloudflare_response(request: web.Request) -> web.Response:
    page = CLOUDFLARE_PAGE.format(host=request.host)
    headers = {"cf-mitigated": "challenge", "Server": "cloudflare"}
    return web.Response(status=403, text=page, content_type="text/html", headers=headers)


E = TypeVar("E", bound=Emulator)


@contextmanager
def in_thread(factory: Callable[[], E]) -> Iterator[E]:
    """An emulator on its own loop and thread, for blocking calls (``create_completion``)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="emulator", daemon=True)
    thread.start()

    async def start() -> E:
        emulator = factory()
        await emulator.__aenter__()
        return emulator

    emulator = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    try:
        yield emulator
    finally:
        asyncio.run_coroutine_threadsafe(emulator.__aexit__(None, None, None), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


async def until_error(stream: AsyncIterator[Chunk]) -> tuple[list[Chunk], ProviderError]:
    """The chunks a provider yielded before it raised, and the error (which must come)."""
    chunks: list[Chunk] = []
    try:
        async for chunk in stream:
            chunks.append(chunk)
    except ProviderError as error:
        return chunks, error
    raise AssertionError(f"no error raised; chunks: {chunks!r}")


def text_of(chunks: list[Any]) -> str:
    return "".join(chunk for chunk in chunks if isinstance(chunk, str))
