"""Settings, declared once with their types, defaults and descriptions; never secrets.

The table below drives validation, the settings file and (later) the settings dialog. Values
live in ``settings.json`` in the config folder (``chat.paths``); keys, tokens and cookies never
do (they belong to ``chat.secrets``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from .settings_file import read_file, write_file

SettingValue = str | float | bool
_TYPE_WORDS = {str: "a text", float: "a number", int: "a whole number", bool: "true or false"}


def json_text(value: Any) -> str:
    """``value`` as JSON writes it (how a person sees it in the settings file)."""
    try:
        return json.dumps(value, ensure_ascii=False)[:200]
    except (TypeError, ValueError, RecursionError):
        return type(value).__name__


class SettingsError(ValueError):
    """A setting's value is not acceptable; the message says what is expected.

    ``setting`` names the setting refused ("" when the error is not about one), so that a
    form can show the reason beside that setting's field.
    """

    def __init__(self, message: str, setting: str = "") -> None:
        super().__init__(message)
        self.setting = setting


def _split_url(value: str, what: str) -> SplitResult:
    """``urlsplit(value)``, refusing what no request could be sent to."""
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in value):
        raise SettingsError(f"{_shown(value)} is not {what}: it holds spaces or control codes.")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        (parts.hostname or "").encode("idna")  # an empty or 64+ character label cannot resolve
    except UnicodeError:
        raise SettingsError(f"{_shown(value)} is not {what}: its host name is not valid.") from None
    except ValueError:
        raise SettingsError(f"{_shown(value)} is not {what}.") from None
    return parts


def _shown(value: str, limit: int = 80) -> str:
    """``value`` as a message quotes it, cut to a readable length."""
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def _http_url(value: str) -> str:
    value = value.strip().rstrip("/")
    what = "an http:// or https:// URL"
    parts = _split_url(value, what)
    if value and (parts.scheme not in ("http", "https") or not parts.hostname):
        raise SettingsError(f"{_shown(value)} is not {what}.")
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
    what = "a proxy URL (http://, https:// or socks5://)"
    parts = _split_url(value, what)
    if value and (parts.scheme not in schemes or not parts.hostname):
        raise SettingsError(f"{_shown(value)} is not {what}.")
    if split_proxy_password(value)[1] is not None:
        raise SettingsError(
            "a proxy password is a secret: it goes to the keyring, never to the settings file."
        )
    return value


def _seconds(value: float) -> float:
    if not 0 < value <= 3600:
        raise SettingsError(f"{value:g} is not a number of seconds above 0 and at most 3600.")
    return value


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: its name, type, default, what it does, and how a value is checked.

    ``label`` and ``section`` place it in the Settings window ("" section: not shown there,
    as for what the app keeps by itself); ``choices`` are the values a list offers, with
    their labels; ``field`` asks for a particular kind of field ("file", "folder", "proxy").
    """

    name: str
    type: type
    default: SettingValue
    description: str
    check: Callable[[Any], SettingValue] | None = None
    label: str = ""
    section: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    field: str = ""
    unit: str = ""
    """What a number counts ("seconds"), said after its field."""

    def coerce(self, value: Any) -> SettingValue:
        if self.type is int and isinstance(value, str):
            value = _whole_number(self.name, value)
        if self.type is int and isinstance(value, bool):
            raise self.refusal(f"{self.name} takes a whole number, not {json_text(value)}.")
        if self.type is float and isinstance(value, int | str) and not isinstance(value, bool):
            try:
                value = float(value)
            except (ValueError, OverflowError):
                raise self.refusal(f"{self.name}: {_shown(str(value))} is not a number.") from None
        if self.type is bool and isinstance(value, str) and value.strip().lower() in _BOOLS:
            value = _BOOLS[value.strip().lower()]
        if not isinstance(value, self.type):
            kind = _TYPE_WORDS.get(self.type, self.type.__name__)
            raise self.refusal(f"{self.name} takes {kind}, not {json_text(value)}.")
        if self.choices and value not in [choice for choice, _ in self.choices]:
            names = [choice for choice, _ in self.choices]
            known = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
            raise self.refusal(f"{self.name}: {_shown(str(value))} is not {known}.")
        try:
            checked: SettingValue = self.check(value) if self.check else cast(SettingValue, value)
        except SettingsError as error:
            raise self.refusal(f"{self.name}: {error}") from error
        return checked

    def refusal(self, message: str) -> SettingsError:
        """The error refusing a value of this setting, naming it."""
        return SettingsError(message, self.name)

    def reason(self, error: SettingsError) -> str:
        """``error``'s message without this setting's name in front (a form shows it beside
        the field, whose label already says which setting it is)."""
        text = str(error)
        for prefix in (f"{self.name}: ", f"{self.name} "):
            if text.startswith(prefix):
                rest = text.removeprefix(prefix)
                return rest[:1].upper() + rest[1:]
        return text


_BOOLS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


def _whole_number(name: str, text: str) -> int:
    try:
        if len(text.strip()) > 30:
            raise ValueError(text)
        return int(text)
    except ValueError:
        raise SettingsError(f"{name}: {_shown(text)} is not a whole number.", name) from None


def _between(low: float, high: float) -> Callable[[float], float]:
    def check(value: float) -> float:
        if not low <= value <= high:
            raise SettingsError(f"{value:g} is not between {low:g} and {high:g}.")
        return value

    return check


def _tokens(value: int) -> int:
    if not 0 < value <= 10_000_000:
        raise SettingsError(f"{value} is not a number of tokens above 0.")
    return value


def _font_size(value: int) -> int:
    if value != 0 and not 6 <= value <= 48:
        raise SettingsError(f"{value} is not a size in points from 6 to 48 (0: the system's).")
    return value


def _ca_bundle(value: str) -> str:
    value = value.strip()
    if value and not Path(value).expanduser().is_absolute():
        raise SettingsError(f"{_shown(value)} is not a full path to a file of certificates.")
    return value


def _effort(value: str) -> str:
    from providers.contract import EFFORTS

    if value.strip().lower() not in EFFORTS:
        raise SettingsError(f"{_shown(value)} is not one of {', '.join(EFFORTS)}.")
    return value.strip().lower()


def _seed(value: int) -> int:
    if not 0 <= value < 2**63:
        raise SettingsError(f"{value} is not a seed between 0 and 2**63.")
    return value


GENERAL, NETWORK, PROVIDERS = "General", "Network", "Providers"
"""The Settings window's sections."""

GLOBAL = {
    s.name: s
    for s in (
        Setting(
            "provider",
            str,
            "",
            "The provider last used (a new conversation's, unless default_provider names one).",
        ),
        Setting(
            "default_provider",
            str,
            "",
            "The provider a new conversation starts with (empty: the one last used).",
            label="Default &provider",
            section=GENERAL,
            field="provider",
        ),
        Setting(
            "default_model",
            str,
            "",
            "The model a new conversation starts with (empty: its provider's last one).",
            label="Default &model",
            section=GENERAL,
            field="model",
        ),
        Setting("last_conversation", str, "", "The conversation open when the window closed."),
        Setting(
            "proxy",
            str,
            "",
            "The proxy for every provider without its own: http://, https:// or socks5://.",
            _proxy_url,
            label="&Proxy",
            section=NETWORK,
            field="proxy",
        ),
        Setting(
            "auto_providers",
            str,
            "",
            "The providers Auto tries, in order (names, comma-separated); empty: the local "
            "servers, then the API services.",
        ),
        Setting(
            "theme",
            str,
            "system",
            "Light or dark: system, light or dark.",
            label="&Theme",
            section=GENERAL,
            choices=(("system", "As the system"), ("light", "Light"), ("dark", "Dark")),
        ),
        Setting(
            "language",
            str,
            "system",
            "The language of Parley's own words: system, or a language's code (en).",
            label="&Language",
            section=GENERAL,
            choices=(("system", "As the system"), ("en", "English")),
        ),
        Setting(
            "font_size",
            int,
            0,
            "The size of the conversation's text, in points (0: the system's).",
            _font_size,
            label="&Font size",
            section=GENERAL,
            unit="points (empty: the system's size)",
        ),
        Setting(
            "connect_timeout",
            float,
            15.0,
            "Seconds to open a connection.",
            _seconds,
            label="&Connect timeout",
            section=NETWORK,
            unit="seconds",
        ),
        Setting(
            "idle_timeout",
            float,
            60.0,
            "Seconds to wait for the next part of a reply.",
            _seconds,
            label="&Idle timeout",
            section=NETWORK,
            unit="seconds",
        ),
        Setting(
            "ca_bundle",
            str,
            "",
            "A file of extra certificate authorities to trust (PEM), as for a company's TLS "
            "inspection; the system's stay trusted, and certificates are always checked.",
            _ca_bundle,
            label="C&A bundle",
            section=NETWORK,
            field="file",
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
            label="&Base URL",
            section=PROVIDERS,
        ),
        Setting(
            "proxy",
            str,
            "",
            "A proxy for this provider only (http://, https:// or socks5://).",
            _proxy_url,
            label="&Proxy",
            section=PROVIDERS,
            field="proxy",
        ),
        Setting("model", str, "", "The model last picked for this provider."),
        Setting(
            "enabled",
            bool,
            True,
            "Offer this provider in the list and let Auto try it.",
            label="&Enabled",
            section=PROVIDERS,
        ),
    )
}


OPTIONS = {
    s.name: s
    for s in (
        Setting(
            "temperature",
            float,
            1.0,
            "Sampling temperature: lower is more focused.",
            _between(0, 2),
        ),
        Setting(
            "top_p",
            float,
            1.0,
            "Sample from the likeliest tokens making up this share.",
            _between(0, 1),
        ),
        Setting("max_tokens", int, 0, "The longest reply, in tokens.", _tokens),
        Setting("seed", int, 0, "Ask for the same reply to the same prompt.", _seed),
        Setting("presence_penalty", float, 0.0, "Push toward new topics.", _between(-2, 2)),
        Setting("frequency_penalty", float, 0.0, "Push against repeating words.", _between(-2, 2)),
        Setting(
            "reasoning_effort",
            str,
            "",
            "How long a reasoning model thinks before answering: low, medium or high.",
            _effort,
        ),
    )
}
"""Generation options a reply can be asked with (``parley ask -o NAME=VALUE``)."""


def default_path() -> Path:
    from .paths import config_dir

    return config_dir() / "settings.json"


class Settings:
    """Typed settings kept in a small JSON file. Unknown names are refused.

    Loading never fails: a bad value is dropped with a sentence in ``problem`` (and kept in
    the file until a new value replaces it), a damaged file is set aside, and names this
    version does not know are written back untouched (another version of Parley may use them).
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._global: dict[str, SettingValue] = {}
        self._providers: dict[str, dict[str, SettingValue]] = {}
        self._kept: dict[str, Any] = {"settings": {}, "providers": {}}
        """What the file held that is not in use: unknown names, refused values."""
        import asyncio  # here: the window paints before asyncio is loaded

        self._write_lock = asyncio.Lock()
        self._written: dict[str, Any] | None = None
        """What the file holds as far as this object knows; None when unknown."""
        self._writable = True
        self._watchers: list[Callable[[str, str | None], None]] = []
        self.problems: list[str] = []
        """Sentences for the user: why the file, or some of its values, could not be used."""

    @property
    def problem(self) -> str:
        """``problems`` as one text ("" when there are none)."""
        return " ".join(self.problems)

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        """Read ``path``; never raises (see the class). A missing file gives defaults."""
        settings = cls(path or default_path())
        settings._read()
        settings._written = settings.snapshot()  # what is there (or the defaults it stands for)
        return settings

    def watch(self, callback: Callable[[str, str | None], None]) -> Callable[[], None]:
        """Call ``callback(name, provider)`` after each change of a value (``provider`` None
        for a global setting); the function returned stops it."""
        self._watchers.append(callback)
        return lambda: self._watchers.remove(callback) if callback in self._watchers else None

    def get(self, name: str) -> Any:
        return self._global.get(name, _setting(GLOBAL, name).default)

    def set(self, name: str, value: Any) -> None:
        before = self.get(name)
        self._store(self._global, _setting(GLOBAL, name), value)
        self._kept["settings"].pop(name, None)
        if self.get(name) != before:
            self._changed(name, None)

    def provider(self, provider: str, name: str) -> Any:
        return self._providers.get(provider, {}).get(name, _setting(PER_PROVIDER, name).default)

    def set_provider(self, provider: str, name: str, value: Any) -> None:
        before = self.provider(provider, name)
        self._store(self._providers.setdefault(provider, {}), _setting(PER_PROVIDER, name), value)
        self._kept["providers"].get(provider, {}).pop(name, None)
        if self.provider(provider, name) != before:
            self._changed(name, provider)

    def _changed(self, name: str, provider: str | None) -> None:
        for callback in list(self._watchers):
            callback(name, provider)

    def section(self, name: str) -> Any:
        """A copy of the file's top-level section ``name`` that this table does not type
        (``endpoints``, read by ``chat.endpoints``); None when there is none."""
        if name in ("settings", "providers"):
            raise SettingsError(f"{name} is typed: use get/set or provider/set_provider.")
        return json.loads(json.dumps(self._kept[name])) if name in self._kept else None

    def set_section(self, name: str, value: Any) -> None:
        """Replace the top-level section ``name`` (None removes it)."""
        if name in ("settings", "providers"):
            raise SettingsError(f"{name} is typed: use get/set or provider/set_provider.")
        if value is None:
            self._kept.pop(name, None)
        else:
            self._kept[name] = value

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
        kept = self._kept
        providers = {
            name: {**values, **self._providers.get(name, {})}
            for name, values in kept["providers"].items()
        }
        for name, values in self._providers.items():
            providers.setdefault(name, dict(values))
        providers = {name: values for name, values in providers.items() if values}
        extra = {k: v for k, v in kept.items() if k not in ("settings", "providers")}
        return {**extra, "settings": {**kept["settings"], **self._global}, "providers": providers}

    def save(self) -> None:
        """Write atomically (a crash never leaves half a file)."""
        self._write(self.snapshot())

    async def save_in_background(self) -> None:
        """``save`` on a worker thread, one write at a time, in the order they were asked;
        nothing is written when the file already holds these values."""
        import asyncio

        data = self.snapshot()
        async with self._write_lock:
            if data != self._written:
                write = asyncio.ensure_future(asyncio.to_thread(self._write, data))
                try:
                    await asyncio.shield(write)
                except asyncio.CancelledError:
                    # The thread writes on: hold the lock until it has, or a later save
                    # could finish first and be overwritten with these older values.
                    await asyncio.wait([write])
                    raise

    def _write(self, data: dict[str, Any]) -> None:
        if self.path is None or not self._writable:
            return  # ``problem`` says that changes are not saved, and why
        write_file(self.path, data)
        self._written = data

    def _read(self) -> None:
        assert self.path is not None
        contents = read_file(self.path)
        self._writable = contents.writable
        if contents.problem:
            self.problems.append(contents.problem)
        refused: list[str] = []
        data = contents.data
        for section in ("settings", "providers"):
            if data.get(section, {}) is None or not isinstance(data.get(section, {}), dict):
                refused.append(f"“{section}” is not an object")
        settings = data.get("settings")
        self._global = _valid(GLOBAL, settings, "", refused, self._kept["settings"])
        providers = data.get("providers")
        for name, values in providers.items() if isinstance(providers, dict) else ():
            if not isinstance(values, dict):
                refused.append(f"the entry for provider “{name}” is not an object")
                continue
            kept = self._kept["providers"].setdefault(name, {})
            self._providers[name] = _valid(PER_PROVIDER, values, f"{name}.", refused, kept)
        self._kept.update({k: v for k, v in data.items() if k not in ("settings", "providers")})
        if refused:
            self.problems.append(
                f"Some settings in {self.path} were ignored, so their defaults are used: "
                + "; ".join(reason.rstrip(".") for reason in refused)
                + ". Set them again, or fix them in the file."
            )


def _setting(table: dict[str, Setting], name: str) -> Setting:
    try:
        return table[name]
    except KeyError:
        raise SettingsError(
            f"No setting named {name!r}; known: {', '.join(table)}.", name
        ) from None


def _valid(
    table: dict[str, Setting],
    values: Any,
    prefix: str,
    refused: list[str],
    kept: dict[str, Any],
) -> dict[str, SettingValue]:
    """The known, valid values of ``values``. A bad one is dropped, not fatal: why goes to
    ``refused``; it and the names this version does not know go to ``kept``."""
    valid: dict[str, SettingValue] = {}
    if not isinstance(values, dict):
        return valid
    for name, value in values.items():
        if name not in table:
            kept[name] = value
            continue
        try:
            valid[name] = table[name].coerce(value)
        except SettingsError as error:
            refused.append(f"{prefix}{error}")
            kept[name] = value
    return valid
