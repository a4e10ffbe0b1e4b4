"""A session's secret store holding a provider's key, as the Settings window would store it."""

from __future__ import annotations

from chat.credentials import credential_name
from chat.secrets import MemorySecretStore
from providers.contract import Provider


async def store_with_key(provider: Provider, key: str, kind: str = "api_key") -> MemorySecretStore:
    """A session-only store with ``key`` kept for ``provider`` at its base URL now."""
    store = MemorySecretStore()
    await store.set(credential_name(provider, kind), key)
    return store
