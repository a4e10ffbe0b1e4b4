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
