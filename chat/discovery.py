"""Local servers found on their own: the local presets' ports probed, all together, briefly.

A probe is one model-list request to 127.0.0.1; a server that answers is offered with its
models. Nothing listens: Parley only connects out, and only to loopback addresses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from providers.contract import Context, Provider
from providers.errors import CaBundleError, ProviderError
from providers.http import Timeouts
from providers.tls import tls_context

if TYPE_CHECKING:
    import ssl

    import aiohttp

PROBE_SECONDS = 0.25
"""How long one probe may take; they run together, so all are done well within 300 ms."""


@dataclass(frozen=True, slots=True)
class Found:
    """A local server that answered, and the models it offers."""

    provider: Provider
    models: list[str]


async def _probe(
    provider: Provider, http: aiohttp.ClientSession | None, tls: ssl.SSLContext | None
) -> Found | None:
    timeouts = Timeouts(connect=PROBE_SECONDS, idle=PROBE_SECONDS)
    context = Context(http=http, timeouts=timeouts, tls=tls)
    try:  # awaited here, not in a task of wait_for's: cancelled, it leaves nothing behind
        async with asyncio.timeout(PROBE_SECONDS):
            models = await provider.list_models(context)
    except (ProviderError, TimeoutError):
        return None
    return Found(provider, models)


async def discover(
    providers: Iterable[Provider],
    http: aiohttp.ClientSession | None = None,
    *,
    tls: ssl.SSLContext | None = None,
) -> list[Found]:
    """The local servers among ``providers`` that answer, in the order given; ``tls`` is
    what a server at an https:// address is verified with (None: the system's authorities)."""
    local = [p for p in providers if p.local and p.lists_models]
    found = await asyncio.gather(*(_probe(provider, http, tls) for provider in local))
    return [server for server in found if server is not None]


def probe_tls(ca_bundle: str) -> ssl.SSLContext | None:
    """The TLS context probes verify with: the CA bundle's, or None (the system's
    authorities) when none is set or it cannot be used; the request that follows the probes
    says why it cannot."""
    if not ca_bundle:
        return None
    try:
        return tls_context(ca_bundle)
    except CaBundleError:
        return None
