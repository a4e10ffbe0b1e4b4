"""Credentials in one place: the keyring name of each one, how a reply finds its own, and
the provider as configured (at its saved base URL, with its proxy).

A credential is kept under the provider's name and the origin of the base URL it is used
with, so a key stored for one site is never sent to another. When nothing is stored, an API
key may come from the service's usual environment variable (``OPENAI_API_KEY``...), and only
while the provider is at its own address; it is read, never written anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

from providers.contract import Credentials, Provider
from providers.types import CredentialUpdate

from .secrets import SecretStore, decode_cookies, encode_cookies, secret_name

if TYPE_CHECKING:
    from .settings import Settings


def credential_name(provider: Provider, kind: str, origin: str | None = None) -> str:
    """The keyring name of ``provider``'s ``kind`` at ``origin`` (default: where it is now)."""
    return secret_name(provider.name, kind, origin or provider.origin())


def header_secret_name(provider: Provider, header: str, origin: str | None = None) -> str:
    """The keyring name of the value of ``provider``'s secret header ``header``."""
    return credential_name(provider, f"header:{header.lower()}", origin)


def proxy_secret_name(proxy: str) -> str:
    """The keyring name of the password of ``proxy`` (a URL without the password)."""
    return secret_name("proxy", "password", proxy)


NO_PROXY_USER = "give the user name in the proxy URL too, as http://user@host:port."
"""Why a password is refused for a proxy URL that names no user (a form says where)."""


def proxy_password_writes(
    old: str, new: str, password: str | None, *, still_used: bool
) -> dict[str, str | None]:
    """The keyring writes (name → value, None to forget) when a setting's proxy goes from
    ``old`` to ``new`` with ``password`` (None: keep what is stored; "": remove it). The old
    proxy's password is forgotten unless another setting ``still_used`` it. Raises
    ``ValueError`` (``NO_PROXY_USER``) for a password of a proxy that names no user."""
    writes: dict[str, str | None] = {}
    if old and old != new and urlsplit(old).username and not still_used:
        writes[proxy_secret_name(old)] = None
    if password:
        if not new or not urlsplit(new).username:
            raise ValueError(NO_PROXY_USER)
        writes[proxy_secret_name(new)] = password
    elif new and password == "":
        writes[proxy_secret_name(new)] = None
    return writes


def proxy_used_elsewhere(settings: Settings, proxy: str, provider: str | None) -> bool:
    """Does a setting other than ``provider``'s own proxy (None: other than the global
    proxy) name ``proxy``?"""
    snapshot = settings.snapshot()
    others = [
        values.get("proxy")
        for name, values in snapshot["providers"].items()
        if name != provider and isinstance(values, dict)
    ]
    if provider is not None:
        others.append(snapshot["settings"].get("proxy"))
    return proxy in others


def names_for(provider: Provider, origin: str | None = None) -> dict[str, str]:
    """Every secret ``provider`` may read, by what it is (a kind, or ``header:NAME``)."""
    names: dict[str, str] = {
        kind: credential_name(provider, kind, origin) for kind in provider.credential_kinds
    }
    for header in provider.secret_headers:
        names[f"header:{header.lower()}"] = header_secret_name(provider, header, origin)
    return names


@dataclass(frozen=True, slots=True)
class Configured:
    """A provider as the user set it up: at its base URL, with its proxy."""

    provider: Provider
    proxy: str | None


def configured(
    provider: Provider,
    settings: Settings | None = None,
    *,
    base_url: str | None = None,
    proxy: str | None = None,
) -> Configured:
    """``provider`` at ``base_url``, else at the base URL saved for it; with ``proxy``, else
    its saved proxy (its own, or the global one). Raises ``InvalidBaseUrlError``.

    A provider that answers through others (Auto) is configured member by member, each at
    its own base URL with its own proxy, by its ``configured_with``.
    """
    if provider.delegates:
        members: Any = provider
        return Configured(members.configured_with(settings), None)
    if not base_url and settings is not None:
        base_url = str(settings.provider(provider.name, "base_url") or "")
    if base_url:
        provider = provider.with_base_url(base_url)
    if settings is not None and provider.sends_headers:
        from .extra_headers import with_extra_headers

        provider = with_extra_headers(provider, settings)
    if not proxy and settings is not None:
        proxy = settings.proxy_for(provider.name)
    return Configured(provider, proxy or None)


def environment_key(provider: Provider, environ: Mapping[str, str] | None = None) -> str | None:
    """The API key from the service's usual environment variable, while ``provider`` is at
    its own address (a key for api.openai.com never goes to a base URL set elsewhere)."""
    name = environment_key_name(provider, environ)
    env = os.environ if environ is None else environ
    return env[name].strip() if name else None


def environment_key_name(
    provider: Provider, environ: Mapping[str, str] | None = None
) -> str | None:
    """The environment variable ``environment_key`` reads the key from; None when none is set
    (or ``provider`` is away from its own address)."""
    if "api_key" not in provider.credential_kinds or not provider.at_home():
        return None
    env = os.environ if environ is None else environ
    return next((name for name in provider.key_env if env.get(name, "").strip()), None)


async def credentials_for(
    provider: Provider,
    store: SecretStore,
    *,
    environ: Mapping[str, str] | None = None,
) -> Credentials:
    """What ``provider`` may send: the keyring's credentials, else the environment's API
    key. Secret headers come from the keyring. Nothing comes from the command line, where
    other users and the shell's history could read it."""
    found: dict[str, Any] = {}
    for kind in provider.credential_kinds:
        value = await store.get(credential_name(provider, kind))
        if kind == "cookies":
            found[kind] = decode_cookies(value) or None
        else:
            found[kind] = value or None
    if not found.get("api_key") and (key := environment_key(provider, environ)):
        found["api_key"] = key
    headers = dict(provider.headers)
    for header in provider.secret_headers:
        if value := await store.get(header_secret_name(provider, header)):
            headers[header] = value
    return Credentials(headers=headers, **found)


async def proxy_with_password(proxy: str | None, store: SecretStore) -> str | None:
    """``proxy`` with its password from the keyring put back, when it names a user without
    a password and a password is stored for it (see ``proxy_secret_name``)."""
    if not proxy:
        return proxy
    parts = urlsplit(proxy)
    if not parts.username or parts.password is not None:
        return proxy
    password = await store.get(proxy_secret_name(proxy))
    if not password:
        return proxy
    userinfo, _, hostport = parts.netloc.rpartition("@")
    netloc = f"{userinfo}:{quote(password, safe='')}@{hostport}"
    return urlunsplit(parts._replace(netloc=netloc))


def proxy_needs_password(proxy: str | None) -> bool:
    """Does ``proxy`` name a user and leave the password to the keyring?"""
    parts = urlsplit(proxy or "")
    return bool(parts.username) and parts.password is None


def needs_keyring(provider: Provider, proxy: str | None) -> bool:
    """Could a reply from ``provider`` through ``proxy`` read anything from the keyring?

    One that answers through others (Auto, configured) could when any of them could."""
    if provider.delegates:
        candidates = getattr(provider, "candidates", ())
        return any(needs_keyring(c.provider, c.proxy) for c in candidates)
    kinds = provider.credential_kinds
    return bool(kinds or provider.secret_headers) or proxy_needs_password(proxy)


def keyring_can_wait(provider: Provider, proxy: str | None) -> bool:
    """May the keyring stay closed until ``provider`` refuses a request sent without a key?

    So for a server on this machine whose one credential is an optional API key, which it
    never hands back: asking it twice costs less than opening the keyring.
    """
    return (
        provider.credential_kinds == ("api_key",)
        and not (provider.needs_auth or provider.secret_headers or provider.delegates)
        and not provider.hands_back_credentials
        and provider.on_this_machine()
        and not proxy_needs_password(proxy)
    )


async def store_update(provider: Provider, update: CredentialUpdate, store: SecretStore) -> None:
    """Keep (or forget) a credential a provider handed back."""
    name = credential_name(provider, update.kind, update.scope or None)
    if update.value is None or update.value == {} or update.value == "":
        await store.delete(name)
    elif isinstance(update.value, dict):
        await store.set(name, encode_cookies(update.value))
    else:
        await store.set(name, update.value)
