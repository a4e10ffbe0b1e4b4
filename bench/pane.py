"""The conversation pane: a long Markdown reply streaming fast, the cost of one update early
and late in it, opening a conversation of 5,000 messages, and typing while a reply streams."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .common import Figure, installed, median

TITLE = "Conversation pane: streaming, updates, long conversations, typing"
RUNS = 3
OPEN_RUNS = 1
"""Opening 5,000 messages and scrolling through all of them, window by window: one run."""
ABOUT = (
    "Each figure comes from a fresh process with the offscreen Qt platform "
    "(`python -m bench.pane_child stream|burst|updates|open|typing`), medians of "
    f"{RUNS} runs (one for opening 5,000 messages). *Stream*: the real window asks the "
    "OpenAI-compatible preset for a "
    "200,000-character Markdown reply (headings, lists, tables, code blocks) that a loopback "
    "server in its own process streams at 2,000 chunks a second, each chunk one token of about "
    "4 characters as the services send them (the fastest services' rate; the reply takes 25 s); "
    "a 1 ms Qt timer measures the event loop's stalls, and the reply is complete when its last "
    "line is on screen (the server gives the time of its last chunk on the system-wide "
    "monotonic clock). *Burst*: the same with 100 characters a chunk, the whole reply in one "
    "second, 25 times any service: it shows how the pane catches up. *Updates*: one "
    "update (100 characters added and drawn) at 1,000 and at 150,000 characters into a reply. "
    "*Open*: a conversation of 5,000 messages (about 3 MB of Markdown), shown a window of "
    "400 messages at a time; then a reader scrolls up to the first message (at a window's "
    "top edge the window moves 200 messages earlier, drawn in above one by one) and down to "
    "the last, half a page a step; the peer is a bare QTextEdit given the same text as plain "
    "text, scrolled top to bottom. *Typing*: a key posted to the composer "
    "every 20 ms while the reply streams; its wait until the composer gets it."
)
ROOT = Path(__file__).resolve().parent.parent


def _child(*args: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as home:
        env = installed({**os.environ, "QT_QPA_PLATFORM": "offscreen", "PARLEY_HOME": home})
        done = subprocess.run(
            [sys.executable, "-m", "bench.pane_child", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
            check=True,
        )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return median([float(run[key]) for run in runs])


def run() -> list[Figure]:
    streams = [_child("stream") for _ in range(RUNS)]
    bursts = [_child("burst") for _ in range(RUNS)]
    typing = [_child("typing") for _ in range(RUNS)]
    updates = [_child("updates") for _ in range(RUNS)]
    opened = [_child("open") for _ in range(OPEN_RUNS)]
    peers = [_child("open", "peer") for _ in range(OPEN_RUNS)]
    early, late = _median(updates, "early_ms"), _median(updates, "late_ms")
    first, peer_first = _median(opened, "first_paint_ms"), _median(peers, "first_paint_ms")
    return [
        Figure("stream: longest loop stall", _median(streams, "max_stall_ms"), "ms",
               note="target ≤ 50 ms"),
        Figure("stream: p99 loop stall", _median(streams, "p99_stall_ms"), "ms",
               note="target < 17 ms"),
        Figure("stream: whole on screen after the last chunk",
               _median(streams, "shown_after_last_ms"), "ms", note="target ≤ 100 ms"),
        Figure("burst (100 characters a chunk): longest loop stall",
               _median(bursts, "max_stall_ms"), "ms", note="no target: 25× the fastest service"),
        Figure("burst: p99 loop stall", _median(bursts, "p99_stall_ms"), "ms"),
        Figure("burst: whole on screen after the last chunk",
               _median(bursts, "shown_after_last_ms"), "ms"),
        Figure("one update at 150,000 chars ÷ at 1,000", late / early, "×",
               note=f"{early:.1f} ms and {late:.1f} ms; target ≤ 1.5×"),
        Figure("open 5,000 messages: first paint", first, "ms", peer_first, first / peer_first,
               "target < 300 ms; peer: bare QTextEdit, the same text plain"),
        Figure("open 5,000 messages: memory after opening", _median(opened, "opened_mb"), "MB",
               _median(peers, "opened_mb"), note="target ≤ +80 MB"),
        Figure("open 5,000 messages: its window of 400 drawn after",
               _median(opened, "window_s"), "s",
               note="drawn in above what is read, in 8 ms slices"),
        Figure("open 5,000 messages: memory with the window drawn",
               _median(opened, "window_mb"), "MB", _median(peers, "window_mb")),
        Figure("open 5,000 messages: longest stall while drawing", _median(opened, "worst_gap_ms"),
               "ms", note="the longest: one message drawn in place"),
        Figure("scroll through all 5,000, up then down: longest frame",
               _median(opened, "max_scroll_frame_ms"), "ms",
               _median(peers, "max_scroll_frame_ms"), note="target ≤ 33 ms; peer: top to bottom"),
        Figure("scroll through all 5,000: longest stall", _median(opened, "walk_worst_gap_ms"),
               "ms", note="windows drawn and shown meanwhile"),
        Figure("scroll through all 5,000: a window's move of 200 messages (median)",
               _median(opened, "edge_wait_median_ms"), "ms",
               note=f"{_median(opened, 'edge_moves'):.0f} moves, the longest "
                    f"{_median(opened, 'edge_wait_max_ms'):.0f} ms; the messages come in one "
                    "by one from the start of it"),
        Figure("scroll through all 5,000: memory after", _median(opened, "mb_after_walk"), "MB",
               _median(peers, "mb_after_walk")),
        Figure("typing while a reply streams: longest key wait",
               _median(typing, "max_key_wait_ms"), "ms", note="target ≤ 30 ms"),
    ]  # fmt: skip
