"""A chat service on 127.0.0.1 (aiohttp.web) and a provider that streams from it over SSE.

The model picks what the server does: ``echo`` streams the prompt back quickly, ``slow``
streams a word every 20 ms for up to 30 s, ``http-500`` answers with a server error, and
``cloudflare`` with a Cloudflare challenge page (HTTP 403).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, ClassVar

from aiohttp import web

from providers import AsyncGeneratorProvider, FinishReason, ProviderModelMixin
from providers.http import open_http
from providers.stream import iter_sse_json
from providers.types import Chunk, Messages

SERVER_ERROR = "The loopback model is overloaded; try again in a minute."
CLOUDFLARE_PAGE = (
    "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    "<div id='cf-please-wait'>Checking your browser</div>"
    "<script>window._cf_chl_opt={}</script></body></html>"
)
SLOW_SECONDS = 30.0


class Loopback(ProviderModelMixin, AsyncGeneratorProvider):
    """Streams from the loopback server; point it there with ``with_base_url``."""

    url = "http://127.0.0.1:9"
    label = "Loopback"
    working = True
    supports_stream = True
    supports_message_history = True
    supports_system_message = True
    default_model = "echo"
    models: ClassVar[list[str]] = ["echo", "slow", "http-500", "cloudflare"]

    @classmethod
    async def create_async_generator(  # type: ignore[override]
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        name = cls.get_name()
        body = {"model": cls.get_model(model), "messages": list(messages)}
        async with (
            open_http(
                name, session=kwargs.get("session"), proxy=proxy, timeouts=kwargs.get("timeouts")
            ) as http,
            http.request("POST", f"{cls.url}/v1/chat", json=body) as response,
        ):
            async for event in iter_sse_json(response, name):
                if text := event.get("text"):
                    yield text
                if finish := event.get("finish"):
                    yield FinishReason(finish)


class Forgiving(Loopback):
    """Replaces a model it does not know with its default, as ChatGpt does with ``auto``."""

    label = "Forgiving"

    @classmethod
    def get_model(cls, model: str) -> str:
        return model if model in cls.models else cls.default_model


class Gone(Loopback):
    """A provider whose site is gone: marked as not working, still selectable."""

    label = "VoiGpt"
    working = False


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object; anything else is refused with 400, as a real API does
    (``request.json()`` would raise, and aiohttp would answer 500 and log an error)."""
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="Content-Type must be application/json")
    try:
        body = json.loads(await request.read())
    except ValueError:
        raise web.HTTPBadRequest(text="The body is not JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="The body is not a JSON object")
    return body


async def serve_on_loopback(app: web.Application) -> tuple[web.AppRunner, str]:
    """Serve ``app`` on a free port of 127.0.0.1: its runner (to clean up) and its URL."""
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


class LoopbackServer:
    """The aiohttp.web app; ``disconnected`` is set when a client hangs up mid-stream."""

    def __init__(self) -> None:
        self.url = ""
        self.disconnected = asyncio.Event()
        self.requests: list[dict[str, Any]] = []
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat", self.handle_chat)
        self._runner, self.url = await serve_on_loopback(app)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def handle_chat(self, request: web.Request) -> web.StreamResponse:
        body = await json_body(request)
        self.requests.append(body)
        model = body.get("model")
        messages = body.get("messages")
        if not isinstance(model, str) or not isinstance(messages, list) or not messages:
            raise web.HTTPBadRequest(text="model and messages are required")
        if model == "http-500":
            return web.Response(status=500, text=SERVER_ERROR)
        if model == "cloudflare":
            return web.Response(status=403, text=CLOUDFLARE_PAGE, content_type="text/html")
        prompt = str(body["messages"][-1]["content"])
        if model == "slow":
            return await self._stream(request, ["word "] * int(SLOW_SECONDS / 0.02), 0.02)
        return await self._stream(request, [f"{w} " for w in f"You said: {prompt}".split()], 0)

    async def _stream(
        self, request: web.Request, words: list[str], delay: float
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        try:
            for word in words:
                await response.write(_event({"text": word}))
                if delay:
                    await asyncio.sleep(delay)
            await response.write(_event({"finish": "stop"}) + b"data: [DONE]\n\n")
        except ConnectionResetError:  # the client hung up: what Stop must cause
            self.disconnected.set()
        except asyncio.CancelledError:
            self.disconnected.set()
            raise
        return response


def _event(data: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(data)}\n\n".encode()
