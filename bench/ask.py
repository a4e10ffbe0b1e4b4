"""``parley ask`` from launch to exit, beside a bare aiohttp script doing the same request."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from aiohttp import web

from tests.chat.streaming_server import install_plugin

from .common import Figure, installed, median

TITLE = "parley ask: launch to exit"
ABOUT = (
    "Wall time from spawning the process to its exit, for `parley ask` streaming a 200-word "
    "reply from a loopback SSE server, and for a bare Python script that makes the same request "
    "with aiohttp and prints the text. First through a plugin provider (the test streaming "
    "server's); then through the OpenAICompatible preset (`parley ask --provider "
    "OpenAICompatible --base-url http://127.0.0.1:PORT/v1 --model m hi`) at a loopback "
    "server streaming 200 OpenAI-style chunks, with fresh XDG config and cache directories "
    "and the keyring's fail backend. Each command runs once first (a warm-up that checks the "
    "whole reply was printed); then runs alternate; medians of 15 each."
)
ROOT = Path(__file__).resolve().parent.parent
RUNS = 15
PARLEY = str(Path(sys.executable).with_name("parley"))
WORDS = [f"word{i} " for i in range(200)]

BARE = """
import asyncio, json, sys
import aiohttp

async def main():
    async with aiohttp.ClientSession() as session:
        async with session.post(sys.argv[1] + "/chat", json={"model": "", "messages": [
                {"role": "user", "content": "hi"}]}) as response:
            async for line in response.content:
                if line.startswith(b"data: ") and line[6:].strip() != b"[DONE]":
                    event = json.loads(line[6:])
                    if "text" in event:
                        sys.stdout.write(event["text"])
                        sys.stdout.flush()

asyncio.run(main())
"""

BARE_OPENAI = """
import asyncio, json, sys
import aiohttp

async def main():
    async with aiohttp.ClientSession() as session:
        async with session.post(sys.argv[1] + "/chat/completions", json={"model": "m",
                "messages": [{"role": "user", "content": "hi"}], "stream": True}) as response:
            async for line in response.content:
                if line.startswith(b"data: ") and line[6:].strip() != b"[DONE]":
                    choices = json.loads(line[6:])["choices"]
                    text = choices[0]["delta"].get("content") if choices else None
                    if text:
                        sys.stdout.write(text)
                        sys.stdout.flush()

asyncio.run(main())
"""


def _chunk(delta: dict[str, str], finish: str | None) -> bytes:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    head = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    return f"data: {json.dumps({**head, 'choices': [choice]})}\n\n".encode()


async def _chat(request: web.Request) -> web.StreamResponse:
    """An OpenAI-style streamed completion: a chunk per word, a finish chunk, ``[DONE]``."""
    await request.read()
    response = web.StreamResponse(headers={"content-type": "text/event-stream"})
    await response.prepare(request)
    for word in WORDS:
        await response.write(_chunk({"content": word}, None))
    await response.write(_chunk({}, "stop") + b"data: [DONE]\n\n")
    await response.write_eof()
    return response


async def _start_openai() -> tuple[str, Callable[[], Awaitable[None]]]:
    app = web.Application()
    app.router.add_post("/v1/chat/completions", _chat)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return f"http://127.0.0.1:{runner.addresses[0][1]}/v1", runner.cleanup


async def _start_words() -> tuple[str, Callable[[], Awaitable[None]]]:
    from tests.chat.streaming_server import StreamServer

    server = await StreamServer(" ".join(f"word{i}" for i in range(200))).start()
    return server.url, server.close


Start = Callable[[], Awaitable[tuple[str, Callable[[], Awaitable[None]]]]]


def _serve(start: Start, ready: threading.Event, box: dict[str, object]) -> None:
    async def main() -> None:
        url, close = await start()
        box["url"] = url
        stop = asyncio.Event()
        box["stop"] = (asyncio.get_running_loop(), stop)
        ready.set()
        await stop.wait()
        await close()

    asyncio.run(main())


@contextmanager
def _serving(start: Start) -> Iterator[str]:
    """The URL of the server ``start`` opens, run in a thread of its own while in the block."""
    ready = threading.Event()
    box: dict[str, object] = {}
    thread = threading.Thread(target=_serve, args=(start, ready, box), daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the loopback server did not start")
    try:
        yield str(box["url"])
    finally:
        loop, stop = box["stop"]  # type: ignore[misc]
        loop.call_soon_threadsafe(stop.set)
        thread.join(5)


def _time(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _check(command: list[str], env: dict[str, str], last: str) -> None:
    """Run ``command`` once (a warm-up) and check it printed the whole reply."""
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    assert last in out, f"{command[:3]} printed {out[-200:]!r}"


def _medians(ours: list[str], peer: list[str], env: dict[str, str]) -> tuple[float, float]:
    """The median seconds of each command, their runs alternating."""
    mine: list[float] = []
    theirs: list[float] = []
    for _ in range(RUNS):
        mine.append(_time(ours, env))
        theirs.append(_time(peer, env))
    return median(mine), median(theirs)


def _figure(name: str, parley_s: float, bare_s: float) -> Figure:
    return Figure(
        name,
        parley_s * 1000,
        "ms",
        peer=bare_s * 1000,
        ratio=parley_s / bare_s,
        note="lower is faster; peer: bare aiohttp script; target ≤ 1.5×",
    )


def _plugin() -> Figure:
    """``parley ask`` through a plugin provider (the streaming test server's)."""
    with _serving(_start_words) as url, tempfile.TemporaryDirectory() as tmp:
        install_plugin(Path(tmp), {"Loopback": "tests.chat.streaming_server:Loopback"})
        env = installed(dict(os.environ, PYTHONPATH=f"{tmp}{os.pathsep}{ROOT}", PARLEY_HOME=tmp))
        parley = [PARLEY, "ask", "-p", "Loopback", "--base-url", url, "hi"]
        bare = [sys.executable, "-c", BARE, url]
        for command in (parley, bare):
            _check(command, env, "word199")
        ours, peer = _medians(parley, bare, env)
    return _figure("parley ask, 200 words, launch→exit", ours, peer)


def _clean_env(tmp: str) -> dict[str, str]:
    """No saved settings or model cache, and no keyring opened."""
    return installed(
        dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            PARLEY_HOME=tmp,  # the exchange is saved there, as a user's is
            XDG_CONFIG_HOME=os.path.join(tmp, "config"),
            XDG_CACHE_HOME=os.path.join(tmp, "cache"),
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        )
    )


def _openai_compatible() -> Figure:
    """``parley ask`` through the OpenAICompatible preset at a local server."""
    with _serving(_start_openai) as url, tempfile.TemporaryDirectory() as tmp:
        env = _clean_env(tmp)
        parley = [PARLEY, "ask", "--provider", "OpenAICompatible", "--base-url", url]
        parley += ["--model", "m", "hi"]
        bare = [sys.executable, "-c", BARE_OPENAI, url]
        for command in (parley, bare):
            _check(command, env, WORDS[-1].strip())
        ours, peer = _medians(parley, bare, env)
    return _figure(f"parley ask, OpenAICompatible, {len(WORDS)} chunks, launch→exit", ours, peer)


def run() -> list[Figure]:
    return [_plugin(), _openai_compatible()]
