"""The interpreter for chatgpt.com's turnstile program: a small register machine."""

from __future__ import annotations

import base64
import binascii
import json
import json.encoder
import math
import random
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..errors import ProviderError

MAX_STEPS = 100_000
"""A program may append to its own instruction list; this bounds how many steps it runs."""
MAX_VALUE_CHARS = 2 * 1024 * 1024
"""The longest text (a string, or the JSON of a list or object) a program may build.

The site's programs are a few kilobytes and build values of a few hundred characters; 2 Mi
characters is thousands of times that, and small enough that no one step takes long.
"""
MAX_PRODUCED_CHARS = 16 * 1024 * 1024
"""All the text a program may build over its run (strings, JSON texts, JSON it parses)."""
DEADLINE_SECONDS = 2.0
"""The longest a program may run; the site's own programs take a few milliseconds."""
MAX_JSON_ITEMS = 20_000
"""The most items (list elements, object fields) one JSON text may hold; the site's hold a few
dozen. Each item is written by Python code: this keeps one step's time well under a second."""
MAX_NESTING = 100
"""The deepest a list or object may nest to be written as JSON (the site's nest 2 or 3)."""
LOCAL_STORAGE_KEYS = ["oai-did", "client-correlated-secret", "oai/apps/hasSeenOnboarding"]
_PROGRAM_REGISTER = 9
_WINDOW_REGISTER = 10
_TOKEN_REGISTER = 16
_LOCATION = "window.document.location"
_CHUNK = 1 << 16
"""Long texts are XOR-ed and JSON-escaped in pieces of this many characters."""
_SHOWN_CHARS = 120
_HOSTILE = (ArithmeticError, LookupError, MemoryError, RecursionError, TypeError, ValueError)
"""What Python raises on operands a hostile program chooses; each becomes a TurnstileError."""


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
    if isinstance(value, int) and abs(value) < 10**21:
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


def _reason(error: BaseException) -> str:
    return str(error) or type(error).__name__


def decode_program(dx: str, token: str) -> list[Any]:
    """The instruction list hidden in ``dx``: base64, then XOR with the requirements token.

    Raises:
        TurnstileError: ``dx`` is too long, or is not a JSON list hidden with ``token``.
    """
    if len(dx) > MAX_VALUE_CHARS:
        raise TurnstileError(
            f"The site's turnstile program is {len(dx):,} characters long, over Parley's "
            f"limit of {MAX_VALUE_CHARS:,}."
        )
    try:
        hidden = base64.b64decode(dx).decode("utf-8")
        program = json.loads(xor(hidden, token))
    except (binascii.Error, UnicodeDecodeError, *_HOSTILE) as error:
        raise TurnstileError(
            f"Could not read the site's turnstile program ({_reason(error)})."
        ) from error
    if not isinstance(program, list):
        raise TurnstileError("The site's turnstile program is not a list of instructions.")
    return program


def _key(name: Any) -> int | str:
    """A register name: a number (``3.0`` is register 3) or a string."""
    if isinstance(name, float) and name.is_integer():
        return int(name)
    if isinstance(name, int | str) and not isinstance(name, bool):
        return name
    raise _Unsupported(f"{_shown(name)} is not a register name")


def _same(left: Any, right: Any) -> bool:
    """JavaScript's ``===``: numbers and strings by value, objects by identity."""
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    if isinstance(left, list | dict) or isinstance(right, list | dict):
        return left is right
    return type(left) is type(right) and left == right


class Machine:
    """One run of a turnstile program against the requirements token ``token``.

    ``run`` raises only TurnstileError: for an instruction it cannot run, for a program that
    passes a bound (``MAX_STEPS``, ``MAX_VALUE_CHARS``, ``MAX_PRODUCED_CHARS``, ``time_limit``
    seconds), and once ``stop`` is set (checked before every step).
    """

    def __init__(
        self,
        token: str,
        url: str,
        started: float,
        *,
        stop: threading.Event | None = None,
        time_limit: float = DEADLINE_SECONDS,
    ):
        self.token = token
        self.location = url.rstrip("/") + "/"
        self.started = started
        self.stop = stop if stop is not None else threading.Event()
        self.time_limit = time_limit
        self.produced = 0
        self.result: str | None = None
        self.registers: dict[int | str, Any] = {
            _WINDOW_REGISTER: "window",
            _TOKEN_REGISTER: token,
        }
        for code, name in _OPERATIONS.items():
            self.registers[code] = Operation(code, getattr(self, name))

    def run(self, program: list[Any]) -> str:
        """Run every instruction in order; the program's result (base64 text)."""
        self.registers[_PROGRAM_REGISTER] = program
        deadline = time.monotonic() + self.time_limit
        index = 0
        while index < len(program):
            self._check(index, deadline)
            self._step(program[index])
            index += 1
        if self.result is None:
            raise TurnstileError("The site's turnstile program ended without a result.")
        return self.result

    def _check(self, index: int, deadline: float) -> None:
        """Raise when the program must end before its step ``index``."""
        if index >= MAX_STEPS:
            raise TurnstileError(f"The site's turnstile program ran over {MAX_STEPS} steps.")
        if self.stop.is_set():
            raise TurnstileError("The turnstile program was stopped before it ended.")
        if time.monotonic() > deadline:
            raise TurnstileError(
                f"The site's turnstile program ran for over {self.time_limit:g} s, "
                "where a browser check takes milliseconds."
            )

    def _step(self, instruction: Any) -> None:
        try:
            if not isinstance(instruction, list) or not instruction:
                raise _Unsupported("an instruction must be a non-empty list")
            code, *args = instruction
            callee = self.get(code)
            if isinstance(callee, Operation):
                callee.run(*args)
            elif callee is UNDEFINED and _key(code) not in _OPERATIONS:
                raise _Unsupported(f"there is no operation {_shown(code)}")
        except TurnstileError:
            raise
        except _HOSTILE as e:
            raise TurnstileError(
                "Parley cannot run the unsupported turnstile instruction "
                f"{_json_excerpt(instruction)}: {_reason(e)}."
            ) from e

    def charge(self, size: int, counted: int = 0) -> None:
        """Count a value of ``size`` characters (``counted`` of them already) before it is
        built; refuse it past a bound."""
        if size > MAX_VALUE_CHARS:
            raise TurnstileError(
                "The site's turnstile program tried to build a value longer than Parley's "
                f"limit of {MAX_VALUE_CHARS:,} characters."
            )
        if self.produced + size - counted > MAX_PRODUCED_CHARS:
            raise TurnstileError(
                f"The site's turnstile program built over {MAX_PRODUCED_CHARS:,} characters "
                "in all, far more than a browser check needs."
            )
        self.produced += size - counted

    def as_json(self, value: Any) -> str | None:
        """``js_stringify(value)``, counted against the bounds as it is written."""
        room = min(MAX_VALUE_CHARS, MAX_PRODUCED_CHARS - self.produced)
        try:
            written = js_stringify(value, room)
        except ValueTooLarge:
            self.charge(room + 1)  # raises, saying which bound the value passed
            raise
        if written is not None:
            self.charge(len(written))
        return written

    def as_text(self, value: Any) -> str:
        """``text(value)``; a list's or object's JSON counted against the bounds."""
        if isinstance(value, list | dict):
            return self.as_json(value) or "undefined"
        return text(value)

    def as_base64(self, value: str) -> str:
        """``btoa`` of ``value``'s UTF-8, refused before encoding when it would be too long."""
        least = _base64_size(len(value))  # UTF-8 takes a byte or more a character
        self.charge(least)
        data = value.encode()
        self.charge(_base64_size(len(data)), counted=least)
        return base64.b64encode(data).decode()

    def get(self, name: Any) -> Any:
        return self.registers.get(_key(name), UNDEFINED)

    def put(self, name: Any, value: Any) -> None:
        if value is UNDEFINED:
            self.registers.pop(_key(name), None)
        else:
            self.registers[_key(name)] = value

    def call(self, callee: Any, values: list[Any]) -> Any:
        """Call an operation, or the browser function whose property path ``callee`` holds."""
        if isinstance(callee, Operation):
            callee.run(*values)
            return UNDEFINED
        function = _BROWSER.get(callee) if isinstance(callee, str) else None
        if function is None:
            raise _Unsupported(f"{_shown(callee)!r} is not a supported browser function")
        return function(self, *values)

    def op_xor(self, e: Any, t: Any) -> None:
        value, key = self.as_text(self.get(e)), self.as_text(self.get(t))
        self.charge(len(value))
        self.put(e, xor(value, key))

    def op_set(self, e: Any, value: Any) -> None:
        self.put(e, value)

    def op_resolve(self, value: Any) -> None:
        self.result = self.as_base64(self.as_text(value))

    def op_add(self, e: Any, t: Any) -> None:
        left, right = self.get(e), self.get(t)
        if left is UNDEFINED:
            self.put(e, right)
        elif isinstance(left, list):
            if right is not UNDEFINED:
                left.append(right)  # one item a step: a list stays under MAX_STEPS items
        elif isinstance(left, str) or isinstance(right, str):
            head, tail = self.as_text(left), self.as_text(right)
            self.charge(len(head) + len(tail))
            self.put(e, head + tail)
        elif _is_number(left) and _is_number(right):
            self.put(e, left + right)
        else:
            self.put(e, "NaN")

    def op_path(self, e: Any, t: Any, n: Any) -> None:
        path = self._path(t, n)
        if path is not None:
            self.put(e, self.location if path == _LOCATION else path)

    def op_property(self, e: Any, t: Any, n: Any) -> None:
        path = self._path(t, n)
        if path is not None:
            self.put(e, path)

    def _path(self, t: Any, n: Any) -> str | None:
        owner, name = self.get(t), self.get(n)
        if isinstance(owner, str) and isinstance(name, str):
            self.charge(len(owner) + 1 + len(name))
            return f"{owner}.{name}"
        return None

    def op_call(self, f: Any, *args: Any) -> None:
        self.call(self.get(f), [self.get(a) for a in args])

    def op_copy(self, e: Any, t: Any) -> None:
        self.put(e, self.get(t))

    def op_parse(self, e: Any, t: Any) -> None:
        source = self.as_text(self.get(t))
        self.charge(len(source))  # what JSON builds is about as large as its text
        try:
            self.put(e, json.loads(source, parse_constant=_reject_constant))
        except ValueError:
            self.put(e, UNDEFINED)

    def op_stringify(self, e: Any, t: Any) -> None:
        written = self.as_json(self.get(t))
        self.put(e, UNDEFINED if written is None else written)

    def op_call_store(self, e: Any, t: Any, *args: Any) -> None:
        self.put(e, self.call(self.get(t), [self.get(a) for a in args]))

    def op_decode(self, e: Any) -> None:
        encoded = self.as_text(self.get(e))
        self.charge(len(encoded))  # atob's text is shorter than its input
        self.put(e, atob(encoded))

    def op_encode(self, e: Any) -> None:
        self.put(e, self.as_base64(self.as_text(self.get(e))))

    def op_call_if_equal(self, e: Any, t: Any, f: Any, *args: Any) -> None:
        if _same(self.get(e), self.get(t)):
            self.call(self.get(f), [self.get(a) for a in args])

    def op_nothing(self, *args: Any) -> None:
        """Operation 21 does nothing."""

    def op_call_if_set(self, e: Any, f: Any, *args: Any) -> None:
        if self.get(e) is not UNDEFINED:
            self.call(self.get(f), [self.get(a) for a in args])


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _performance_now(machine: Machine, *args: Any) -> float:
    return (time.perf_counter() - machine.started) * 1000


def _object_create(machine: Machine, *args: Any) -> dict[str, Any]:
    return {}


def _object_keys(machine: Machine, target: Any = UNDEFINED, *args: Any) -> list[Any]:
    if target == "window.localStorage":
        return list(LOCAL_STORAGE_KEYS)
    if isinstance(target, dict):
        return list(target)  # an object gains one key a step: under MAX_STEPS keys
    raise _Unsupported(f"window.Object.keys of {_shown(target)!r} is not supported")


def _math_random(machine: Machine, *args: Any) -> float:
    return random.random()


def _reflect_set(machine: Machine, target: Any, key: Any, value: Any, *args: Any) -> bool:
    if not isinstance(target, dict):
        raise _Unsupported(f"window.Reflect.set needs an object, not {_shown(target)!r}")
    target[machine.as_text(key)] = value
    return True


_BROWSER: dict[str, Callable[..., Any]] = {
    "window.performance.now": _performance_now,
    "window.Object.create": _object_create,
    "window.Object.keys": _object_keys,
    "window.Math.random": _math_random,
    "window.Reflect.set": _reflect_set,
}
_OPERATIONS: dict[int, str] = {
    1: "op_xor",
    2: "op_set",
    3: "op_resolve",
    5: "op_add",
    6: "op_path",
    7: "op_call",
    8: "op_copy",
    14: "op_parse",
    15: "op_stringify",
    17: "op_call_store",
    18: "op_decode",
    19: "op_encode",
    20: "op_call_if_equal",
    21: "op_nothing",
    23: "op_call_if_set",
    24: "op_property",
}


def solve_turnstile(
    dx: str, token: str, url: str, started: float, *, stop: threading.Event | None = None
) -> str:
    """The turnstile header value: run the program in ``dx`` (hidden with ``token``).

    Raises:
        TurnstileError: the program cannot be read or run, passed a bound, or ``stop`` was set.
    """
    return Machine(token, url, started, stop=stop).run(decode_program(dx, token))
