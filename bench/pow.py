"""ChatGpt proof of work: median solve time per difficulty, beside a plain solver."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import time
from typing import Any

from providers.http import USER_AGENT
from providers.seeds.chatgpt_pow import build_config, find_proof

from .common import Figure, median

TITLE = "ChatGpt proof of work: solve time"
SEEDS = 20
DIFFICULTIES = ("0fffff", "00ffff")
ABOUT = (
    f"`find_proof(seed, difficulty, config)` on {SEEDS} random seeds per difficulty with a "
    "real 18-element config (the user agent Parley sends). Parley serialises the config once "
    "and joins the JSON pieces around the two nonce slots; the peer is the spec written out "
    "plainly (`json.dumps` of the whole list, base64, sha3-512 of seed + answer, every try). "
    "Both find the same nonces. Medians; the attempt count is the median nonce + 1."
)


def plain_solve(seed: str, difficulty: str, config: list[Any]) -> int:
    """The spec's loop with nothing precomputed: the baseline."""
    target = bytes.fromhex(difficulty)
    for nonce in range(500_000):
        filled = list(config)
        filled[3], filled[9] = nonce, nonce >> 1
        text = json.dumps(filled, separators=(",", ":"), ensure_ascii=False)
        answer = base64.b64encode(text.encode())
        if hashlib.sha3_512(seed.encode() + answer).digest()[: len(difficulty)] <= target:
            return nonce
    raise RuntimeError("unsolved")


def _timed(function: Any, *args: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def measure(difficulty: str, seeds: list[str], config: list[Any]) -> list[Figure]:
    ours, peers, attempts = [], [], []
    for seed in seeds:
        seconds, proof = _timed(find_proof, seed, difficulty, config)
        peer_seconds, nonce = _timed(plain_solve, seed, difficulty, config)
        if nonce != proof.nonce:
            raise AssertionError(f"solvers disagree on seed {seed}: {proof.nonce} vs {nonce}")
        ours.append(seconds * 1000)
        peers.append(peer_seconds * 1000)
        attempts.append(proof.nonce + 1)
    per_try = sum(ours) / sum(attempts) * 1000
    peer_per_try = sum(peers) / sum(attempts) * 1000
    return [
        Figure(
            f"solve {difficulty} (median of {len(seeds)} seeds)",
            median(ours),
            "ms",
            peer=median(peers),
            ratio=median(ours) / median(peers),
            note=f"lower is faster; median {median(attempts):g} attempts, max {max(attempts)}",
        ),
        Figure(
            f"time per attempt, {difficulty}",
            per_try,
            "µs",
            peer=peer_per_try,
            ratio=per_try / peer_per_try,
            note=f"lower is faster; {sum(attempts)} attempts in all",
        ),
    ]


def run() -> list[Figure]:
    chance = random.Random(20261123)
    config = build_config(USER_AGENT, 1234.5678)
    figures: list[Figure] = []
    for difficulty in DIFFICULTIES:
        seeds = [str(chance.random()) for _ in range(SEEDS)]
        figures += measure(difficulty, seeds, config)
    return figures
