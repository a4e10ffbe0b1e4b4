"""Typed reads of the fields of a JSON object from a file, each failure naming its place."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NoReturn

from ..store.rows import clean

Fail = Callable[[str], NoReturn]
"""Raises the ``TranscriptError`` of one object, given what is wrong with it."""

_MISSING = object()


def kind_of(value: Any) -> str:
    """What a JSON value is, in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    kinds = {str: "text", int: "a number", float: "a number", list: "a list", dict: "an object"}
    return kinds.get(type(value), type(value).__name__)


def conversation_place(index: int, title: str | None) -> str:
    """Where a conversation is, for an error: its number in the file (``index`` from 0), and
    its title when it has one."""
    if not title:
        return f"conversation {index + 1}"
    shown = title if len(title) <= 60 else title[:59] + "…"
    return f"conversation {index + 1} ({shown!r})"


def cleaned(value: Any) -> Any:
    """``value`` with every text in it (keys too) as the store keeps text (see ``clean``)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(str(k)): cleaned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cleaned(v) for v in value]
    return value


class Fields:
    """The fields of the object ``data``, read by type; ``prefix`` names it in errors
    (``messages[3].``), ``fail`` raises the error of the whole (naming the conversation)."""

    def __init__(self, data: Any, prefix: str, fail: Fail) -> None:
        self.prefix = prefix
        self.fail = fail
        if not isinstance(data, dict):
            fail(f"“{prefix.rstrip('.') or 'it'}” should be an object, found {kind_of(data)}")
        self.data: dict[str, Any] = data

    def wrong(self, name: str, wanted: str) -> NoReturn:
        found = self.data.get(name, _MISSING)
        what = "it is missing" if found is _MISSING else f"found {kind_of(found)}"
        self.fail(f"“{self.prefix}{name}” should be {wanted}, {what}")

    def _get(self, name: str, default: Any, wanted: str) -> Any:
        value = self.data.get(name, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                self.wrong(name, wanted)
            return default
        return value

    def text(self, name: str, default: Any = _MISSING) -> str:
        value = self._get(name, default, "text")
        if not isinstance(value, str):
            self.wrong(name, "text")
        return clean(value)

    def optional_text(self, name: str, *, required: bool = False) -> str | None:
        value = self._get(name, _MISSING if required else None, "text or null")
        if value is not None and not isinstance(value, str):
            self.wrong(name, "text or null")
        return None if value is None else clean(value)

    def flag(self, name: str, default: Any = _MISSING) -> bool:
        value = self._get(name, default, "true or false")
        if not isinstance(value, bool):
            self.wrong(name, "true or false")
        return value

    def number(self, name: str, default: Any = _MISSING) -> float:
        value = self._get(name, default, "a number")
        found = seconds(value)
        if found is None:
            self.wrong(name, "a number")
        return found

    def optional_number(self, name: str) -> float | None:
        value = self.data.get(name)
        found = seconds(value)
        if value is not None and found is None:
            self.wrong(name, "a number or null")
        return found

    def optional_integer(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            self.wrong(name, "a whole number or null")
        return value

    def object(self, name: str, default: Any = _MISSING) -> dict[str, Any]:
        value = self._get(name, default, "an object")
        if not isinstance(value, dict):
            self.wrong(name, "an object")
        return value

    def list(self, name: str) -> list[Any]:
        value = self._get(name, _MISSING, "a list")
        if not isinstance(value, list):
            self.wrong(name, "a list")
        return value


def seconds(value: Any) -> float | None:
    """A finite number (a time given as seconds since the epoch), if ``value`` is one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        found = float(value)
    except OverflowError:
        return None
    return found if math.isfinite(found) else None
