"""Which provider a command talks to, as configured, and the secret store it needs."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TextIO

from .cli_input import UsageError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from providers.contract import Provider

    from .credentials import Configured
    from .secrets import SecretStore
    from .settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_PIPE_CLOSED = 141
"""What ``cat`` gives when the reader of its output goes away (128 + SIGPIPE)."""


def resolve_provider(
    name: str | None,
    base_url: str | None,
    settings: Settings | None = None,
    proxy: str | None = None,
    registry: Any = None,
) -> Configured:
    """The provider called ``name`` ("auto" for Auto), as configured: at ``base_url`` if
    given, else at the base URL saved in ``settings``; with ``proxy``, else its saved one.
    With no name, a usage error that says what to do. ``registry``: the one already loaded
    (loading it again would say a broken endpoint's problem twice)."""
    from providers.errors import ProviderError

    from .credentials import configured

    registry = registry or load_registry(settings)
    provider: Provider
    try:
        if name and name.casefold() == "auto":
            from .auto import make_auto, turned_on

            order = str(settings.get("auto_providers")) if settings is not None else ""
            provider = make_auto(turned_on(registry.available()[0], settings), order)
        else:
            provider = registry.get(name) if name else _no_provider(registry)
    except ProviderError as error:
        raise UsageError(str(error)) from error
    try:
        return configured(provider, settings, base_url=base_url, proxy=proxy)
    except ValueError as error:
        raise UsageError(f"--base-url: {error}") from error


async def choose_provider(
    name: str | None,
    base_url: str | None,
    settings: Settings,
    proxy: str | None,
    err: TextIO,
) -> Configured:
    """``resolve_provider``; with no provider named or saved, a local server found running
    (said on ``err``)."""
    if name or base_url:
        return resolve_provider(name, base_url, settings, proxy)
    from .credentials import configured
    from .discovery import discover, probe_tls

    registry = load_registry(settings)
    tls = probe_tls(str(settings.get("ca_bundle")))
    found = await discover(registry.available()[0], tls=tls)
    if not found:
        return resolve_provider(None, None, settings, proxy, registry)  # says what to do
    server = found[0].provider
    print(f"parley: using {server.get_label()}, found running at {server.url}.", file=err)
    return configured(server, settings, proxy=proxy)


def load_registry(settings: Settings | None = None) -> Any:
    """Every provider: plugins and presets, and the user's own endpoints."""
    from providers.registry import ProviderRegistry

    registry = ProviderRegistry.from_entry_points()
    if settings is not None and settings.section("endpoints") is not None:
        from .endpoints import add_to

        for problem in add_to(registry, settings):
            print(f"parley: {problem}", file=sys.stderr)
    return registry


def _no_provider(registry: Any) -> Provider:
    raise UsageError(
        "No provider is chosen and no local server was found running. Pick one with "
        "--provider NAME (see `parley providers`), or start Ollama, LM Studio, llama.cpp's "
        "server or vLLM on this machine."
    )


async def secrets_for(
    provider: Provider, proxy: str | None, err: TextIO
) -> tuple[SecretStore, Callable[[], Awaitable[SecretStore]] | None]:
    """The store a reply reads its credentials from, and the opener of a keyring put off
    until a server on this machine asks for its optional key (else None)."""
    from .credentials import keyring_can_wait, needs_keyring, proxy_needs_password
    from .secrets import MemorySecretStore, open_secret_store

    if not needs_keyring(provider, proxy):
        return MemorySecretStore(), None  # nothing to read: skip opening the keyring
    if keyring_can_wait(provider, proxy):
        return MemorySecretStore(), open_secret_store
    store = await open_secret_store()
    if store.notice and (provider.needs_auth or proxy_needs_password(proxy)):
        print(f"parley: {store.notice}", file=err)  # a key is optional: no need to say
    return store, None
