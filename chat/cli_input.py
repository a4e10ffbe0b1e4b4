"""What the command line and standard input hand ``parley``: options, timeouts, text."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from providers.contract import Options

    from .settings import Settings


class UsageError(Exception):
    """A mistake on the command line; the message says what to type instead."""


def parse_options(
    pairs: list[str], credential_kinds: tuple[str, ...] = ()
) -> tuple[Options, dict[str, Any]]:
    """``-o NAME=VALUE`` pairs: the generation options, each checked as the options table
    says, and the credentials the provider declares (``cookies=...``), as the text given."""
    from providers.contract import Options

    from .settings import OPTIONS, SettingsError

    options: dict[str, Any] = {}
    given: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--option {pair!r}: write KEY=VALUE, e.g. temperature=0.2.")
        if key in credential_kinds:
            given[key] = _credential_value(raw)
            continue
        if key not in OPTIONS:
            known = ", ".join([*OPTIONS, *credential_kinds])
            flag = {"proxy": " (use --proxy)", "base_url": " (use --base-url)"}.get(key, "")
            raise UsageError(f"--option {key}: no such option{flag}. Known options: {known}.")
        try:
            options[key] = OPTIONS[key].coerce(_option_value(raw))
        except SettingsError as error:
            raise UsageError(f"--option {error}") from None
    return Options.of(options), given


def _option_value(raw: str) -> Any:
    """A JSON number or boolean as that; anything else as the text it is."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return raw
    return value if isinstance(value, int | float | bool) else raw


def _credential_value(raw: str) -> Any:
    """A credential given as ``-o``: a JSON object (cookies by name) as a mapping, else the
    text as given (a key, or cookies in any form the provider reads)."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return raw
    return value if isinstance(value, dict) else raw


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
