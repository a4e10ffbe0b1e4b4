"""A loopback SSE server and a provider that reads it, for chat/ and CLI tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar

from aiohttp import web

from providers import (
    AsyncGeneratorProvider,
    CredentialUpdate,
    FinishReason,
    ProviderModelMixin,
    Usage,
)
from providers.http import open_http
from providers.stream import iter_sse_json
from providers.types import Chunk, Messages
from tests.support.loopback import json_body, serve_on_loopback


class StreamServer:
    """POST /chat streams the words of ``reply`` as SSE; knobs switch in failure modes."""

    def __init__(self, reply: str = "Hello there, friend.") -> None:
        self.reply = reply
        self.delay = 0.0
        self.fail_status: int | None = None
        self.cut_after: int | None = None
        self.requests: list[dict[str, Any]] = []
        self.disconnected = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> StreamServer:
        app = web.Application()
        app.router.add_post("/chat", self.chat)
        self.runner, self.url = await serve_on_loopback(app)
        return self

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def chat(self, request: web.Request) -> web.StreamResponse:
        body = await json_body(request)
        if not isinstance(body.get("messages"), list):
            raise web.HTTPBadRequest(text="messages are required")
        self.requests.append({"body": body, "headers": dict(request.headers)})
        if self.fail_status:
            return web.Response(status=self.fail_status, text="<h1>Server exploded</h1>")
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        try:
            for index, word in enumerate(self.reply.split(" ")):
                if self.cut_after is not None and index == self.cut_after:
                    assert request.transport is not None
                    request.transport.abort()
                    return response
                text = word if index == 0 else " " + word
                await response.write(f"data: {json.dumps({'text': text})}\n\n".encode())
                if self.delay:
                    await asyncio.sleep(self.delay)
            await response.write(b'data: {"finish": "stop"}\n\ndata: [DONE]\n\n')
        except ConnectionResetError:
            self.disconnected.set()  # the client went away: nothing more to send
        except asyncio.CancelledError:
            self.disconnected.set()
            raise
        return response


class LoopbackChat(AsyncGeneratorProvider):
    """Talks to a StreamServer; declares an API key so credential handling is exercised."""

    url = "http://127.0.0.1:9"
    working = True
    supports_stream = True
    supports_message_history = True
    supports_system_message = True
    credential_kinds = ("api_key",)

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        headers = {"authorization": f"Bearer {kwargs['api_key']}"} if "api_key" in kwargs else {}
        async with (
            open_http(
                cls.get_name(),
                session=kwargs.get("session"),
                proxy=proxy,
                timeouts=kwargs.get("timeouts"),
            ) as http,
            http.request(
                "POST",
                f"{cls.url}/chat",
                json={"model": model, "messages": list(messages)},
                headers=headers,
            ) as response,
        ):
            async for event in iter_sse_json(response, cls.get_name()):
                if "text" in event:
                    yield event["text"]
                elif "finish" in event:
                    yield FinishReason(event["finish"])
                    yield Usage(prompt_tokens=3, completion_tokens=4, total_tokens=7)
                    yield CredentialUpdate("api_key", "rotated-key", scope=cls.origin())


class Loopback(LoopbackChat):
    """The same without credentials, so the command line never opens the keyring for it."""

    credential_kinds = ()


class Forgiving(ProviderModelMixin, Loopback):
    """Replaces a model it does not know with its default, as ChatGpt does with ``auto``."""

    default_model = "small"
    models: ClassVar[list[str]] = ["small"]

    @classmethod
    def get_model(cls, model: str) -> str:
        return model if model in cls.models else cls.default_model


def install_plugin(directory: Path, entries: dict[str, str]) -> Path:
    """Metadata of a third-party package registering ``entries`` (name → "module:Class") in
    the ``parley.providers`` group, as pip would install it; put ``directory`` on PYTHONPATH."""
    info = directory / "parley_testplugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: parley-testplugin\nVersion: 1.0\n")
    lines = "".join(f"{name} = {target}\n" for name, target in entries.items())
    (info / "entry_points.txt").write_text(f"[parley.providers]\n{lines}")
    return directory
