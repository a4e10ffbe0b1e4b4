"""The conversation store: opening the window on 10,000 conversations, and streaming writes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from .common import Figure, installed, median

TITLE = "Store: opening with 10,000 conversations, and the writer while a reply streams"
RUNS = 5
CONVERSATIONS = 10_000
CHUNKS = 20_000
ABOUT = (
    "Opening: the real `python -m gui` (offscreen) on a store of "
    f"{CONVERSATIONS:,} conversations (two messages each) beside the same on an empty store, "
    "from just before the process is spawned to the paint of the conversation list's first "
    "page (the `list-painted` hook in gui/app.py); runs alternate, medians of "
    f"{RUNS}. Streaming: one reply of {CHUNKS:,} chunks (8 characters each) streamed into a "
    "conversation the store follows, as fast as the event loop takes them (a yield every 20 "
    "chunks, as a fast socket gives them); the writer thread's own CPU time (Linux per-thread "
    "clock), and the longest gap of a 1 ms ticker on the event loop with the store following "
    "and, in the same run, without it: the difference is the stall the store causes."
)
ROOT = Path(__file__).resolve().parent.parent


def _fill(home: Path | None, conversations: int, answer: str = "") -> str:
    """Write ``conversations`` of two messages each into ``home``'s store (None: the one the
    environment names); the newest one's id. ``answer``: the assistant's text (else a line of
    words)."""
    from chat.store.database import connect, default_path
    from chat.store.schema import migrate

    if home is not None:
        os.environ["PARLEY_HOME"] = str(home)
    path = default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    db = connect(path)
    migrate(db, path)
    now = time.time()
    conversation_rows, message_rows = [], []
    for n in range(conversations):
        cid, when = uuid.uuid4().hex, now - n * 600
        conversation_rows.append((cid, f"Conversation {n} about topic {n % 97}", when, when))
        first = uuid.uuid4().hex
        message_rows.append((first, cid, None, "user", f"Question {n} on subject {n % 89}", when))
        reply = answer or f"Answer {n} " * 20
        message_rows.append((uuid.uuid4().hex, cid, first, "assistant", reply, when))
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO conversations (id, title, created, updated) VALUES (?, ?, ?, ?)",
        conversation_rows,
    )
    db.executemany(
        "INSERT INTO messages (id, conversation_id, parent_id, role, content, state, created)"
        " VALUES (?, ?, ?, ?, ?, 'complete', ?)",
        message_rows,
    )
    db.execute("COMMIT")
    db.close()
    return conversation_rows[0][0] if conversation_rows else ""


def _launch(home: Path) -> float:
    env = installed(
        {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "PARLEY_BENCH_FIRST_PAINT": "1",
            "PARLEY_BENCH_IDLE": "0.3",
            "PARLEY_HOME": str(home),
        }
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "gui"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    values = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    return float(values["list-painted"]) - started


def _opening() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as folder:
        full, empty = Path(folder) / "full", Path(folder) / "empty"
        _fill(full, CONVERSATIONS)
        _fill(empty, 0)
        _launch(full), _launch(empty)  # warm the disk cache
        ours, theirs = [], []
        for _ in range(RUNS):
            ours.append(_launch(full))
            theirs.append(_launch(empty))
    value, peer = median(ours) * 1000, median(theirs) * 1000
    note = "target ≤ 1.2×; peer: the same window on an empty store"
    return [Figure("start to painted list", value, "ms", peer, value / peer, note)]


async def _stream(follow: bool, home: Path) -> tuple[float, float]:
    """(writer CPU seconds, longest ticker gap in seconds) for one streamed reply."""
    from chat.conversation import Conversation, MessageState
    from chat.store import Store

    os.environ["PARLEY_HOME"] = str(home)
    store = Store.open()
    conversation = Conversation()
    if follow:
        store.follow(conversation)
    conversation.add("user", "Write a long story")
    message = conversation.add("assistant", "", state=MessageState.STREAMING)
    store.submit(lambda db: None).result()
    writer = next(t for t in threading.enumerate() if t.name == "parley-store-writer")
    clock = time.pthread_getcpuclockid(writer.ident or 0)
    cpu_before = time.clock_gettime(clock)
    gaps: list[float] = []
    running = True

    async def ticker() -> None:
        last = time.perf_counter()
        while running:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    tick = asyncio.create_task(ticker())
    for n in range(CHUNKS):
        conversation.streamed(message, "chunk.. ")
        if n % 20 == 0:
            await asyncio.sleep(0)
    message.content, message.state = "chunk.. " * CHUNKS, MessageState.COMPLETE
    conversation.changed(message)
    await asyncio.wrap_future(store.submit(lambda db: None))
    running = False
    await tick
    cpu = time.clock_gettime(clock) - cpu_before
    store.close()
    return cpu, max(gaps)


def _streaming() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as folder:
        followed = [asyncio.run(_stream(True, Path(folder) / f"a{n}")) for n in range(RUNS)]
        alone = [asyncio.run(_stream(False, Path(folder) / f"b{n}")) for n in range(RUNS)]
    cpu = median([c for c, _ in followed]) * 1000
    gap, bare = median([g for _, g in followed]) * 1000, median([g for _, g in alone]) * 1000
    return [
        Figure("writer CPU per reply of 20,000 chunks", cpu, "ms", note="the writer thread"),
        Figure(
            "longest event-loop gap while streaming", gap, "ms", bare, gap / bare,
            "target: the store adds no stall over 16 ms; peer: the same stream, no store",
        ),
    ]  # fmt: skip


def run() -> list[Figure]:
    home = os.environ.get("PARLEY_HOME")
    try:
        return _opening() + _streaming()
    finally:
        if home is None:
            os.environ.pop("PARLEY_HOME", None)
        else:
            os.environ["PARLEY_HOME"] = home
