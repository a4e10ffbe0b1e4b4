"""The interpreter for chatgpt.com's turnstile program: a small register machine."""

from __future__ import annotations

import base64
import binascii
import json
import json.encoder
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from .chatgpt_values import (
    MAX_VALUE_CHARS,
    UNDEFINED,
    Operation,
    TurnstileError,
    ValueTooLarge,
    _base64_size,
    _is_number,
    _json_excerpt,
    _shown,
    _Unsupported,
    atob,
    js_stringify,
    text,
    xor,
)

MAX_STEPS = 100_000
"""A program may append to its own instruction list; this bounds how many steps it runs."""
MAX_PRODUCED_CHARS = 16 * 1024 * 1024
"""All the text a program may build over its run (strings, JSON texts, JSON it parses)."""
DEADLINE_SECONDS = 2.0
"""The longest a program may run; the site's own programs take a few milliseconds."""
LOCAL_STORAGE_KEYS = ["oai-did", "client-correlated-secret", "oai/apps/hasSeenOnboarding"]
_PROGRAM_REGISTER = 9
_WINDOW_REGISTER = 10
_TOKEN_REGISTER = 16
_LOCATION = "window.document.location"
_HOSTILE = (ArithmeticError, LookupError, MemoryError, RecursionError, TypeError, ValueError)
"""What Python raises on operands a hostile program chooses; each becomes a TurnstileError."""


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
