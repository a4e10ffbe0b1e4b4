"""What a client sent: an app-like session that notes each request, and a request's headers."""

from __future__ import annotations

from typing import Any

import aiohttp

from providers.http import new_client_session
from tests.emulators.common import Seen


def traced_session() -> tuple[aiohttp.ClientSession, list[str]]:
    """The app's kind of session, noting each request it sends (``"GET /"``...)."""
    sent: list[str] = []

    async def on_start(
        session: aiohttp.ClientSession, context: Any, params: aiohttp.TraceRequestStartParams
    ) -> None:
        sent.append(f"{params.method} {params.url.path}")

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    return new_client_session(trace_configs=[trace]), sent


def header_names(seen: Seen) -> list[str]:
    """The request's header names, lower case, sorted, a repeated one as often as it came."""
    return sorted(name.lower() for name in seen.headers)
