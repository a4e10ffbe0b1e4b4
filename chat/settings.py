"""Settings, declared once with their types, defaults and descriptions; never secrets.

The table below drives validation, the settings file and (later) the settings dialog. Values
live in ``$XDG_CONFIG_HOME/parley/settings.json``; keys, tokens and cookies never do (they
belong to ``chat.secrets``).
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, urlsplit, urlunsplit

SettingValue = str | float | bool


class SettingsError(ValueError):
    """A setting's value is not acceptable; the message says what is expected."""


def _http_url(value: str) -> str:
    value = value.strip().rstrip("/")
    parts = urlsplit(value)
    if value and (parts.scheme not in ("http", "https") or not parts.netloc):
        raise SettingsError(f"{value!r} is not an http:// or https:// URL.")
    return value


def split_proxy_password(url: str) -> tuple[str, str | None]:
    """``url`` without the password in it, and that password (None when there is none)."""
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    if not at or not colon:
        return url, None
    netloc = f"{user}@{hostport}" if user else hostport
    return urlunsplit(parts._replace(netloc=netloc)), unquote(password)


def _proxy_url(value: str) -> str:
    value = value.strip()
    schemes = ("http", "https", "socks4", "socks5", "socks5h")
    parts = urlsplit(value)
    if value and (parts.scheme not in schemes or not parts.netloc):
        raise SettingsError(f"{value!r} is not a proxy URL (http://, https:// or socks5://).")
    if split_proxy_password(value)[1] is not None:
        raise SettingsError(
            "a proxy password is a secret: it goes to the keyring, never to the settings file."
        )
    return value


def _seconds(value: float) -> float:
    if not 0 < value <= 3600:
        raise SettingsError(f"{value!r} is not a number of seconds between 0 and 3600.")
    return value


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: its name, type, default, what it does, and how a value is checked."""

    name: str
    type: type
    default: SettingValue
    description: str
    check: Callable[[Any], SettingValue] | None = None

    def coerce(self, value: Any) -> SettingValue:
        if self.type is float and isinstance(value, int | str) and not isinstance(value, bool):
            try:
                value = float(value)
            except ValueError as error:
                raise SettingsError(f"{self.name}: {value!r} is not a number.") from error
        if not isinstance(value, self.type):
            raise SettingsError(f"{self.name} takes a {self.type.__name__}, not {value!r}.")
        try:
            checked: SettingValue = self.check(value) if self.check else cast(SettingValue, value)
        except SettingsError as error:
            raise SettingsError(f"{self.name}: {error}") from error
        return checked


GLOBAL = {
    s.name: s
    for s in (
        Setting("provider", str, "", "The provider picked for a new conversation."),
        Setting("proxy", str, "", "Proxy for every provider without its own.", _proxy_url),
        Setting("connect_timeout", float, 15.0, "Seconds to open a connection.", _seconds),
        Setting(
            "idle_timeout", float, 60.0, "Seconds to wait for the next part of a reply.", _seconds
        ),
    )
}

PER_PROVIDER = {
    s.name: s
    for s in (
        Setting(
            "base_url",
            str,
            "",
            "Send this provider's requests to another address (a mirror or your own server).",
            _http_url,
        ),
        Setting("proxy", str, "", "Proxy for this provider only.", _proxy_url),
        Setting("model", str, "", "The model last picked for this provider."),
    )
}


def default_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "parley" / "settings.json"


class Settings:
    """Typed settings kept in a small JSON file. Unknown names are refused."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._global: dict[str, SettingValue] = {}
        self._providers: dict[str, dict[str, SettingValue]] = {}
        self._write_lock = asyncio.Lock()
        self._written: dict[str, Any] | None = None
        """What the file holds as far as this object knows; None when unknown."""
        self.problem = ""
        """Why the file could not be read, if it could not (the defaults are used then)."""

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        """Read ``path``; a missing file gives defaults, a damaged one is kept aside."""
        settings = cls(path or default_path())
        settings._read()
        settings._written = settings.snapshot()  # what is there (or the defaults it stands for)
        return settings

    def get(self, name: str) -> Any:
        return self._global.get(name, _setting(GLOBAL, name).default)

    def set(self, name: str, value: Any) -> None:
        self._store(self._global, _setting(GLOBAL, name), value)

    def provider(self, provider: str, name: str) -> Any:
        return self._providers.get(provider, {}).get(name, _setting(PER_PROVIDER, name).default)

    def set_provider(self, provider: str, name: str, value: Any) -> None:
        self._store(self._providers.setdefault(provider, {}), _setting(PER_PROVIDER, name), value)

    def proxy_for(self, provider: str) -> str | None:
        return str(self.provider(provider, "proxy") or self.get("proxy")) or None

    def _store(self, target: dict[str, SettingValue], setting: Setting, value: Any) -> None:
        value = setting.coerce(value)
        if value == setting.default:
            target.pop(setting.name, None)
        else:
            target[setting.name] = value

    def snapshot(self) -> dict[str, Any]:
        """A copy of what ``save`` writes, safe to hand to another thread."""
        providers = {name: dict(values) for name, values in self._providers.items() if values}
        return {"settings": dict(self._global), "providers": providers}

    def save(self) -> None:
        """Write atomically (a crash never leaves half a file)."""
        self._write(self.snapshot())

    async def save_in_background(self) -> None:
        """``save`` on a worker thread, one write at a time, in the order they were asked;
        nothing is written when the file already holds these values."""
        data = self.snapshot()
        async with self._write_lock:
            if data != self._written:
                await asyncio.to_thread(self._write, data)

    def _write(self, data: dict[str, Any]) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".settings-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2, sort_keys=True)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, self.path)
        self._written = data

    def _read(self) -> None:
        assert self.path is not None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self._global = _valid(GLOBAL, data.get("settings", {}))
            self._providers = {
                str(name): _valid(PER_PROVIDER, values)
                for name, values in data.get("providers", {}).items()
            }
        except FileNotFoundError:
            return
        except (OSError, ValueError, AttributeError, TypeError) as error:
            aside = self.path.with_name(self.path.name + ".damaged")
            try:
                os.replace(self.path, aside)
            except OSError:
                aside = self.path
            self._global, self._providers = {}, {}
            self.problem = (
                f"The settings file could not be read ({error}); defaults are used "
                f"and the damaged file was kept as {aside}."
            )


def _setting(table: dict[str, Setting], name: str) -> Setting:
    try:
        return table[name]
    except KeyError:
        raise SettingsError(f"No setting named {name!r}; known: {', '.join(table)}.") from None


def _valid(table: dict[str, Setting], values: Any) -> dict[str, SettingValue]:
    """The values that are known and valid; a bad one is dropped, not fatal."""
    kept: dict[str, SettingValue] = {}
    for name, value in dict(values).items():
        if name in table:
            try:
                kept[name] = table[name].coerce(value)
            except SettingsError:
                continue
    return kept
