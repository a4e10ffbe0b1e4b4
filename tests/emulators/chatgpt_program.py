"""The chatgpt.com emulator's turnstile programs: built at random, with the answer they expect."""

from __future__ import annotations

import base64
import binascii
import json
import math
import secrets
from dataclasses import dataclass
from typing import Any

SEPARATOR = "|"


def xor(text: str, key: str) -> str:
    return "".join(chr(ord(c) ^ ord(key[i % len(key)])) for i, c in enumerate(text))


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def hide(program: list[Any], token: str) -> str:
    """``dx``: the program's JSON XOR-ed with the client's requirements token, in base64."""
    return b64(xor(json.dumps(program), token))


@dataclass(frozen=True)
class Turnstile:
    """A program and what its result must say: fixed fields, then three the browser varies."""

    program: list[Any]
    fixed: list[str]

    def problem(self, header: str | None) -> str:
        """Why ``header`` is not this program's result ("" when it is)."""
        if not header:
            return "the turnstile token is missing"
        try:
            fields = base64.b64decode(header, validate=True).decode().split(SEPARATOR)
        except (binascii.Error, UnicodeDecodeError):
            return "the turnstile token is not base64 text"
        if fields[: len(self.fixed)] != self.fixed or len(fields) != len(self.fixed) + 3:
            return f"the turnstile result is wrong: {fields!r} (expected {self.fixed!r} + 3)"
        return _varying_problem(*fields[len(self.fixed) :], number=int(self.fixed[2]))


def _varying_problem(keys: str, rand: str, now: str, *, number: int) -> str:
    """The localStorage keys (then the number), Math.random() and performance.now()."""
    try:
        listed, chance, elapsed = json.loads(keys), float(rand), float(now)
    except ValueError:
        return f"the turnstile browser values are malformed: {keys!r} {rand!r} {now!r}"
    if not (isinstance(listed, list) and listed and listed[-1] == number):
        return f"Object.keys(localStorage) + the number is wrong: {keys!r}"
    if not all(isinstance(key, str) for key in listed[:-1]):
        return f"localStorage keys must be strings: {keys!r}"
    if not 0 <= chance < 1 or not math.isfinite(elapsed) or not 0 <= elapsed < 600_000:
        return f"Math.random() or performance.now() is out of range: {rand!r} {now!r}"
    return ""


def _name(program: list[Any], register: int, *path: str) -> None:
    """Instructions leaving the property path ``window.<path...>`` in ``register``."""
    last = 10
    for step, part in enumerate(path):
        program.append([2, register + 100, part])
        target = register if step == len(path) - 1 else register + 200 + step
        program.append([24, target, last, register + 100])
        last = target


def make_turnstile(url: str, token: str) -> Turnstile:
    """A program that uses every operation the spec lists (1 2 3 5 6 7 8 14 15 17 18 19 20
    21 23 24); its result joins a JSON map, the location, a number, the token, a sum and
    three browser values with ``|``."""
    word, key, number = secrets.token_hex(5), "k" + secrets.token_hex(3), secrets.randbelow(90) + 2
    location = url.rstrip("/") + "/"
    p: list[Any] = [[3, "decoy: the last result wins"], [2, 30, word], [2, 31, key], [1, 30, 31]]
    p += [[19, 30], [8, 32, 30], [18, 32], [1, 32, 31]]  # 32: the word again
    p += [[2, 33, "document"], [6, 34, 10, 33], [2, 35, "location"], [6, 36, 34, 35]]
    _name(p, 40, "Object", "create")
    _name(p, 41, "Reflect", "set")
    _name(p, 42, "Object", "keys")
    _name(p, 43, "localStorage")
    _name(p, 44, "Math", "random")
    _name(p, 45, "performance", "now")
    p += [[2, 50, None], [17, 51, 40, 50], [2, 52, number], [2, 53, "n"], [7, 41, 51, 53, 52]]
    p += [[2, 54, "s"], [23, 32, 41, 51, 54, 32], [23, 99, 41, 51, 53, 36]]
    p += [[2, 55, number], [2, 56, "eq"], [20, 52, 55, 41, 51, 56, 36]]
    p += [[2, 57, str(number)], [20, 52, 57, 41, 51, 53, 30], [21, 1, 2]]
    p += [[15, 58, 51], [14, 59, 58], [15, 60, 59], [2, 61, 0.5], [5, 61, 52]]
    p += [[17, 62, 42, 43], [5, 62, 52], [15, 63, 62], [17, 64, 44], [17, 65, 45]]
    p += [[8, 70, 60], [2, 71, SEPARATOR]]
    for register in (36, 52, 16, 61, 63, 64, 65):
        p += [[5, 70, 71], [5, 70, register]]
    p += [[20, 52, 55, 3, 70]]
    stored = json.dumps({"n": number, "s": word, "eq": location}, separators=(",", ":"))
    fixed = [stored, location, str(number), token, f"{number + 0.5:.16g}"]
    return Turnstile(p, fixed)
