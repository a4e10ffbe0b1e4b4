"""Classes written to the older calling conventions, driven through the new contract.

The seed providers (and plugins written like them) are classes with ``create_async_generator
(model, messages, proxy=..., **kwargs)``. ``ClassProvider`` wraps one as a ``Provider`` value:
the request and context are unpacked into the keyword arguments the class reads.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from .base import BaseProvider
from .contract import OPTION_NAMES, Context, Provider, Request
from .types import Chunk


@functools.lru_cache(maxsize=64)
def _rebased(cls: type[BaseProvider], url: str) -> type[BaseProvider]:
    """``cls`` at ``url``: built once per address, not on every send."""
    return cls if url == cls.url else cls.with_base_url(url)


SITE_OPTIONS = OPTION_NAMES - {"reasoning_effort"}
"""What a provider written in the ``**kwargs`` style takes unless it says: the options
older than reasoning effort, which such a provider would not know to send."""


@dataclass(frozen=True, kw_only=True)
class ClassProvider(Provider):
    """A provider class of the older conventions, as a ``Provider``."""

    cls: type[BaseProvider]

    kind = "site"
    hands_back_credentials = True  # the seeds keep tokens and cookies they are given

    @classmethod
    def of(cls, provider: type[BaseProvider]) -> ClassProvider:
        declared = getattr(provider, "supported_options", None)
        models = getattr(provider, "get_models", None)
        return cls(
            name=provider.get_name(),
            url=provider.url,
            label=provider.get_label(),
            working=provider.working,
            supports_stream=provider.supports_stream,
            supports_message_history=provider.supports_message_history,
            supports_system_message=provider.supports_system_message,
            needs_auth=provider.needs_auth,
            credential_kinds=tuple(provider.credential_kinds),
            supported_options=SITE_OPTIONS if declared is None else frozenset(declared),
            default_model=str(getattr(provider, "default_model", "") or ""),
            models=tuple(str(m) for m in models()) if callable(models) else (),
            model_aliases=dict(getattr(provider, "model_aliases", {}) or {}),
            cls=provider,
        )

    @property
    def target(self) -> type[BaseProvider]:
        """The class at this provider's base URL."""
        return _rebased(self.cls, self.url)

    def get_model(self, model: str) -> str:
        get_model = getattr(self.cls, "get_model", None)
        return str(get_model(model)) if callable(get_model) else model

    def stream(self, request: Request, context: Context) -> AsyncIterator[Chunk]:
        kwargs: dict[str, Any] = {
            "session": context.http,
            "timeouts": context.timeouts,
            "tls": context.tls,
        }
        for kind in self.credential_kinds:
            value = context.credentials.get(kind)
            if value:
                kwargs[kind] = dict(value) if isinstance(value, dict) else value
        kwargs.update(request.options.given())
        messages = [
            {"role": m["role"], "content": m["content"]}
            for m in request.messages
            if "role" in m and "content" in m
        ]
        return self.target.create_async_generator(
            request.model, messages, proxy=context.proxy, **kwargs
        )


def as_provider(provider: Provider | type[BaseProvider]) -> Provider:
    """``provider`` as a ``Provider`` value (a class of the older conventions is wrapped)."""
    if isinstance(provider, Provider):
        return provider
    return ClassProvider.of(provider)
