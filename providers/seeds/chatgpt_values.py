"""JavaScript values as the turnstile program sees them: ``undefined``, numbers written as
JavaScript writes them, JSON text, XOR and base64, every size bounded before it is built."""

from __future__ import annotations

import base64
import json
import json.encoder
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..errors import ProviderError

MAX_VALUE_CHARS = 2 * 1024 * 1024
"""The longest text (a string, or the JSON of a list or object) a program may build.

The site's programs are a few kilobytes and build values of a few hundred characters; 2 Mi
characters is thousands of times that, and small enough that no one step takes long.
"""


MAX_JSON_ITEMS = 20_000
"""The most items (list elements, object fields) one JSON text may hold; the site's hold a few
dozen. Each item is written by Python code: this keeps one step's time well under a second."""


MAX_NESTING = 100
"""The deepest a list or object may nest to be written as JSON (the site's nest 2 or 3)."""


_CHUNK = 1 << 16
"""Long texts are XOR-ed and JSON-escaped in pieces of this many characters."""


_SHOWN_CHARS = 120


class TurnstileError(ProviderError):
    """The site's turnstile program used an instruction Parley cannot run, or ran too long."""

    default_hint = "The site may have changed its browser check; try another provider."


class ValueTooLarge(TurnstileError):
    """A value's JSON text would pass the length it was allowed."""

    def __init__(self, limit: int):
        super().__init__(
            f"The site's turnstile program tried to write a value whose JSON is over {limit:,} "
            "characters long."
        )


class _Unsupported(ValueError):
    """An instruction asked for something outside the supported set."""


class _Undefined:
    """JavaScript's ``undefined``: the value of a register nobody set."""

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED: Any = _Undefined()


class Operation:
    """An operation held in a register; called with the instruction's arguments."""

    def __init__(self, code: int, run: Callable[..., None]):
        self.code = code
        self.run = run

    def __repr__(self) -> str:
        return f"Operation({self.code})"


def xor(text: str, key: str) -> str:
    """Each character of ``text`` XOR-ed with the key's character at the same position."""
    if not key:
        raise ValueError("XOR with an empty key")
    span = len(key) * max(1, _CHUNK // len(key))
    pad = key * (span // len(key))
    return "".join(_xor_span(text[i : i + span], pad) for i in range(0, len(text), span))


def _xor_span(piece: str, pad: str) -> str:
    """``piece`` XOR-ed with the start of ``pad``, all its characters at once as one integer."""
    mixed = _code_points(piece) ^ _code_points(pad[: len(piece)])
    try:
        return mixed.to_bytes(4 * len(piece), "little").decode("utf-32-le", "surrogatepass")
    except UnicodeDecodeError:
        raise ValueError("XOR made a character beyond U+10FFFF") from None


def _code_points(piece: str) -> int:
    return int.from_bytes(piece.encode("utf-32-le", "surrogatepass"), "little")


def atob(encoded: str) -> str:
    """Base64 text decoded as the browser's ``atob`` reads it (padding optional), as UTF-8."""
    compact = "".join(encoded.split())
    compact += "=" * (-len(compact) % 4 if len(compact) % 4 != 1 else 0)
    return base64.b64decode(compact, validate=True).decode("utf-8")


def _base64_size(size: int) -> int:
    """The length of the base64 text of ``size`` bytes."""
    return 4 * ((size + 2) // 3)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _js_float(value: float) -> float:
    """A number as JavaScript holds it: an integer too large for a double is infinite."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def js_number(value: float) -> str:
    """A number as JavaScript's ``String(n)`` and ``JSON.stringify`` write it."""
    if isinstance(value, int) and abs(value) <= 2**53:  # held exactly by a double
        return str(value)
    value = _js_float(value)
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if value == 0:
        return "0"
    exact = Decimal(repr(abs(value))).as_tuple()
    digits = "".join(map(str, exact.digits))
    point = len(digits) + int(exact.exponent)
    text = _place_point(digits.rstrip("0"), point)
    return "-" + text if value < 0 else text


def _place_point(digits: str, point: int) -> str:
    """ECMAScript Number::toString for the digits ``digits`` × 10^(point - len(digits))."""
    count = len(digits)
    if count <= point <= 21:
        return digits + "0" * (point - count)
    if 0 < point <= 21:
        return f"{digits[:point]}.{digits[point:]}"
    if -6 < point <= 0:
        return "0." + "0" * -point + digits
    exponent = point - 1
    sign = "+" if exponent >= 0 else "-"
    body = digits if count == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{body}e{sign}{abs(exponent)}"


_CONSTANTS = {None: "null", True: "true", False: "false"}


_quote: Callable[[str], str] = json.encoder.encode_basestring  # JSON.stringify of a string


def _is_hidden(value: Any) -> bool:
    """True for what ``JSON.stringify`` leaves out of an object: undefined and functions."""
    return value is UNDEFINED or isinstance(value, Operation)


class _Writer:
    """JSON text written piece by piece, refused once it passes ``limit`` characters or items.

    Counting items as well as characters bounds the work on a list that holds one big value
    many times over (each reference is written again), even where little text comes out.
    """

    def __init__(self, limit: int):
        self.limit = limit
        self.parts: list[str] = []
        self.chars = 0
        self.items = 0
        self.open: set[int] = set()  # the lists and objects being written: a cycle check

    def write(self, piece: str) -> None:
        room = self.limit - self.chars
        if len(piece) > room:
            self.parts.append(piece[:room])  # what fits, for an error message's excerpt
            raise ValueTooLarge(self.limit)
        self.chars += len(piece)
        self.parts.append(piece)

    def count(self) -> None:
        self.items += 1
        if self.items > MAX_JSON_ITEMS:
            raise TurnstileError(
                f"The site's turnstile program tried to write a value of over {MAX_JSON_ITEMS:,} "
                "items as JSON."
            )

    def value(self, value: Any) -> None:
        self.count()
        if value is None or isinstance(value, bool):
            self.write(_CONSTANTS[value])
        elif _is_number(value):
            self.write(js_number(value) if math.isfinite(_js_float(value)) else "null")
        elif isinstance(value, str):
            self.string(value)
        elif isinstance(value, list | dict):
            self.nested(value)
        elif _is_hidden(value):
            self.write("null")
        else:
            raise TypeError(f"cannot serialise {type(value).__name__}")

    def string(self, value: str) -> None:
        if len(value) <= _CHUNK:
            self.write(_quote(value))
            return
        self.write('"')
        for start in range(0, len(value), _CHUNK):
            self.write(_quote(value[start : start + _CHUNK])[1:-1])
        self.write('"')

    def nested(self, value: list[Any] | dict[Any, Any]) -> None:
        if id(value) in self.open:
            raise _Unsupported("a value that contains itself has no JSON text")
        if len(self.open) >= MAX_NESTING:
            raise _Unsupported(f"a value nested over {MAX_NESTING} deep is not written as JSON")
        self.open.add(id(value))
        if isinstance(value, list):
            self.array(value)
        else:
            self.object(value)
        self.open.discard(id(value))

    def array(self, items: list[Any]) -> None:
        self.write("[")
        for index, item in enumerate(items):
            if index:
                self.write(",")
            self.value(item)
        self.write("]")

    def object(self, fields: dict[Any, Any]) -> None:
        self.write("{")
        written = 0
        for key, item in fields.items():
            if _is_hidden(item):
                self.count()
                continue
            if written:
                self.write(",")
            written += 1
            self.string(str(key))
            self.write(":")
            self.value(item)
        self.write("}")


def js_stringify(value: Any, limit: int = MAX_VALUE_CHARS) -> str | None:
    """``JSON.stringify(value)``: compact, non-ASCII kept; None where JavaScript gives undefined.

    Raises:
        ValueTooLarge: the text would pass ``limit`` characters.
        TurnstileError: the value holds over ``MAX_JSON_ITEMS`` items.
        ValueError: the value contains itself, or nests over ``MAX_NESTING`` deep.
    """
    if _is_hidden(value):
        return None
    writer = _Writer(limit)
    writer.value(value)
    return "".join(writer.parts)


def text(value: Any) -> str:
    """The turnstile's text of a value: ``undefined``, ``%.16g`` numbers, strings, JSON."""
    if value is UNDEFINED:
        return "undefined"
    if _is_number(value):
        return f"{_js_float(value):.16g}"
    if isinstance(value, str):
        return value
    if isinstance(value, Operation):
        return "function () { [native code] }"
    return js_stringify(value) or "undefined"


def _json_excerpt(value: Any, limit: int = _SHOWN_CHARS) -> str:
    """The start of ``value``'s JSON text for an error message, "…" where cut; never raises."""
    if _is_hidden(value):
        return repr(value)
    writer = _Writer(limit)
    try:
        writer.value(value)
    except (TurnstileError, ValueError, TypeError):
        return "".join(writer.parts)[: limit - 1] + "…"
    return "".join(writer.parts)


def _shown(value: Any) -> str:
    """``text(value)`` shortened for an error message; never raises."""
    shown = _json_excerpt(value) if isinstance(value, list | dict) else text(value)
    return shown if len(shown) <= _SHOWN_CHARS else shown[: _SHOWN_CHARS - 1] + "…"
