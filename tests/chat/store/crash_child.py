"""A Parley that streams and saves until it is killed, for tests/chat/store/test_crash.py.

``python -m tests.chat.store.crash_child`` imports the store once, then forks a fresh child for
each ``run <number> <seed> <home> <report>`` line on its stdin, so a hundred runs pay for one
interpreter start. It answers on stdout: ``started <number> <pid>``, then ``killed <number>
<monotonic time>`` once a ``kill <number>`` line made it send SIGKILL, and ``ended <number>
<wait status>``. It kills its children only, and only before it has reaped them (so never a
process that took a reaped child's id); when its stdin ends it kills what is left and exits.

A child (``live``) opens the store under ``home`` (``PARLEY_HOME``), answers a few questions
in full, then streams a long reply piece by piece, and never ends it. What it knows is on disk
goes to ``report``, a line each: ``complete <index> <user id> <reply id>`` once an exchange's
save is committed; ``streaming <reply id>`` once the long reply's row is; ``sent <reasoning
characters> <text characters> <monotonic time>`` after each piece is handed to the store;
``durable <reasoning characters> <text characters>`` for what the store's own reader sees in
``partials``. What it streams is ``plan(seed)``, which the test computes too.
"""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3
import sys
import time
import traceback
from dataclasses import dataclass

from chat.conversation import Conversation, MessageState
from chat.store import Store

WORDS = ("the", "store", "never", "loses", "a", "reply", "même", "quand", "世界", "🙂", "\n")


@dataclass(frozen=True, slots=True)
class Plan:
    exchanges: tuple[tuple[str, tuple[str, ...]], ...]
    """Questions answered in full, each with its reply's pieces."""
    question: str
    reasoning: tuple[str, ...]
    """The long reply's thinking, streamed first, then its ``text``."""
    text: tuple[str, ...]
    pause: float
    """Seconds between two pieces of the long reply, as a model's stream spaces them."""


def plan(seed: int) -> Plan:
    """What the child with ``seed`` streams: pieces of a few characters (under 4 KiB in all:
    only the clock writes them), or, one run in four, of dozens (4 KiB write them too)."""
    rng = random.Random(seed)
    longest = rng.choice((12, 12, 12, 120))

    def piece() -> str:
        return "".join(rng.choice(WORDS) + " " for _ in range(rng.randint(1, longest // 4)))

    exchanges = tuple(
        (f"Question {k} of run {seed}: why?", tuple(piece() for _ in range(rng.randint(1, 30))))
        for k in range(3)
    )
    return Plan(
        exchanges=exchanges,
        question=f"The long question of run {seed}.",
        reasoning=tuple(piece() for _ in range(40)),
        text=tuple(piece() for _ in range(220)),
        pause=0.008,
    )


def full_reply(pieces: tuple[str, ...]) -> str:
    return "".join(pieces)


def live(seed: int, say: _Say) -> None:
    """Answer ``plan(seed)``'s questions, then stream its long reply until killed."""
    planned = plan(seed)
    store = Store.open()
    conversation = Conversation()
    store.follow(conversation)
    for index, (question, pieces) in enumerate(planned.exchanges):
        user = conversation.add("user", question)
        reply = conversation.add(
            "assistant", "", state=MessageState.PENDING, provider="Crash", model="m"
        )
        reply.state = MessageState.STREAMING
        conversation.changed(reply)
        for piece in pieces:
            conversation.streamed(reply, piece)
        reply.content = full_reply(pieces)
        reply.state = MessageState.COMPLETE
        reply.finish_reason = "stop"
        conversation.changed(reply)
        _barrier(store)
        say("complete", index, user.id, reply.id)
    conversation.add("user", planned.question)
    reply = conversation.add("assistant", "", state=MessageState.PENDING, provider="Crash")
    reply.state = MessageState.STREAMING
    conversation.changed(reply)
    _barrier(store)
    say("streaming", reply.id)
    sent = {True: 0, False: 0}
    stream = [(True, p) for p in planned.reasoning] + [(False, p) for p in planned.text]
    for number, (reasoning, piece) in enumerate(stream, start=1):
        conversation.streamed(reply, piece, reasoning=reasoning)
        sent[reasoning] += len(piece)
        say("sent", sent[True], sent[False], time.monotonic())
        if number % 10 == 0:
            seen = store.read_now(_durable, reply.id)
            say("durable", seen.get(1, 0), seen.get(0, 0))
        time.sleep(planned.pause)
    say("idle")
    time.sleep(60)  # the test kills it long before; an orphan still ends


def _barrier(store: Store) -> None:
    """Returns once everything handed to the store before is committed."""
    store.submit(lambda db: None).result()


def _durable(db: sqlite3.Connection, message_id: str) -> dict[int, int]:
    rows = db.execute(
        "SELECT reasoning, sum(length(text)) FROM partials WHERE message_id = ? GROUP BY 1",
        (message_id,),
    )
    return {reasoning: total for reasoning, total in rows}


class _Say:
    """Writes report lines, each in one ``write`` (a kill never leaves half a line)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __call__(self, *words: object) -> None:
        os.write(self.fd, (" ".join(map(str, words)) + "\n").encode())


def _child(seed: int, home: str, report: str) -> None:
    code = 1
    try:
        fd = os.open(report, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(fd, 1)
        os.dup2(fd, 2)  # a traceback goes to the report, for the test to show
        os.environ["PARLEY_HOME"] = home
        live(seed, _Say(fd))
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)


def serve() -> None:
    """Fork a child per ``run`` line, kill it on its ``kill`` line, report its end."""
    children: dict[int, int] = {}  # pid -> run number
    pids: dict[int, int] = {}  # run number -> pid, until reaped
    tell = _Say(sys.stdout.fileno())
    pending = b""
    reading = True
    while reading or children:
        if reading and select.select([0], [], [], 0.005)[0]:
            data = os.read(0, 65536)
            reading = bool(data)
            pending += data
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                command, number, *rest = line.decode().split(" ")
                if command == "run":
                    pid = os.fork()
                    if pid == 0:
                        _child(int(rest[0]), rest[1], rest[2])
                    children[pid], pids[int(number)] = int(number), pid
                    tell("started", number, pid)
                elif command == "kill" and int(number) in pids:
                    os.kill(pids[int(number)], signal.SIGKILL)  # not reaped: still ours
                    tell("killed", number, time.monotonic())
        elif not reading:
            for pid in children:  # the test is gone: so are its children
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.005)
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            ended = children.pop(pid)
            del pids[ended]
            tell("ended", ended, status)


if __name__ == "__main__":
    serve()
