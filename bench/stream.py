"""Reading a fast SSE stream: Parley's ``iter_sse_json`` beside a bare aiohttp line loop."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from providers.http import open_http
from providers.stream import iter_sse_json

from .common import Figure, median

TITLE = "Stream reader: SSE events per second"
EVENTS = 200_000
RUNS = 7
ABOUT = (
    f"A loopback aiohttp.web server (its own process) streams {EVENTS:,} events "
    '`data: {"choices":[{"delta":{"content":"tok"}}]}` in 64 KB writes. Parley reads them with '
    "`open_http` → `Http.request` → `iter_sse_json`; the peer is a bare aiohttp client doing "
    '`async for line in resp.content: if line.startswith(b"data: "): json.loads(line[6:])`. '
    f"Both take the delta text of every event. Runs alternate; medians of {RUNS} each."
)
ROOT = Path(__file__).resolve().parent.parent
EVENT = b'data: {"choices":[{"delta":{"content":"tok"}}]}\n\n'


async def _serve_forever() -> None:
    body = EVENT * EVENTS

    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        view = memoryview(body)
        for start in range(0, len(body), 65536):
            await response.write(view[start : start + 65536])
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/stream", stream)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(runner.addresses[0][1], flush=True)
    await asyncio.Event().wait()


async def _parley(url: str) -> int:
    count = 0
    async with open_http("Bench") as http, http.request("GET", url) as response:
        async for value in iter_sse_json(response):
            if value["choices"][0]["delta"]["content"]:
                count += 1
    return count


async def _bare(url: str) -> int:
    count = 0
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        async for line in resp.content:
            if line.startswith(b"data: "):
                value = json.loads(line[6:])
                if value["choices"][0]["delta"]["content"]:
                    count += 1
    return count


async def _rates(url: str) -> tuple[list[float], list[float]]:
    ours: list[float] = []
    peers: list[float] = []
    for _ in range(RUNS):
        for reader, rates in ((_parley, ours), (_bare, peers)):
            started = time.perf_counter()
            count = await reader(url)
            elapsed = time.perf_counter() - started
            assert count == EVENTS, f"{reader.__name__} read {count} events"
            rates.append(count / elapsed)
    return ours, peers


def run() -> list[Figure]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "bench.stream", "--serve"]
    with subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True) as server:
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            ours, peers = asyncio.run(_rates(f"http://127.0.0.1:{port}/stream"))
        finally:
            server.terminate()
    parley, bare = median(ours), median(peers)
    return [
        Figure(
            f"SSE JSON events/s ({EVENTS:,} events)",
            parley,
            "events/s",
            peer=bare,
            ratio=parley / bare,
            note="higher is faster; peer: bare aiohttp readline loop; target ≥ 0.8×",
        )
    ]


if __name__ == "__main__" and sys.argv[1:] == ["--serve"]:
    asyncio.run(_serve_forever())
