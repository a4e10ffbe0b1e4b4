"""Providers talk to chat services. aiohttp only: no Qt, no keyring, no storage."""

from __future__ import annotations

from .base import (
    AbstractProvider,
    AsyncGeneratorProvider,
    AsyncProvider,
    BaseProvider,
    ProviderModelMixin,
)
from .errors import ProviderError
from .registry import ProviderRegistry, get_provider
from .types import Chunk, CredentialUpdate, FinishReason, ProviderInfo, Reasoning, Usage

_SEEDS = {
    "VoiGpt": "providers.seeds.voigpt",
    "ChatGpt": "providers.seeds.chatgpt",
    "ChatGptt": "providers.seeds.chatgptt",
    "Aichat": "providers.seeds.aichat",
}


def __getattr__(name: str) -> type[BaseProvider]:
    """``from providers import VoiGpt``: the seed providers, imported on first use."""
    if name in _SEEDS:
        import importlib

        provider: type[BaseProvider] = getattr(importlib.import_module(_SEEDS[name]), name)
        return provider
    raise AttributeError(f"module 'providers' has no attribute {name!r}")


__all__ = [
    "AbstractProvider",
    "AsyncGeneratorProvider",
    "AsyncProvider",
    "BaseProvider",
    "Chunk",
    "CredentialUpdate",
    "FinishReason",
    "ProviderError",
    "ProviderInfo",
    "ProviderModelMixin",
    "ProviderRegistry",
    "Reasoning",
    "Usage",
    "get_provider",
]
