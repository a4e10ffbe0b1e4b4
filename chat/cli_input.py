"""What the command line and standard input hand ``parley``: options, timeouts, text."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from providers.contract import Options

    from .settings import Settings


class UsageError(Exception):
    """A mistake on the command line; the message says what to type instead."""


SECRET_KINDS = ("api_key", "access_token", "cookies")
"""The credentials a provider may declare; ``header:NAME`` (an endpoint's secret header) too."""

_WHAT = {
    "api_key": ("an API key is a secret", "it", "the key"),
    "access_token": ("an access token is a secret", "it", "the token"),
    "cookies": ("a site's cookies are secrets", "them", "the cookies"),
    "proxy_password": ("a proxy's password is a secret", "it", "the password"),
}


def parse_options(pairs: list[str], provider: str = "", base_url: str | None = None) -> Options:
    """``-o NAME=VALUE`` pairs: the generation options, each checked as the options table
    says. A secret (an API key, a token, cookies, a secret header) is refused: it would be
    seen by other users and kept in the shell's history; the refusal says how to store it
    for ``provider`` (at ``base_url``)."""
    from providers.contract import Options

    from .settings import OPTIONS, SettingsError

    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--option {pair!r}: write KEY=VALUE, e.g. temperature=0.2.")
        if key in SECRET_KINDS or key.lower().startswith("header:"):
            raise UsageError(secret_refused(key, provider, base_url))
        if key not in OPTIONS:
            known = ", ".join(OPTIONS)
            flag = {"proxy": " (use --proxy)", "base_url": " (use --base-url)"}.get(key, "")
            raise UsageError(f"--option {key}: no such option{flag}. Known options: {known}.")
        try:
            options[key] = OPTIONS[key].coerce(_option_value(raw))
        except SettingsError as error:
            raise UsageError(f"--option {error}") from None
    return Options.of(options)


def secret_refused(
    kind: str, provider: str, base_url: str | None = None, proxy: str | None = None
) -> str:
    """Why a secret of ``kind`` given on the command line is refused, and the command that
    stores it for ``provider`` instead (at ``base_url``; a proxy password for ``proxy``)."""
    import shlex

    header = kind.partition(":")[2] if kind.lower().startswith("header:") else ""
    default = (f"the value of the header {header} is a secret", "it", "the value")
    what, it, thing = _WHAT.get(kind, default)
    command = ["parley", "keys", "set", provider or "PROVIDER", kind]
    if base_url:
        command += ["--base-url", base_url]
    if proxy:
        command += ["--proxy", proxy]
    again = f" with --proxy {shlex.quote(proxy)}" if proxy else ""
    return (
        f"{what}, so Parley never takes {it} from the command line (other users "
        f"and your shell's history could read {it}). Store {it} once with "
        f"`{shlex.join(command)}` (it reads {thing} from stdin or asks for {it} hidden), "
        f"then run this again{again}."
    )


def refuse_proxy_password(proxy: str | None, provider: str) -> None:
    """A ``--proxy`` URL with a password in it is refused, with the command that stores the
    password in the keyring for the URL without it."""
    from .settings import split_proxy_password

    if not proxy:
        return
    try:
        bare, password = split_proxy_password(proxy)
    except ValueError:  # not a URL at all: the request through it says so, as before
        return
    if password is not None:
        raise UsageError(secret_refused("proxy_password", provider, proxy=bare))


def _option_value(raw: str) -> Any:
    """A JSON number or boolean as that; anything else as the text it is."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return raw
    return value if isinstance(value, int | float | bool) else raw


def seconds_flag(flag: str, value: str | float | None, settings: Settings) -> float:
    """A timeout from the command line, checked as its setting is; else the saved one."""
    from .settings import GLOBAL, SettingsError

    name = flag.removeprefix("--").replace("-", "_")
    if value is None:
        return float(settings.get(name))
    try:
        return float(GLOBAL[name].coerce(value))
    except SettingsError as error:
        message = str(error).removeprefix(f"{name}: ")
        raise UsageError(f"{flag}: {message}") from None


def text_from(stdin: TextIO, what: str) -> str:
    """All of ``stdin`` as UTF-8 text; anything else is a usage error that says so."""
    buffer = getattr(stdin, "buffer", None)
    if buffer is None:
        return stdin.read()
    raw: bytes = buffer.read()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UsageError(
            f"The {what} on standard input is not UTF-8 text (byte {error.start} is not). "
            "Save it as UTF-8 and try again."
        ) from None


def read_prompt(words: list[str], stdin: TextIO) -> str:
    if words and words != ["-"]:
        return " ".join(words)
    if stdin.isatty():
        raise UsageError("Give a prompt: parley ask 'your question' (or pipe it on stdin).")
    return text_from(stdin, "prompt")
