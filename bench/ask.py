"""``parley ask`` from launch to exit, beside a bare aiohttp script doing the same request."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.chat.streaming_server import install_plugin

from .common import Figure, median

TITLE = "parley ask: launch to exit"
ABOUT = (
    "Wall time from spawning the process to its exit, for `parley ask` streaming a 200-word "
    "reply from a loopback SSE server, and for a bare Python script that makes the same request "
    "with aiohttp and prints the text. Runs alternate; medians of 15 each."
)
ROOT = Path(__file__).resolve().parent.parent
RUNS = 15

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


def _serve(ready: threading.Event, box: dict[str, object]) -> None:
    from tests.chat.streaming_server import StreamServer

    async def main() -> None:
        server = await StreamServer(" ".join(f"word{i}" for i in range(200))).start()
        box["url"] = server.url
        stop = asyncio.Event()
        box["stop"] = (asyncio.get_running_loop(), stop)
        ready.set()
        await stop.wait()
        await server.close()

    asyncio.run(main())


def _time(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def run() -> list[Figure]:
    ready = threading.Event()
    box: dict[str, object] = {}
    thread = threading.Thread(target=_serve, args=(ready, box), daemon=True)
    thread.start()
    ready.wait(10)
    url = str(box["url"])
    with tempfile.TemporaryDirectory() as tmp:
        install_plugin(Path(tmp), {"Loopback": "tests.chat.streaming_server:Loopback"})
        env = dict(os.environ, PYTHONPATH=f"{tmp}{os.pathsep}{ROOT}")
        parley = [str(Path(sys.executable).with_name("parley")), "ask", "-p", "Loopback"]
        parley += ["--base-url", url, "hi"]
        bare = [sys.executable, "-c", BARE, url]
        ours, peers = [], []
        for _ in range(RUNS):
            ours.append(_time(parley, env))
            peers.append(_time(bare, env))
    loop, stop = box["stop"]  # type: ignore[misc]
    loop.call_soon_threadsafe(stop.set)
    thread.join(5)
    parley_s, bare_s = median(ours), median(peers)
    return [
        Figure(
            "parley ask, 200 words, launch→exit",
            parley_s * 1000,
            "ms",
            peer=bare_s * 1000,
            ratio=parley_s / bare_s,
            note="lower is faster; peer: bare aiohttp script; target ≤ 1.5×",
        )
    ]
