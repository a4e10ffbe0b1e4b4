"""chatgpt.com's browser fingerprint (the 18-element config) and its proof-of-work solver."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

from ..errors import MalformedResponseError, ProviderError

log = logging.getLogger(__name__)

ATTEMPT_LIMIT = 500_000
"""Nonces 0 to 499,999 are tried; then the proof of work counts as unsolved."""
STOP_CHECK_ATTEMPTS = 4096
"""A stop request is looked at every this many nonces (a few milliseconds of hashing)."""
REQUIREMENTS_DIFFICULTY = "0fffff"
REQUIREMENTS_PREFIX = "gAAAAAC"
ANSWER_PREFIX = "gAAAAAB"
CONFIG_LENGTH = 18
NONCE_SLOT = 3
HALF_NONCE_SLOT = 9

FINGERPRINT_ZONE = timezone(timedelta(hours=2))
"""The fingerprint claims Central European Summer Time; the request body says the same."""
TIMEZONE_OFFSET_MIN = -120
_ZONE_SUFFIX = " GMT+0200 (Central European Summer Time)"
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
BUILD_ID = "prod-7d4d1c3b2f9e0a8c6b5e4d3c2b1a09f8e7d6c5b4"
_NAVIGATOR_KEYS = (
    "webdriver\u2212false",
    "cookieEnabled\u2212true",
    "pdfViewerEnabled\u2212true",
    "hardwareConcurrency\u221216",
)
_WINDOW_KEYS = ("onkeyup", "onpointermove", "onscroll", "ondragend", "onbeforeinput")


class ProofOfWorkError(ProviderError):
    """The site's proof of work could not be solved within the attempt limit."""

    default_hint = (
        "The site asked for more work than a client can do; try again later or pick "
        "another provider."
    )


class Proof(NamedTuple):
    """A solved proof of work: the base64 answer and the nonce that produced it."""

    answer: str
    nonce: int


def browser_time(now: datetime | None = None) -> str:
    """The time as a browser in GMT+0200 prints it, with English names whatever the locale."""
    moment = (now or datetime.now(FINGERPRINT_ZONE)).astimezone(FINGERPRINT_ZONE)
    day, month = _DAYS[moment.weekday()], _MONTHS[moment.month - 1]
    return f"{day} {month} {moment:%d %Y %H:%M:%S}{_ZONE_SUFFIX}"


def build_config(user_agent: str, perf_ms: float) -> list[Any]:
    """The 18-element fingerprint; ``perf_ms`` is milliseconds since the session started."""
    return [
        random.choice((16, 24, 32)) + random.choice((3000, 4000, 6000)),
        browser_time(),
        None,
        0,
        user_agent,
        None,
        BUILD_ID,
        "en-US",
        "en-US,es-US,en,es",
        0,
        random.choice(_NAVIGATOR_KEYS),
        "location",
        random.choice(_WINDOW_KEYS),
        perf_ms,
        str(uuid.uuid4()),
        "",
        8,
        int(time.time()),
    ]


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _pieces(config: Sequence[Any]) -> tuple[bytes, bytes, bytes]:
    """The config's compact JSON around the two nonce slots, serialised once."""
    if len(config) != CONFIG_LENGTH:
        raise ValueError(f"The config must have {CONFIG_LENGTH} elements, not {len(config)}.")
    head = _compact(list(config[:NONCE_SLOT]))[:-1] + ","
    middle = "," + _compact(list(config[NONCE_SLOT + 1 : HALF_NONCE_SLOT]))[1:-1] + ","
    tail = "," + _compact(list(config[HALF_NONCE_SLOT + 1 :]))[1:]
    return head.encode(), middle.encode(), tail.encode()


def _target(difficulty: str) -> bytes:
    try:
        target = bytes.fromhex(difficulty)
    except ValueError:
        target = b""
    if not target:
        raise MalformedResponseError(
            f"The site asked for a proof of work with an invalid difficulty {difficulty!r}."
        )
    return target


def find_proof(
    seed: str,
    difficulty: str,
    config: Sequence[Any],
    limit: int = ATTEMPT_LIMIT,
    *,
    stop: threading.Event | None = None,
) -> Proof:
    """The first nonce whose sha3-512 digest starts at or below ``difficulty``.

    The first ``len(difficulty)`` BYTES of the digest are compared with the target bytes.
    CPU work: call it from an executor, never on the event loop. Once ``stop`` is set it
    raises ProofOfWorkError within ``STOP_CHECK_ATTEMPTS`` nonces.
    """
    target = _target(difficulty)
    width = len(difficulty)
    head, middle, tail = _pieces(config)
    # base64 maps 3 bytes to 4 characters: the head's whole 3-byte groups encode the same
    # on every try, so they are encoded and absorbed into the hash once.
    cut = len(head) - len(head) % 3
    prefix = base64.b64encode(head[:cut])
    head = head[cut:]
    seeded = hashlib.sha3_512(seed.encode() + prefix)
    encode = base64.b64encode
    for block in range(0, limit, STOP_CHECK_ATTEMPTS):
        if stop is not None and stop.is_set():
            raise ProofOfWorkError("The proof of work was stopped before it was solved.", hint="")
        for nonce in range(block, min(block + STOP_CHECK_ATTEMPTS, limit)):
            piece = encode(b"%b%d%b%d%b" % (head, nonce, middle, nonce >> 1, tail))
            digest = seeded.copy()
            digest.update(piece)
            if digest.digest()[:width] <= target:
                log.debug("proof of work %s solved with nonce %d", difficulty, nonce)
                return Proof((prefix + piece).decode(), nonce)
    raise ProofOfWorkError(
        f"Could not solve the site's proof of work (difficulty {difficulty}) in {limit:,} attempts."
    )


def solve(
    seed: str,
    difficulty: str,
    config: Sequence[Any],
    limit: int = ATTEMPT_LIMIT,
    *,
    stop: threading.Event | None = None,
) -> str:
    """The base64 answer for ``seed`` and ``difficulty`` (see ``find_proof``)."""
    return find_proof(seed, difficulty, config, limit, stop=stop).answer


def requirements_token(config: Sequence[Any], *, stop: threading.Event | None = None) -> str:
    """``gAAAAAC`` + a proof for a random seed at the fixed easy difficulty."""
    seed = str(random.random())
    return REQUIREMENTS_PREFIX + solve(seed, REQUIREMENTS_DIFFICULTY, config, stop=stop)


def answer_token(
    seed: str, difficulty: str, config: Sequence[Any], *, stop: threading.Event | None = None
) -> str:
    """``gAAAAAB`` + the proof for the site's own seed and difficulty."""
    return ANSWER_PREFIX + solve(seed, difficulty, config, stop=stop)
