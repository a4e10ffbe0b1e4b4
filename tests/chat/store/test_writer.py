"""The store's writer thread: when streamed pieces reach the disk, in what order, and how
failures come back, as seen from a second connection to the same database file."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chat.conversation import Conversation, Message, MessageState
from chat.store import Store, StoreError, StoreProblem
from chat.store.writer import FLUSH_BYTES, FLUSH_SECONDS

GENEROUS_S = 20.0
"""How long "eventually" may take on a loaded machine (the writer's clock is 500 ms at most)."""
AN_HOUR = 3600.0
"""A flush time no test waits for: whatever is written, the byte count or a job wrote it."""


class Opener:
    """``Store.open`` with the writer's knobs given; what a test leaves open is closed after."""

    def __init__(self, problems: list[StoreError]) -> None:
        self.problems = problems
        self.open: list[Store] = []

    def __call__(
        self, *, flush_seconds: float = FLUSH_SECONDS, flush_bytes: int = FLUSH_BYTES
    ) -> Store:
        store = Store.open(
            problem=self.problems.append, flush_seconds=flush_seconds, flush_bytes=flush_bytes
        )
        self.open.append(store)
        return store

    def close(self, store: Store) -> None:
        self.open.remove(store)
        store.close()


@pytest.fixture
def open_store(problems: list[StoreError]) -> Iterator[Opener]:
    opener = Opener(problems)
    try:
        yield opener
    finally:
        for store in opener.open:
            store.close()


@pytest.fixture
def peek() -> Iterator[Callable[[Path], list[tuple[str, int, str]]]]:
    """The ``partials`` table as another connection sees it (what is on disk, committed)."""
    connections: list[sqlite3.Connection] = []

    def partials(path: Path) -> list[tuple[str, int, str]]:
        if not connections:
            connections.append(sqlite3.connect(path))
        found = connections[0].execute(
            "SELECT message_id, reasoning, text FROM partials ORDER BY num"
        )
        return [(m, r, t) for m, r, t in found]

    try:
        yield partials
    finally:
        for db in connections:
            db.close()


def eventually(check: Callable[[], Any], what: str, within: float = GENEROUS_S) -> Any:
    """``check()``'s first true value, polled until ``within`` seconds have passed."""
    deadline = time.monotonic() + within
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not seen within {within} s")
        time.sleep(0.01)


def streaming_reply(store: Store) -> tuple[Conversation, Message]:
    """A followed conversation with a question and a reply that streams, both on disk."""
    conversation = Conversation()
    store.follow(conversation)
    conversation.add("user", "Tell me a story.")
    reply = conversation.add("assistant", "", state=MessageState.PENDING, provider="P")
    reply.state = MessageState.STREAMING
    conversation.changed(reply)
    barrier(store)
    return conversation, reply


def _returning(value: int) -> Callable[[sqlite3.Connection], int]:
    return lambda db: value


def barrier(store: Store) -> None:
    """Wait until everything submitted before is written (jobs run in order)."""
    store.submit(lambda db: None).result(timeout=GENEROUS_S)


# -- when pieces are written


def test_4_kib_waiting_are_written_without_waiting_for_the_time(
    open_store: Opener, peek: Callable[[Path], list[tuple[str, int, str]]]
) -> None:
    store = open_store(flush_seconds=AN_HOUR)
    conversation, reply = streaming_reply(store)
    quarter = "x" * (FLUSH_BYTES // 4)
    for _ in range(3):
        conversation.streamed(reply, quarter)
    time.sleep(0.2)  # the writer would have had time to write them, had it wanted to
    assert peek(store.path) == []
    conversation.streamed(reply, quarter)
    rows = eventually(lambda: peek(store.path), "4 KiB of pieces written")
    assert rows == [(reply.id, 0, quarter * 4)]


def test_the_byte_count_is_of_the_pieces_waiting_not_of_all_sent(
    open_store: Opener, peek: Callable[[Path], list[tuple[str, int, str]]]
) -> None:
    store = open_store(flush_seconds=AN_HOUR, flush_bytes=100)
    conversation, reply = streaming_reply(store)
    conversation.streamed(reply, "a" * 100)
    eventually(lambda: peek(store.path), "the first 100 characters written")
    conversation.streamed(reply, "b" * 99)
    time.sleep(0.2)
    assert peek(store.path) == [(reply.id, 0, "a" * 100)]
    conversation.streamed(reply, "c")
    eventually(lambda: len(peek(store.path)) == 2, "the next 100 characters written")
    assert peek(store.path)[1] == (reply.id, 0, "b" * 99 + "c")


def test_a_first_piece_one_character_short_of_the_count_waits_for_the_time(
    open_store: Opener, peek: Callable[[Path], list[tuple[str, int, str]]]
) -> None:
    store = open_store(flush_seconds=AN_HOUR, flush_bytes=100)
    conversation, reply = streaming_reply(store)
    conversation.streamed(reply, "a" * 99)
    time.sleep(0.2)
    assert peek(store.path) == []


def test_a_writer_waiting_idle_or_for_its_time_does_not_spin(open_store: Opener) -> None:
    store = open_store(flush_seconds=AN_HOUR)
    conversation, reply = streaming_reply(store)
    before = time.process_time()
    time.sleep(0.4)  # nothing waiting
    conversation.streamed(reply, "a")
    time.sleep(0.4)  # a piece waiting for its time
    assert time.process_time() - before < 0.2  # a busy loop would use most of 0.8 s


def test_a_few_pieces_are_written_once_the_time_has_passed(
    open_store: Opener, peek: Callable[[Path], list[tuple[str, int, str]]]
) -> None:
    """The writer is idle (nothing waits) when the first piece comes: it starts the clock."""
    store = open_store(flush_seconds=0.05)
    conversation, reply = streaming_reply(store)
    time.sleep(0.1)  # the writer is asleep with nothing to do
    conversation.streamed(reply, "Once upon")
    conversation.streamed(reply, " a time")
    rows = eventually(lambda: peek(store.path), "a few pieces written after the time")
    assert rows == [(reply.id, 0, "Once upon a time")]


def test_the_time_counts_from_the_first_piece_waiting_not_the_last(
    open_store: Opener, peek: Callable[[Path], list[tuple[str, int, str]]]
) -> None:
    """A steady trickle (never 4 KiB) is written while it still flows, batch after batch."""
    store = open_store(flush_seconds=0.1, flush_bytes=10**9)
    conversation, reply = streaming_reply(store)
    sent: list[str] = []
    deadline = time.monotonic() + GENEROUS_S
    while len(peek(store.path)) < 2:  # two batches written while pieces kept coming
        assert time.monotonic() < deadline, "nothing written while pieces kept coming"
        piece = f"{len(sent)} "
        conversation.streamed(reply, piece)
        sent.append(piece)
        time.sleep(0.01)
    barrier(store)
    assert "".join(text for _, _, text in peek(store.path)) == "".join(sent)


def test_the_default_waits_half_a_second_and_writes_the_pieces_together(
    open_store: Opener, peek: Callable[[Path], list[tuple[str, int, str]]]
) -> None:
    store = open_store()
    conversation, reply = streaming_reply(store)
    before = time.monotonic()
    conversation.streamed(reply, "Once")
    conversation.streamed(reply, " upon")
    rows = eventually(lambda: peek(store.path), "pieces written after half a second")
    assert time.monotonic() - before >= FLUSH_SECONDS  # never earlier: a bound from below
    assert rows == [(reply.id, 0, "Once upon")]


# -- order


def test_pieces_of_one_kind_in_a_row_are_one_row_and_kinds_keep_their_order(
    open_store: Opener, peek: Callable[[Path], list[tuple[str, int, str]]]
) -> None:
    store = open_store(flush_seconds=AN_HOUR)
    conversation, reply = streaming_reply(store)
    conversation.streamed(reply, "Let me ", reasoning=True)
    conversation.streamed(reply, "think.", reasoning=True)
    conversation.streamed(reply, "Once")
    conversation.streamed(reply, " upon", reasoning=True)
    conversation.streamed(reply, " a time")
    conversation.streamed(reply, "…")
    barrier(store)
    assert peek(store.path) == [
        (reply.id, 1, "Let me think."),
        (reply.id, 0, "Once"),
        (reply.id, 1, " upon"),
        (reply.id, 0, " a time…"),
    ]


def test_pieces_of_two_replies_stay_apart(
    open_store: Opener, peek: Callable[[Path], list[tuple[str, int, str]]]
) -> None:
    store = open_store(flush_seconds=AN_HOUR)
    conversation, first = streaming_reply(store)
    second = conversation.add("assistant", "", state=MessageState.STREAMING)
    conversation.streamed(first, "one ")
    conversation.streamed(second, "two ")
    conversation.streamed(first, "three")
    barrier(store)
    assert peek(store.path) == [
        (first.id, 0, "one "),
        (second.id, 0, "two "),
        (first.id, 0, "three"),
    ]


def test_a_job_sees_the_pieces_sent_before_it_and_not_those_after(open_store: Opener) -> None:
    store = open_store(flush_seconds=AN_HOUR)
    conversation, reply = streaming_reply(store)
    conversation.streamed(reply, "before")
    seen = store.submit(lambda db: db.execute("SELECT text FROM partials").fetchall())
    conversation.streamed(reply, "after")
    assert seen.result(timeout=GENEROUS_S) == [("before",)]


def test_the_final_change_after_pieces_leaves_no_partials(
    open_store: Opener, peek: Callable[[Path], list[tuple[str, int, str]]]
) -> None:
    """However the pieces and the end fall in the writer's batches, the end comes last."""
    store = open_store(flush_seconds=0.01, flush_bytes=10)
    conversation, reply = streaming_reply(store)
    pieces = [f"word{i} " for i in range(300)]
    for piece in pieces:
        conversation.streamed(reply, piece)
    reply.content = "".join(pieces)
    reply.state = MessageState.COMPLETE
    conversation.changed(reply)
    barrier(store)
    assert peek(store.path) == []
    saved = store.read_now(
        lambda db: db.execute(
            "SELECT content, state, owner FROM messages WHERE id = ?", (reply.id,)
        ).fetchone()
    )
    assert saved == (reply.content, "complete", None)


def test_pieces_of_a_reply_not_saved_are_dropped_not_an_error(
    open_store: Opener,
    problems: list[StoreError],
    peek: Callable[[Path], list[tuple[str, int, str]]],
) -> None:
    store = open_store(flush_seconds=0.01)
    conversation = Conversation()
    reply = conversation.add("assistant", "", state=MessageState.STREAMING)  # before follow
    store.follow(conversation)
    conversation.streamed(reply, "lost")
    barrier(store)
    assert peek(store.path) == []
    assert problems == []


# -- failures


def test_a_jobs_database_error_reaches_its_future_and_the_problem_callback(
    open_store: Opener, problems: list[StoreError]
) -> None:
    store = open_store()
    failed = store.submit(lambda db: db.execute("INSERT INTO nowhere VALUES (1)"))
    with pytest.raises(StoreError, match="could not be used") as raised:
        failed.result(timeout=GENEROUS_S)
    assert raised.value.problem is StoreProblem.UNREADABLE
    assert "no such table: nowhere" in str(raised.value)
    barrier(store)  # the callback runs on the writer's thread, after the future is set
    assert problems == [raised.value]


def test_a_failed_job_is_rolled_back_and_the_next_job_runs(
    open_store: Opener, problems: list[StoreError]
) -> None:
    store = open_store()

    def half_done(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO conversations (id, created, updated) VALUES ('half', 0, 0)")
        db.execute("INSERT INTO nowhere VALUES (1)")

    with pytest.raises(StoreError):
        store.submit(half_done).result(timeout=GENEROUS_S)
    count = store.submit(lambda db: db.execute("SELECT count(*) FROM conversations").fetchone())
    assert count.result(timeout=GENEROUS_S) == (0,)
    assert len(problems) == 1


def test_a_busy_database_is_reported_as_locked(
    open_store: Opener, problems: list[StoreError]
) -> None:
    store = open_store()
    other = sqlite3.connect(store.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        store_of_short_patience = Store.open(store.path, busy_timeout=0.05, problem=problems.append)
        try:
            failed = store_of_short_patience.submit(lambda db: None)
            with pytest.raises(StoreError) as raised:
                failed.result(timeout=GENEROUS_S)
        finally:
            other.execute("ROLLBACK")
            store_of_short_patience.close()
    finally:
        other.close()
    assert raised.value.problem is StoreProblem.LOCKED
    assert str(raised.value).startswith(f"The conversation database {store.path} is locked")
    assert raised.value in problems


def test_pieces_that_cannot_be_written_are_reported(
    open_store: Opener, problems: list[StoreError]
) -> None:
    """Nobody waits on streamed pieces: their failure is heard only through ``problem``."""
    store = open_store(flush_seconds=0.01)
    conversation, reply = streaming_reply(store)
    store.submit(lambda db: db.execute("DROP TABLE partials")).result(timeout=GENEROUS_S)
    conversation.streamed(reply, "nowhere to go")
    eventually(lambda: problems, "the failed write of pieces reported")
    assert "no such table: partials" in str(problems[0])


def test_a_job_that_raises_another_error_gets_it_on_its_future(
    open_store: Opener, problems: list[StoreError], caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store()
    bug = KeyError("a bug in the job")

    def buggy(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO conversations (id, created, updated) VALUES ('bug', 0, 0)")
        raise bug

    failed = store.submit(buggy)
    assert failed.exception(timeout=GENEROUS_S) is bug
    count = store.submit(lambda db: db.execute("SELECT count(*) FROM conversations").fetchone())
    assert count.result(timeout=GENEROUS_S) == (0,)  # rolled back, and the writer goes on
    assert problems == []  # not the database's problem: the caller's
    (logged,) = [r for r in caplog.records if r.name == "chat.store.writer"]
    assert (logged.getMessage(), logged.exc_info and logged.exc_info[1]) == (
        "a store job failed",
        bug,
    )


def test_a_cancelled_job_is_not_run(open_store: Opener) -> None:
    store = open_store()
    gate = threading.Event()
    blocker = store.submit(lambda db: gate.wait(GENEROUS_S))
    ran: list[bool] = []
    skipped = store.submit(lambda db: ran.append(True))
    assert skipped.cancel()
    gate.set()
    assert blocker.result(timeout=GENEROUS_S) is True
    barrier(store)
    assert ran == []


# -- closing


def test_close_writes_every_piece_and_job_waiting(
    open_store: Opener, peek: Callable[[Path], list[tuple[str, int, str]]]
) -> None:
    store = open_store(flush_seconds=AN_HOUR)
    conversation, reply = streaming_reply(store)
    gate = threading.Event()
    store.submit(lambda db: gate.wait(GENEROUS_S))  # the writer is busy: the rest queue up
    conversation.streamed(reply, "kept ")
    later = [store.submit(_returning(n)) for n in range(5)]
    conversation.streamed(reply, "too")
    gate.set()
    open_store.close(store)
    assert [job.result(timeout=0) for job in later] == [0, 1, 2, 3, 4]
    assert peek(store.path) == [(reply.id, 0, "kept "), (reply.id, 0, "too")]


def test_submit_after_close_raises(open_store: Opener) -> None:
    store = open_store()
    open_store.close(store)
    with pytest.raises(RuntimeError, match=r"^the store is closed$"):
        store.submit(lambda db: None)
