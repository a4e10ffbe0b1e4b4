"""The store as its callers hold it: its two threads, reads with arguments, a second close, and
replies that a Parley left streaming found whole by the next one, while another still runs."""

from __future__ import annotations

import asyncio
import threading
import time
from contextlib import closing
from pathlib import Path

from chat.conversation import Conversation, Message, MessageState
from chat.store import Store, rows


def _store_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("parley-store")]


async def test_writes_run_on_one_named_thread_and_reads_one_at_a_time_on_another(
    store: Store,
) -> None:
    def writer_thread(db: object) -> str:
        return threading.current_thread().name

    def reader_thread(db: object) -> str:
        time.sleep(0.02)  # still busy when the next read arrives
        return threading.current_thread().name

    written = {store.submit(writer_thread).result() for _ in range(3)}
    read = await asyncio.gather(*(store.read(reader_thread) for _ in range(4)))
    assert written == {"parley-store-writer"}
    assert len(set(read)) == 1  # the reader's one connection is never used by two threads
    assert read[0].startswith("parley-store-reader")


async def test_a_read_passes_on_arguments_given_by_name(store: Store) -> None:
    for title in ("first", "second"):
        store.save(Conversation(title=title, title_set=True)).result()
    page = await store.read(rows.list_conversations, limit=1)
    assert [summary.title for summary in page] == ["second"]


def test_closing_a_store_twice_ends_its_threads_once(tmp_path: Path) -> None:
    before = _store_threads()
    store = Store.open(tmp_path / "parley.db")
    store.read_now(rows.count_conversations)  # the reader's thread starts with its first read
    assert len(_store_threads()) == len(before) + 2
    store.close()
    store.close()
    assert _store_threads() == before


def test_a_store_whose_claim_was_removed_by_hand_still_closes(db_path: Path) -> None:
    before = _store_threads()
    store = Store.open()
    for claim in db_path.with_name("parley.db.owners").iterdir():
        claim.unlink()
    store.close()
    assert _store_threads() == before


def test_opening_a_store_removes_the_claims_of_parleys_that_ended(db_path: Path) -> None:
    owners = db_path.with_name("parley.db.owners")
    owners.mkdir(parents=True)
    (owners / ("0" * 32)).write_bytes(b"")  # a Parley killed with no reply streaming
    with closing(Store.open()):
        assert len(list(owners.iterdir())) == 1  # this one's claim alone


def _streaming(store: Store, question: str) -> tuple[Conversation, Message]:
    conversation = Conversation()
    store.follow(conversation)
    conversation.add("user", question)
    return conversation, conversation.add("assistant", "", state=MessageState.PENDING)


def test_replies_a_closed_parley_left_streaming_come_back_whole_beside_a_running_one(
    db_path: Path,
) -> None:
    running = Store.open()
    try:
        kept = Conversation()
        kept.add("user", "Count slowly")
        counting = kept.add("assistant", "One, two", state=MessageState.STREAMING)
        running.save(kept).result()  # the running Parley's reply comes first on disk

        ended = Store.open()
        story, told = _streaming(ended, "Tell a story")
        story.streamed(told, "A story ", reasoning=True)
        story.streamed(told, "Once ")
        story.streamed(told, "they want", reasoning=True)
        told.state = MessageState.STREAMING
        story.changed(told)  # the reply's record changed while it streams
        story.streamed(told, "upon ")
        ended.save(story)  # written whole again, as the window does when the store opens
        story.streamed(told, "a time")
        poem, written = _streaming(ended, "Write a poem")
        written.state = MessageState.STREAMING
        poem.changed(written)
        poem.streamed(written, "Roses")
        ended.close()

        with closing(Store.open()) as next_one:
            assert next_one.recovered.result() == 2
            loaded = [next_one.read_now(rows.load_conversation, c.id) for c in (story, poem, kept)]
    finally:
        running.close()
    shown = [c.messages[-1] if c else None for c in loaded]
    assert [(m.state, m.content, m.reasoning) for m in shown if m] == [
        (MessageState.INTERRUPTED, "Once upon a time", "A story they want"),
        (MessageState.INTERRUPTED, "Roses", ""),
        (MessageState.STREAMING, "One, two", ""),
    ]
    assert [m.id for m in shown if m] == [told.id, written.id, counting.id]
