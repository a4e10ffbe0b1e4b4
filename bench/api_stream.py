"""Whole providers reading a fast stream: OpenAICompatible, Anthropic and Gemini beside a bare
aiohttp loop, and OpenAICompatible beside the official ``openai`` SDK."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from providers.anthropic import ANTHROPIC
from providers.contract import Context, Credentials, Provider, Request
from providers.gemini import GEMINI
from providers.http import new_client_session
from providers.presets import OPENAI_COMPATIBLE

from .common import Figure, median

TITLE = "API streams: chunks per second through the whole provider"
CHUNKS = 50_000
RUNS = 5
ABOUT = (
    f"A loopback aiohttp.web server (its own process) answers each API's streaming call with "
    f"{CHUNKS:,} text events of `tok` in its own format (OpenAI chat.completion.chunk, "
    "Anthropic content_block_delta with its framing events, Gemini candidates with CRLF), in "
    "64 KB writes. Parley is the whole provider: `provider.stream(Request, Context)` on one "
    "`new_client_session`, counting the text chunks. The peer is a bare aiohttp loop on one "
    '`ClientSession`: `async for line in resp.content: if line.startswith(b"data: ")`, '
    "`json.loads`, take the event's text. For OpenAI also the official SDK "
    "(`AsyncOpenAI(...).chat.completions.create(stream=True)`). Runs alternate; medians of "
    f"{RUNS} each."
)
ROOT = Path(__file__).resolve().parent.parent
Reader = Callable[[], Awaitable[int]]

OPENAI_PATH = "/v1/chat/completions"
ANTHROPIC_PATH = "/v1/messages"
GEMINI_PATH = "/v1beta/models/m:streamGenerateContent"
MESSAGES = [{"role": "user", "content": "hi"}]
REQUEST = Request("m", ({"role": "user", "content": "hi"},))


def _sse(value: dict[str, Any], event: str = "", end: str = "\n\n") -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(value, separators=(',', ':'))}{end}".encode()


def _openai_body() -> bytes:
    def chunk(delta: dict[str, str], finish: str | None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        head = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}
        return {**head, "choices": [choice]}

    tok = _sse(chunk({"content": "tok"}, None))
    return tok * CHUNKS + _sse(chunk({}, "stop")) + b"data: [DONE]\n\n"


def _anthropic_body() -> bytes:
    message = {"id": "msg", "type": "message", "role": "assistant", "model": "m"}
    message |= {"content": [], "stop_reason": None, "usage": {"input_tokens": 1}}
    block = {"type": "text", "text": ""}
    delta = {"type": "text_delta", "text": "tok"}
    stop = {"stop_reason": "end_turn", "stop_sequence": None}
    before = [
        {"type": "message_start", "message": message},
        {"type": "content_block_start", "index": 0, "content_block": block},
    ]
    after = [
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": stop, "usage": {"output_tokens": CHUNKS}},
        {"type": "message_stop"},
    ]
    tok = _sse({"type": "content_block_delta", "index": 0, "delta": delta}, "content_block_delta")
    return _events(before) + tok * CHUNKS + _events(after)


def _events(values: list[dict[str, Any]]) -> bytes:
    """Anthropic's events, each named by its type."""
    return b"".join(_sse(value, value["type"]) for value in values)


def _gemini_body() -> bytes:
    content = {"role": "model", "parts": [{"text": "tok"}]}
    usage = {"promptTokenCount": 1, "candidatesTokenCount": CHUNKS, "totalTokenCount": CHUNKS + 1}
    last = {"candidates": [{"content": content, "finishReason": "STOP"}], "usageMetadata": usage}
    return _sse({"candidates": [{"content": content}]}, end="\r\n\r\n") * (CHUNKS - 1) + _sse(
        last, end="\r\n\r\n"
    )


def _handler(body: bytes) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def stream(request: web.Request) -> web.StreamResponse:
        await request.read()  # any auth header, any body: the bench is about reading
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        view = memoryview(body)
        for start in range(0, len(body), 65536):
            await response.write(view[start : start + 65536])
        await response.write_eof()
        return response

    return stream


async def _serve_forever() -> None:
    app = web.Application()
    app.router.add_post(OPENAI_PATH, _handler(_openai_body()))
    app.router.add_post(ANTHROPIC_PATH, _handler(_anthropic_body()))
    app.router.add_post(GEMINI_PATH, _handler(_gemini_body()))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(runner.addresses[0][1], flush=True)
    await asyncio.Event().wait()


async def _parley(provider: Provider, session: aiohttp.ClientSession) -> int:
    context = Context(http=session, credentials=Credentials(api_key="k"))
    chunks = [chunk async for chunk in provider.stream(REQUEST, context)]
    return sum(1 for chunk in chunks if isinstance(chunk, str))


def _openai_text(value: dict[str, Any]) -> str | None:
    return value["choices"][0]["delta"].get("content")


def _anthropic_text(value: dict[str, Any]) -> str | None:
    return value["delta"]["text"] if value["type"] == "content_block_delta" else None


def _gemini_text(value: dict[str, Any]) -> str | None:
    return value["candidates"][0]["content"]["parts"][0]["text"]


async def _bare(
    session: aiohttp.ClientSession, url: str, body: dict[str, Any], text: Callable[..., str | None]
) -> int:
    count = 0
    async with session.post(url, json=body, headers={"authorization": "Bearer k"}) as resp:
        async for line in resp.content:
            if (
                line.startswith(b"data: ")
                and line[6:].rstrip() != b"[DONE]"
                and text(json.loads(line[6:]))
            ):
                count += 1
    return count


async def _sdk(client: Any) -> int:
    count = 0
    stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            count += 1
    return count


async def _sdk_client(stack: AsyncExitStack, base: str) -> Any | None:
    try:
        import openai
    except ImportError:
        return None
    return await stack.enter_async_context(openai.AsyncOpenAI(base_url=f"{base}/v1", api_key="k"))


async def _readers(stack: AsyncExitStack, base: str) -> dict[str, dict[str, Reader]]:
    """For each API, its readers by name (each call reads one whole stream)."""
    ours = await stack.enter_async_context(new_client_session())
    bare = await stack.enter_async_context(aiohttp.ClientSession())
    openai_body = {"model": "m", "messages": MESSAGES, "stream": True}
    anthropic_body = {"model": "m", "max_tokens": 8192, "messages": MESSAGES, "stream": True}
    gemini_body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    readers: dict[str, dict[str, Reader]] = {
        "openai": {
            "parley": partial(_parley, OPENAI_COMPATIBLE.with_base_url(f"{base}/v1"), ours),
            "bare": partial(_bare, bare, base + OPENAI_PATH, openai_body, _openai_text),
        },
        "anthropic": {
            "parley": partial(_parley, ANTHROPIC.with_base_url(f"{base}/v1"), ours),
            "bare": partial(_bare, bare, base + ANTHROPIC_PATH, anthropic_body, _anthropic_text),
        },
        "gemini": {
            "parley": partial(_parley, GEMINI.with_base_url(f"{base}/v1beta"), ours),
            "bare": partial(_bare, bare, f"{base}{GEMINI_PATH}?alt=sse", gemini_body, _gemini_text),
        },
    }
    client = await _sdk_client(stack, base)
    if client is not None:
        readers["openai"]["sdk"] = partial(_sdk, client)
    return readers


async def _rates(readers: dict[str, Reader]) -> dict[str, float]:
    """The median chunks/s of each reader, their runs alternating."""
    rates: dict[str, list[float]] = {name: [] for name in readers}
    for _ in range(RUNS):
        for name, read in readers.items():
            started = time.perf_counter()
            count = await read()
            elapsed = time.perf_counter() - started
            assert count == CHUNKS, f"{name} read {count} of {CHUNKS} chunks"
            rates[name].append(count / elapsed)
    return {name: median(values) for name, values in rates.items()}


async def _measure(base: str) -> dict[str, dict[str, float]]:
    async with AsyncExitStack() as stack:
        readers = await _readers(stack, base)
        return {api: await _rates(each) for api, each in readers.items()}


def _vs(name: str, rates: dict[str, float], peer: str, target: str, what: str) -> Figure:
    ours = rates["parley"]
    if peer not in rates:
        skipped = "skipped: the openai SDK is not installed (`pip install -e '.[bench]'`)"
        return Figure(name, ours, "chunks/s", note=f"{skipped}; target ≥ {target}")
    theirs = rates[peer]
    note = f"higher is faster; peer: {what}; target ≥ {target}"
    return Figure(name, ours, "chunks/s", peer=theirs, ratio=ours / theirs, note=note)


def _figures(measured: dict[str, dict[str, float]]) -> list[Figure]:
    bare = "bare aiohttp readline loop + json.loads"
    sdk = "official openai SDK, AsyncOpenAI"
    openai, head = measured["openai"], f"({CHUNKS:,} chunks)"
    return [
        _vs(f"OpenAICompatible chunks/s {head}", openai, "bare", "1.0×", bare),
        _vs(f"OpenAICompatible vs openai SDK {head}", openai, "sdk", "10×", sdk),
        _vs(f"Anthropic chunks/s {head}", measured["anthropic"], "bare", "0.8×", bare),
        _vs(f"Gemini chunks/s {head}", measured["gemini"], "bare", "0.8×", bare),
    ]


def run() -> list[Figure]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "bench.api_stream", "--serve"]
    with subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True) as server:
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            measured = asyncio.run(_measure(f"http://127.0.0.1:{port}"))
        finally:
            server.terminate()
    return _figures(measured)


if __name__ == "__main__" and sys.argv[1:] == ["--serve"]:
    asyncio.run(_serve_forever())
