"""Model lists: fetched from the service, kept on disk, the built-in list when both fail.

The cache is ``models.json`` in the cache folder (``chat.paths``): for each provider, the base
URL it was fetched from, the names and when. A list older than ``MAX_AGE`` seconds is fetched
again; a damaged cache is ignored (it only saves a request). File work runs on a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from providers.contract import Context, Provider
from providers.errors import IdleTimeoutError, ProviderError, StreamCutError

MAX_AGE = 24 * 3600.0


def default_cache_path() -> Path:
    from .paths import cache_dir

    return cache_dir() / "models.json"


@dataclass(frozen=True, slots=True)
class ModelList:
    """The models to offer, where they came from (``"service"``, ``"cache"``, ``"built-in"``)
    and, when the service could not be asked, why (a sentence for beside the dropdown)."""

    models: list[str]
    source: str
    problem: str = ""


class ModelCache:
    """Model lists by provider, in one small JSON file."""

    def __init__(self, path: Path | None = None, *, clock: Any = time.time) -> None:
        self.path = path or default_cache_path()
        self._clock = clock
        self._lock = asyncio.Lock()

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, name: str, url: str, models: list[str]) -> None:
        data = self._read()
        data[name] = {"url": url, "models": models, "fetched": self._clock()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, self.path)

    async def get(self, provider: Provider, *, fresh_only: bool = True) -> list[str] | None:
        """The cached list for ``provider`` at its base URL, if there is one (and, with
        ``fresh_only``, younger than ``MAX_AGE``)."""
        entry = (await asyncio.to_thread(self._read)).get(provider.name)
        if not isinstance(entry, dict) or entry.get("url") != provider.url:
            return None
        models, fetched = entry.get("models"), entry.get("fetched")
        if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
            return None
        if fresh_only and not (
            isinstance(fetched, int | float) and 0 <= self._clock() - fetched < MAX_AGE
        ):
            return None
        return list(models)

    async def put(self, provider: Provider, models: list[str]) -> None:
        async with self._lock:
            # A cache that cannot be written only costs a request next time.
            with contextlib.suppress(OSError):
                await asyncio.to_thread(self._write, provider.name, provider.url, models)


async def model_list(
    provider: Provider,
    context: Context | Callable[[], Awaitable[Context]],
    cache: ModelCache,
    *,
    refresh: bool = False,
) -> ModelList:
    """The models of ``provider``: a fresh cached list, else the service's (then cached),
    else an older cached one or the built-in list, with the reason the service failed.

    ``context`` may be given as the coroutine function that makes it: it is then made only
    when the service is asked, so a fresh cached list needs no credential (no keyring)."""
    if not refresh and (cached := await cache.get(provider)) is not None:
        return ModelList(cached, "cache")
    try:  # making the context may fail too (a CA bundle that cannot be read)
        if callable(context):
            context = await context()
        models = await provider.list_models(context)
    except ProviderError as error:
        stale = await cache.get(provider, fresh_only=False)
        fallback, source = (stale, "cache") if stale else (provider.get_models(), "built-in")
        if isinstance(error, IdleTimeoutError | StreamCutError):  # their hint is about a reply
            error = ProviderError(error.message, provider=error.provider)
        return ModelList(fallback, source, f"The model list could not be fetched: {error}")
    await cache.put(provider, models)
    return ModelList(models, "service")
