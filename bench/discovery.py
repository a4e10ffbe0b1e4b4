"""How long ``chat.discovery.discover`` takes to probe the local presets' ports."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from aiohttp import web

from chat.discovery import PROBE_SECONDS, discover
from providers.contract import Provider
from providers.http import new_client_session
from providers.ollama import OLLAMA
from providers.presets import LOCAL

from .common import Figure, median

TITLE = "Local discovery: probing the local servers' ports"
RUNS = 15
PROVIDERS: tuple[Provider, ...] = (*LOCAL, OLLAMA)
ABOUT = (
    f"Wall time of `discover()` over the {len(PROVIDERS)} local presets (LM Studio, Ollama's "
    "OpenAI API, llama.cpp, vLLM, Ollama's own API), each run on a fresh "
    "`new_client_session` passed in as the app passes its session (so a run includes "
    "opening its connections, as at the app's start). With nothing listening the real presets "
    "are probed; with one server up, copies of the presets point at closed loopback ports but "
    "one, which points at an aiohttp.web server (its own process) answering `GET /v1/models`. "
    f"Medians of {RUNS} runs each."
)
ROOT = Path(__file__).resolve().parent.parent


async def _serve_forever() -> None:
    async def models(request: web.Request) -> web.Response:
        return web.json_response({"data": [{"id": "m"}]})

    app = web.Application()
    app.router.add_get("/v1/models", models)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(runner.addresses[0][1], flush=True)
    await asyncio.Event().wait()


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed again)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _moved(provider: Provider, port: int) -> Provider:
    """``provider`` at ``port`` on loopback, its path (``/v1`` or none) kept."""
    path = provider.url.split("//", 1)[1].partition("/")[2]
    url = f"http://127.0.0.1:{port}" + (f"/{path}" if path else "")
    return dataclasses.replace(provider, url=url, home_url=url)


def _one_up(port: int) -> tuple[Provider, ...]:
    """The presets on closed ports, but the first, which is at ``port``."""
    first, *rest = PROVIDERS
    return (_moved(first, port), *(_moved(p, _closed_port()) for p in rest))


async def _timed(providers: tuple[Provider, ...]) -> tuple[float, int]:
    """Seconds one ``discover`` took, and how many servers it found."""
    async with new_client_session() as session:
        started = time.perf_counter()
        found = await discover(providers, session)
        return time.perf_counter() - started, len(found)


async def _runs(providers: tuple[Provider, ...]) -> tuple[list[float], list[int]]:
    times: list[float] = []
    counts: list[int] = []
    for _ in range(RUNS):
        seconds, found = await _timed(providers)
        times.append(seconds)
        counts.append(found)
    return times, counts


def _figure(name: str, times: list[float], counts: list[int], expected: int) -> Figure:
    right = sum(1 for count in counts if count == expected)
    note = (
        f"lower is faster; found {expected} server{'' if expected == 1 else 's'} in "
        f"{right}/{RUNS} runs; worst {max(times) * 1000:.0f} ms; probe timeout "
        f"{PROBE_SECONDS * 1000:.0f} ms; target ≤ 300 ms"
    )
    return Figure(name, median(times) * 1000, "ms", note=note)


def run() -> list[Figure]:
    idle_times, idle_counts = asyncio.run(_runs(PROVIDERS))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "bench.discovery", "--serve"]
    with subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True) as server:
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            up_times, up_counts = asyncio.run(_runs(_one_up(port)))
        finally:
            server.terminate()
    head = f"discover(), {len(PROVIDERS)} presets"
    return [
        _figure(f"{head}, nothing listening", idle_times, idle_counts, 0),
        _figure(f"{head}, one server up", up_times, up_counts, 1),
    ]


if __name__ == "__main__" and sys.argv[1:] == ["--serve"]:
    asyncio.run(_serve_forever())
