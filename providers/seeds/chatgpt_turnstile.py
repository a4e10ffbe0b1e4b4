"""The interpreter for chatgpt.com's turnstile program: a small register machine."""

from __future__ import annotations

import base64
import binascii
import json
import math
import random
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..errors import ProviderError

MAX_STEPS = 100_000
"""A program may append to its own instruction list; this bounds how long it runs."""
LOCAL_STORAGE_KEYS = ["oai-did", "client-correlated-secret", "oai/apps/hasSeenOnboarding"]
_PROGRAM_REGISTER = 9
_WINDOW_REGISTER = 10
_TOKEN_REGISTER = 16
_LOCATION = "window.document.location"


class TurnstileError(ProviderError):
    """The site's turnstile program used an instruction Parley cannot run."""

    default_hint = "The site may have changed its browser check; try another provider."


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
    size = len(key)
    return "".join(chr(ord(char) ^ ord(key[i % size])) for i, char in enumerate(text))


def atob(encoded: str) -> str:
    """Base64 text decoded as the browser's ``atob`` reads it (padding optional), as UTF-8."""
    compact = "".join(encoded.split())
    compact += "=" * (-len(compact) % 4 if len(compact) % 4 != 1 else 0)
    return base64.b64decode(compact, validate=True).decode("utf-8")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def js_number(value: float) -> str:
    """A number as JavaScript's ``String(n)`` and ``JSON.stringify`` write it."""
    if isinstance(value, int) and abs(value) < 10**21:
        return str(value)
    value = float(value)
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


def js_stringify(value: Any) -> str | None:
    """``JSON.stringify(value)``: compact, non-ASCII kept; None where JavaScript gives undefined."""
    if value is UNDEFINED or isinstance(value, Operation):
        return None
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if _is_number(value):
        return js_number(value) if math.isfinite(value) else "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        items = (js_stringify(item) for item in value)
        return "[" + ",".join("null" if item is None else item for item in items) + "]"
    if isinstance(value, dict):
        pairs = ((str(key), js_stringify(item)) for key, item in value.items())
        fields = (f"{json.dumps(key, ensure_ascii=False)}:{item}" for key, item in pairs if item)
        return "{" + ",".join(fields) + "}"
    raise TypeError(f"cannot serialise {type(value).__name__}")


def text(value: Any) -> str:
    """The turnstile's text of a value: ``undefined``, ``%.16g`` numbers, strings, JSON."""
    if value is UNDEFINED:
        return "undefined"
    if _is_number(value):
        return f"{value:.16g}"
    if isinstance(value, str):
        return value
    if isinstance(value, Operation):
        return "function () { [native code] }"
    return js_stringify(value) or "undefined"


def decode_program(dx: str, token: str) -> list[Any]:
    """The instruction list hidden in ``dx``: base64, then XOR with the requirements token."""
    try:
        hidden = base64.b64decode(dx).decode("utf-8")
        program = json.loads(xor(hidden, token))
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise TurnstileError(f"Could not read the site's turnstile program ({error}).") from error
    if not isinstance(program, list):
        raise TurnstileError("The site's turnstile program is not a list of instructions.")
    return program


class _Unsupported(ValueError):
    """An instruction asked for something outside the supported set."""


def _key(name: Any) -> int | str:
    """A register name: a number (``3.0`` is register 3) or a string."""
    if isinstance(name, float) and name.is_integer():
        return int(name)
    if isinstance(name, int | str) and not isinstance(name, bool):
        return name
    raise _Unsupported(f"{text(name)} is not a register name")


def _describe(instruction: Any) -> str:
    """An instruction as JSON, shortened to fit in an error message."""
    try:
        shown = js_stringify(instruction) or repr(instruction)
    except (TypeError, ValueError, RecursionError):
        shown = repr(instruction)
    return shown if len(shown) <= 120 else shown[:119] + "…"


def _same(left: Any, right: Any) -> bool:
    """JavaScript's ``===``: numbers and strings by value, objects by identity."""
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    if isinstance(left, list | dict) or isinstance(right, list | dict):
        return left is right
    return type(left) is type(right) and left == right


class Machine:
    """One run of a turnstile program against the requirements token ``token``."""

    def __init__(self, token: str, url: str, started: float):
        self.token = token
        self.location = url.rstrip("/") + "/"
        self.started = started
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
        index = 0
        while index < len(program):
            if index >= MAX_STEPS:
                raise TurnstileError(f"The site's turnstile program ran over {MAX_STEPS} steps.")
            self._step(program[index])
            index += 1
        if self.result is None:
            raise TurnstileError("The site's turnstile program ended without a result.")
        return self.result

    def _step(self, instruction: Any) -> None:
        try:
            if not isinstance(instruction, list) or not instruction:
                raise _Unsupported("an instruction must be a non-empty list")
            code, *args = instruction
            callee = self.get(code)
            if isinstance(callee, Operation):
                callee.run(*args)
            elif callee is UNDEFINED and _key(code) not in _OPERATIONS:
                raise _Unsupported(f"there is no operation {text(code)}")
        except TurnstileError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError) as e:
            raise TurnstileError(
                "Parley cannot run the unsupported turnstile instruction "
                f"{_describe(instruction)}: {e}."
            ) from e

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
            raise _Unsupported(f"{text(callee)!r} is not a supported browser function")
        return function(self, *values)

    def op_xor(self, e: Any, t: Any) -> None:
        self.put(e, xor(text(self.get(e)), text(self.get(t))))

    def op_set(self, e: Any, value: Any) -> None:
        self.put(e, value)

    def op_resolve(self, value: Any) -> None:
        self.result = base64.b64encode(text(value).encode()).decode()

    def op_add(self, e: Any, t: Any) -> None:
        left, right = self.get(e), self.get(t)
        if left is UNDEFINED:
            self.put(e, right)
        elif isinstance(left, list):
            if right is not UNDEFINED:
                left.append(right)
        elif isinstance(left, str) or isinstance(right, str):
            self.put(e, text(left) + text(right))
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
            return f"{owner}.{name}"
        return None

    def op_call(self, f: Any, *args: Any) -> None:
        self.call(self.get(f), [self.get(a) for a in args])

    def op_copy(self, e: Any, t: Any) -> None:
        self.put(e, self.get(t))

    def op_parse(self, e: Any, t: Any) -> None:
        try:
            self.put(e, json.loads(text(self.get(t)), parse_constant=_reject_constant))
        except ValueError:
            self.put(e, UNDEFINED)

    def op_stringify(self, e: Any, t: Any) -> None:
        written = js_stringify(self.get(t))
        self.put(e, UNDEFINED if written is None else written)

    def op_call_store(self, e: Any, t: Any, *args: Any) -> None:
        self.put(e, self.call(self.get(t), [self.get(a) for a in args]))

    def op_decode(self, e: Any) -> None:
        self.put(e, atob(text(self.get(e))))

    def op_encode(self, e: Any) -> None:
        self.put(e, base64.b64encode(text(self.get(e)).encode()).decode())

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
        return list(target)
    raise _Unsupported(f"window.Object.keys of {text(target)!r} is not supported")


def _math_random(machine: Machine, *args: Any) -> float:
    return random.random()


def _reflect_set(machine: Machine, target: Any, key: Any, value: Any, *args: Any) -> bool:
    if not isinstance(target, dict):
        raise _Unsupported(f"window.Reflect.set needs an object, not {text(target)!r}")
    target[text(key)] = value
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


def solve_turnstile(dx: str, token: str, url: str, started: float) -> str:
    """The turnstile header value: run the program in ``dx`` (hidden with ``token``)."""
    return Machine(token, url, started).run(decode_program(dx, token))
