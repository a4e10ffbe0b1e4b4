"""A Parley killed (SIGKILL) at a random moment while it streams and saves loses nothing it
had saved, and the reply it was streaming comes back, interrupted, as far as it had been saved.

A hundred runs, each a fresh process (forked by tests/chat/store/crash_child.py, which imports
the store once) killed at its own moment: ``random.Random(seed)`` from the run's number, so a
failure names the seed and the moment, and ``plan(seed)`` tells what that child streamed.
"""

from __future__ import annotations

import os
import random
import selectors
import signal
import sqlite3
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from chat.store import Store, StoreError
from chat.store.writer import FLUSH_BYTES

from .crash_child import Plan, full_reply, plan

RUNS = 100
AT_ONCE = 4
"""Children alive together: they mostly sleep between pieces, as a real stream does."""
KILL_WITHIN_S = 2.0
"""Each child is killed this long at most after it started (its long reply streams for longer)."""
FIRST_PIECE_AGE_S = 1.5
"""A reply streaming since this long before the kill (three times the writer's 500 ms) has
some text on disk, unless the machine is badly loaded: most such runs must show some (those
with under 4 KiB sent: only the writer's clock could have written them)."""
TIME_LIMIT_S = 240.0
ROOT = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(TIME_LIMIT_S + 60),
    pytest.mark.skipif(not hasattr(os, "fork"), reason="SIGKILL and fork are POSIX's"),
]


@dataclass
class Run:
    number: int
    home: Path
    seed: int = 0
    delay: float = 0.0
    """Planned: seconds from the child's start to its kill."""
    pid: int = 0
    started: float = 0.0
    killed: float = 0.0
    status: int | None = None
    lines: list[list[str]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.seed = 7919 * (self.number + 1)
        self.delay = random.Random(self.seed).uniform(0.0, KILL_WITHIN_S)

    @property
    def report(self) -> Path:
        return self.home / "report.txt"

    def said(self, word: str) -> list[list[str]]:
        return [line[1:] for line in self.lines if line[0] == word]

    def __str__(self) -> str:
        moment = self.killed - self.started if self.killed else float("nan")
        text = self.report.read_text(errors="replace") if self.report.exists() else ""
        tail = "\n    ".join(text.splitlines()[-12:])
        return (
            f"run {self.number} (seed {self.seed}, to be killed {self.delay:.3f} s after its "
            f"start, killed at {moment:.3f} s, wait status {self.status}); its last words:\n"
            f"    {tail}"
        )


def test_a_killed_parley_loses_no_saved_reply(tmp_path: Path) -> None:
    runs = [Run(n, tmp_path / f"run-{n:03}") for n in range(RUNS)]
    for run in runs:
        run.home.mkdir()
    errors = tmp_path / "crash_child.err"
    with errors.open("wb") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.chat.store.crash_child"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            bufsize=0,
        )
    try:
        _drive(server, runs, errors)
    finally:
        assert server.stdin is not None
        server.stdin.close()  # it kills what is left of its children, and ends
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        assert server.stdout is not None
        server.stdout.close()
    assert server.returncode == 0, errors.read_text()

    failures = []
    for run in runs:
        try:
            _check(run)
        except AssertionError as failure:
            failures.append(f"{run}\n  {failure}")
    assert not failures, "\n\n".join(failures[:5]) + f"\n\n({len(failures)} runs failed)"

    late = [
        run
        for run in runs
        if _first_piece_age(run) > FIRST_PIECE_AGE_S and _sent(run) < FLUSH_BYTES
    ]
    saved = [run for run in late if _recovered_text(run)]
    assert late, "no run streamed long enough before its kill: the test proves nothing here"
    enough = len(saved) * 2 >= len(late)
    empty = [run.number for run in late if run not in saved]
    assert enough, (
        f"of {len(late)} replies streaming (under 4 KiB) for over {FIRST_PIECE_AGE_S} s when "
        f"killed, only {len(saved)} had any text saved; not runs {empty}"
    )


def _drive(server: subprocess.Popen[bytes], runs: list[Run], errors: Path) -> None:
    """Start the runs, ``AT_ONCE`` at a time; kill each at its moment; wait for its end."""
    assert server.stdin is not None
    assert server.stdout is not None
    waiting = deque(runs)
    alive: dict[int, Run] = {}
    selector = selectors.DefaultSelector()
    selector.register(server.stdout, selectors.EVENT_READ)
    heard = b""
    deadline = time.monotonic() + TIME_LIMIT_S
    try:
        while waiting or alive:
            assert time.monotonic() < deadline, f"the runs took over {TIME_LIMIT_S} s"
            while waiting and len(alive) < AT_ONCE:
                run = waiting.popleft()
                alive[run.number] = run
                server.stdin.write(
                    f"run {run.number} {run.seed} {run.home} {run.report}\n".encode()
                )
            now = time.monotonic()
            due = [r for r in alive.values() if r.started and not r.killed]
            for run in due:
                if now >= run.started + run.delay:
                    server.stdin.write(f"kill {run.number}\n".encode())
                    run.killed = -1.0  # asked; the time comes with the answer
            waits = [r.started + r.delay - now for r in due if not r.killed]
            if selector.select(max(0.0, min([0.05, *waits]))):
                data = os.read(server.stdout.fileno(), 65536)
                assert data, f"the crash child server ended: {errors.read_text()}"
                heard += data
                while b"\n" in heard:
                    line, heard = heard.split(b"\n", 1)
                    _heard(line.decode().split(" "), alive)
    finally:
        selector.close()


def _heard(words: list[str], alive: dict[int, Run]) -> None:
    what, number, value = words
    run = alive[int(number)]
    if what == "started":
        run.pid, run.started = int(value), time.monotonic()
    elif what == "killed":
        run.killed = float(value)
    elif what == "ended":
        run.status = int(value)
        del alive[run.number]


def _check(run: Run) -> None:
    assert run.killed > 0, "the child ended before it was killed"
    assert os.WIFSIGNALED(run.status or 0), "the child ended, not killed"
    assert os.WTERMSIG(run.status or 0) == signal.SIGKILL
    text = run.report.read_text() if run.report.exists() else ""
    assert "Traceback" not in text, "the child failed on its own"
    run.lines = [line.split(" ") for line in text.split("\n")[:-1]]  # whole lines only
    path = run.home / "data" / "parley.db"
    if not path.exists():
        assert not run.lines, "the child reported saves, but there is no database"
        return
    live_before = _integrity_checked(path, "SELECT count(*) FROM messages WHERE owner IS NOT NULL")
    problems: list[StoreError] = []
    store = Store.open(path, problem=problems.append)
    try:
        recovered = store.recovered.result(timeout=60)
        saved = store.read_now(_everything)
    finally:
        store.close()
    assert problems == []
    assert recovered == live_before[0][0], "not every reply left streaming was recovered"
    assert _integrity_checked(path, "SELECT count(*) FROM partials") == [(0,)]
    _check_saved(run, plan(run.seed), saved)


def _integrity_checked(path: Path, query: str) -> list[tuple[Any, ...]]:
    """``query``'s rows, once the file is found sound ([(0,)] before the schema was made)."""
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        tables = db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'messages'")
        return db.execute(query).fetchall() if tables.fetchone()[0] else [(0,)]
    finally:
        db.close()


def _everything(db: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    rows = db.execute(
        "SELECT id, parent_id, role, content, reasoning, state, owner, finish_reason FROM messages"
    )
    names = ("id", "parent", "role", "content", "reasoning", "state", "owner", "finish")
    return {row[0]: dict(zip(names, row, strict=True)) for row in rows}


def _check_saved(run: Run, planned: Plan, saved: dict[str, dict[str, Any]]) -> None:
    questions = {q: full_reply(pieces) for q, pieces in planned.exchanges}
    for index, user_id, reply_id in run.said("complete"):
        question, pieces = planned.exchanges[int(index)]
        assert saved[user_id]["content"] == question, f"question {index} lost"
        reply = saved[reply_id]
        assert (reply["state"], reply["content"]) == ("complete", full_reply(pieces)), (
            f"reply {index}, saved as complete, came back as {reply['state']}"
        )
        assert reply["finish"] == "stop"
    for message in saved.values():
        assert message["owner"] is None
        if message["role"] == "user":
            assert message["content"] in (*questions, planned.question)
            continue
        asked = saved[message["parent"]]["content"]
        if asked in questions:  # an answer killed before or after it was complete
            assert message["state"] in ("complete", "interrupted")
            whole = questions[asked]
            if message["state"] == "complete":
                assert message["content"] == whole
            assert whole.startswith(message["content"]), "a reply's text is not what was sent"
        else:
            _check_long_reply(run, planned, message)
    for (reply_id,) in run.said("streaming"):
        assert reply_id in saved, "the long reply was saved, then lost"


def _check_long_reply(run: Run, planned: Plan, message: dict[str, Any]) -> None:
    assert message["state"] == "interrupted"
    reasoning, text = full_reply(planned.reasoning), full_reply(planned.text)
    assert reasoning.startswith(message["reasoning"]), "the reasoning is not what was sent"
    assert text.startswith(message["content"]), "the text is not what was sent"
    if message["content"]:
        assert message["reasoning"] == reasoning, "text was saved before the reasoning before it"
    for thought, answer in run.said("durable"):
        assert len(message["reasoning"]) >= int(thought), "saved reasoning was lost"
        assert len(message["content"]) >= int(answer), "saved text was lost"
    sent = run.said("sent")
    if sent:
        assert len(message["reasoning"]) <= int(sent[-1][0]) + max(map(len, planned.reasoning))
        assert len(message["content"]) <= int(sent[-1][1]) + max(map(len, planned.text))


def _first_piece_age(run: Run) -> float:
    """How long before the kill the child handed the store its long reply's first piece."""
    sent = run.said("sent")
    return run.killed - float(sent[0][2]) if sent else 0.0


def _sent(run: Run) -> int:
    """How many characters of its long reply the child had handed the store when killed."""
    sent = run.said("sent")
    return int(sent[-1][0]) + int(sent[-1][1]) if sent else 0


def _recovered_text(run: Run) -> bool:
    path = run.home / "data" / "parley.db"
    db = sqlite3.connect(path)
    try:
        found = db.execute(
            "SELECT count(*) FROM messages WHERE state = 'interrupted'"
            " AND (content != '' OR reasoning != '') AND id = ?",
            (run.said("streaming")[0][0],),
        ).fetchone()
    finally:
        db.close()
    return bool(found[0])
