"""The user's own endpoints: a name, a base URL, extra headers (the secret ones in the
keyring), kept across restarts in the settings file's ``endpoints`` section.

    "endpoints": {"My vLLM": {"base_url": "http://127.0.0.1:8000/v1",
                              "headers": {"X-Team": "blue"},
                              "secret_headers": ["X-Gateway-Key"]}}

Each one is an OpenAI-compatible provider in the same list as the built-in ones; its key
and secret header values live in the keyring under its name and the origin of its URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from providers.contract import Provider
from providers.openai_compat import OpenAICompatible

from .settings import Settings, SettingsError, _http_url

if TYPE_CHECKING:
    from providers.registry import ProviderRegistry

SECTION = "endpoints"
MAX_NAME = 60
_HEADER = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}")
"""An HTTP header name (RFC 9110 token)."""
_RESERVED = frozenset({"authorization", "content-type", "content-length", "host", "accept"})


@dataclass(frozen=True, slots=True)
class Endpoint:
    """What the user gave for one endpoint."""

    name: str
    base_url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    secret_headers: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        value: dict[str, Any] = {"base_url": self.base_url}
        if self.headers:
            value["headers"] = dict(self.headers)
        if self.secret_headers:
            value["secret_headers"] = list(self.secret_headers)
        return value

    def provider(self) -> OpenAICompatible:
        return OpenAICompatible(
            name=self.name,
            label=self.name,
            url=self.base_url,
            headers=dict(self.headers),
            secret_headers=self.secret_headers,
        )


def checked_name(name: str, taken: Iterable[str] = ()) -> str:
    """An endpoint name: shown in the list and part of its keyring names."""
    name = " ".join(name.split())
    if not name:
        raise SettingsError("An endpoint needs a name, such as “My vLLM”.")
    if len(name) > MAX_NAME or "/" in name:
        raise SettingsError(
            f"{name[:80]!r} cannot name an endpoint: use up to {MAX_NAME} characters, no “/”."
        )
    if name.casefold() in {t.casefold() for t in taken}:
        raise SettingsError(f"“{name}” is already the name of a provider; pick another.")
    return name


def header_name(name: object) -> str:
    """``name`` as a header's name; raises ``SettingsError`` for one no request can carry or
    one Parley sets itself."""
    if not isinstance(name, str) or not _HEADER.fullmatch(name):
        raise SettingsError(f"{str(name)[:80]!r} is not a header name (letters, digits, “-”).")
    if name.lower() in _RESERVED:
        raise SettingsError(f"the header {name} is set by Parley itself.")
    return name


def header_value(name: str, value: object) -> str:
    """``value`` as header ``name``'s value: one line of text; raises ``SettingsError``."""
    if not isinstance(value, str) or any(c in value for c in "\r\n\0"):
        raise SettingsError(f"the value of the header {name} must be one line of text.")
    return value


def parse(name: str, raw: Any) -> Endpoint:
    """The endpoint the settings file holds under ``name``; raises ``SettingsError``."""
    if not isinstance(raw, dict):
        raise SettingsError(f"the endpoint “{name}” is not an object")
    base = raw.get("base_url")
    if not isinstance(base, str) or not base.strip():
        raise SettingsError(f"the endpoint “{name}” has no base_url")
    headers = raw.get("headers", {})
    secret = raw.get("secret_headers", [])
    if not isinstance(headers, dict) or not isinstance(secret, list):
        raise SettingsError(
            f"the endpoint “{name}”: headers must be an object, secret_headers a list"
        )
    try:
        plain = {header_name(key): header_value(key, value) for key, value in headers.items()}
        hidden = tuple(dict.fromkeys(header_name(key) for key in secret))
        url = _http_url(base)
    except SettingsError as error:
        raise SettingsError(f"the endpoint “{name}”: {error}") from None
    if {h.lower() for h in hidden} & {h.lower() for h in plain}:
        raise SettingsError(f"the endpoint “{name}”: a header is both plain and secret")
    return Endpoint(checked_name(name), url, plain, hidden)


def endpoints(settings: Settings) -> tuple[list[Endpoint], list[str]]:
    """The endpoints in ``settings``, and a sentence for each one that cannot be used."""
    raw = settings.section(SECTION)
    if raw is None:
        return [], []
    if not isinstance(raw, dict):
        return [], [f"“{SECTION}” in {settings.path} is not an object, so no endpoint is used."]
    found: list[Endpoint] = []
    problems: list[str] = []
    for name, value in raw.items():
        try:
            found.append(parse(name, value))
        except SettingsError as error:
            problems.append(f"In {settings.path}, {error}; fix it or add the endpoint again.")
    return found, problems


def save_endpoint(settings: Settings, endpoint: Endpoint) -> None:
    """Add (or replace) ``endpoint`` in ``settings``; save the settings to keep it."""
    raw = settings.section(SECTION)
    raw = raw if isinstance(raw, dict) else {}
    folded = endpoint.name.casefold()  # names are told apart in any case: "mine" replaces "Mine"
    raw = {name: value for name, value in raw.items() if name.casefold() != folded}
    raw[endpoint.name] = endpoint.to_json()
    settings.set_section(SECTION, raw)


def remove_endpoint(settings: Settings, name: str) -> Endpoint | None:
    """Take the endpoint ``name`` out of ``settings`` (any case); the one removed, if any."""
    raw = settings.section(SECTION)
    if not isinstance(raw, dict):
        return None
    key = next((k for k in raw if k.casefold() == name.casefold()), None)
    if key is None:
        return None
    value = raw.pop(key)
    settings.set_section(SECTION, raw or None)
    try:
        return parse(key, value)
    except SettingsError:
        return Endpoint(key, "")


def add_to(registry: ProviderRegistry, settings: Settings) -> list[str]:
    """Put the user's endpoints in ``registry``; the problems with the ones left out."""
    found, problems = endpoints(settings)
    names = set(registry.names())
    for endpoint in found:
        if endpoint.name in names:
            problems.append(
                f"The endpoint “{endpoint.name}” has the name of a provider; rename it."
            )
            continue
        registry.add(endpoint.provider())
    return problems


def is_endpoint(provider: Provider, settings: Settings) -> bool:
    found, _ = endpoints(settings)
    return any(e.name == provider.name for e in found)
