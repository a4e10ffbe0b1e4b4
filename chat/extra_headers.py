"""Extra request headers a user gives a built-in API provider (a company gateway in front of
OpenAI, an organisation header): kept in the settings file's ``headers`` section, the values
of secret ones in the keyring, as an endpoint's are (``chat.endpoints``).

    "headers": {"OpenAI": {"headers": {"OpenAI-Organization": "org-1"},
                           "secret_headers": ["X-Gateway-Key"]}}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .endpoints import header_name, header_value
from .settings import SettingsError

if TYPE_CHECKING:
    from providers.contract import Provider

    from .settings import Settings

SECTION = "headers"
SETTING = "headers"
"""The name a refusal gives (``SettingsError.setting``), so a form shows it by its table."""


@dataclasses.dataclass(frozen=True, slots=True)
class ExtraHeaders:
    """One provider's extra headers: the plain ones with their values, the secret ones' names."""

    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    secret_headers: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        value: dict[str, Any] = {}
        if self.headers:
            value["headers"] = dict(self.headers)
        if self.secret_headers:
            value["secret_headers"] = list(self.secret_headers)
        return value


def checked(headers: Mapping[str, str], secret: Iterable[str]) -> ExtraHeaders:
    """``headers`` and the ``secret`` names, each checked; raises ``SettingsError`` naming
    the ``headers`` setting."""
    try:
        plain = {header_name(name): header_value(name, value) for name, value in headers.items()}
        hidden = tuple(dict.fromkeys(header_name(name) for name in secret))
    except SettingsError as error:
        raise SettingsError(_sentence(str(error)), SETTING) from None
    both = {h.lower() for h in hidden} & {h.lower() for h in plain}
    if both:
        raise SettingsError(f"The header {sorted(both)[0]} is given twice.", SETTING)
    return ExtraHeaders(plain, hidden)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def extra_headers(settings: Settings | None, provider: str) -> ExtraHeaders:
    """What ``settings`` keeps for ``provider`` (nothing when what is there is not valid)."""
    raw = settings.section(SECTION) if settings is not None else None
    entry = raw.get(provider) if isinstance(raw, dict) else None
    if not isinstance(entry, dict):
        return ExtraHeaders()
    headers, secret = entry.get("headers", {}), entry.get("secret_headers", [])
    if not isinstance(headers, dict) or not isinstance(secret, list):
        return ExtraHeaders()
    try:
        return checked(headers, secret)
    except SettingsError:
        return ExtraHeaders()


def set_extra_headers(settings: Settings, provider: str, extra: ExtraHeaders) -> None:
    """Keep ``extra`` for ``provider`` (nothing removes its entry); save to keep it."""
    raw = settings.section(SECTION)
    raw = dict(raw) if isinstance(raw, dict) else {}
    if extra.headers or extra.secret_headers:
        raw[provider] = extra.to_json()
    else:
        raw.pop(provider, None)
    settings.set_section(SECTION, raw or None)


def with_extra_headers(provider: Provider, settings: Settings | None) -> Provider:
    """``provider`` sending its extra headers too (a provider that sends none: as it is)."""
    if not provider.sends_headers:
        return provider
    extra = extra_headers(settings, provider.name)
    if not extra.headers and not extra.secret_headers:
        return provider
    return dataclasses.replace(
        provider,
        headers={**provider.headers, **extra.headers},
        secret_headers=tuple(dict.fromkeys((*provider.secret_headers, *extra.secret_headers))),
    )
