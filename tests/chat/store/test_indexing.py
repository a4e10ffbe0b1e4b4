"""Messages indexed after they were written (as an import writes them): found once the store
catches up, never missing from an index or left in one, whatever happens to them meanwhile."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import CancelledError
from contextlib import closing
from pathlib import Path

import pytest

from chat.conversation import Conversation
from chat.store import Store, rows
from chat.store.database import connect
from chat.store.indexing import index_some, later, searched, waiting
from chat.store.schema import migrate
from tests.chat.store.test_search import chat, found, integrity_checked


def written_later(store: Store, *conversations: Conversation) -> None:
    """Write ``conversations`` as an import does: their messages wait to be indexed."""

    def job(db: sqlite3.Connection) -> None:
        with later(db):
            for conversation in conversations:
                rows.save_conversation(db, rows.conversation_row(conversation))
                for message in conversation.all_messages():
                    rows.save_message(db, rows.message_row(conversation.id, message, ""))

    store.submit(job).result()


def numbers(db: sqlite3.Connection) -> list[int]:
    return [row[0] for row in db.execute("SELECT num FROM unindexed ORDER BY num")]


@pytest.fixture
def soups() -> list[Conversation]:
    return [
        chat("Soup", "How long does borscht simmer?", "About an hour."),
        chat("Суп", "Сколько варить борщ?", "Около часа."),
        chat("汤", "罗宋汤要煮多久", "大约一小时"),
    ]


def test_waiting_messages_are_found_by_every_index_once_the_store_catches_up(
    store: Store, soups: list[Conversation]
) -> None:
    written_later(store, *soups)
    assert store.read_now(waiting) == 6
    assert found(store, "borscht") == []
    assert found(store, "борщ") == []
    assert found(store, "罗宋") == []  # the trigram index
    assert [h.message_id for h in found(store, "汤")] == [None]  # its title only
    assert [h.conversation_id for h in found(store, "Суп")] == [soups[1].id]  # titles go in
    hits, left = store.read_now(searched, "hour")
    assert (hits, left) == ([], 6)
    store.catch_up().result()
    assert store.read_now(waiting) == 0
    assert [h.message_id for h in found(store, "borscht")] == [soups[0].messages[0].id]
    assert [h.message_id for h in found(store, "борщ")] == [soups[1].messages[0].id]
    assert [h.message_id for h in found(store, "罗宋汤")] == [soups[2].messages[0].id]
    assert soups[2].messages[1].id in {h.message_id for h in found(store, "小时")}  # the grams
    assert store.read_now(lambda db: db.execute("SELECT * FROM index_later").fetchall()) == []
    store.submit(integrity_checked).result()


def test_a_waiting_message_changed_or_deleted_leaves_every_index_whole(
    store: Store, soups: list[Conversation]
) -> None:
    english, russian, chinese = soups
    written_later(store, *soups)
    english.messages[1].content = "Two hours, with beets."  # saved as the window saves it
    store.save(english).result()
    store.submit(
        lambda db: db.execute("DELETE FROM messages WHERE id = ?", (russian.messages[1].id,))
    ).result()
    store.submit(
        lambda db: db.execute("DELETE FROM conversations WHERE id = ?", (chinese.id,))
    ).result()
    assert store.read_now(waiting) == 3  # the two English ones and the Russian question
    store.catch_up().result()  # nothing was taken out of an index it was never in
    store.submit(integrity_checked).result()
    assert [h.message_id for h in found(store, "beets")] == [english.messages[1].id]
    assert found(store, "hour") == []
    assert found(store, "часа") == []
    assert found(store, "小时") == []
    assert found(store, "罗宋汤") == []


def test_another_program_deletes_a_waiting_message_without_parley_s_functions(
    store: Store, soups: list[Conversation]
) -> None:
    written_later(store, soups[0])
    with closing(sqlite3.connect(store.path, isolation_level=None)) as tool:
        tool.execute("DELETE FROM messages WHERE conversation_id = ?", (soups[0].id,))
        assert numbers(tool) == []
    store.catch_up().result()
    store.submit(integrity_checked).result()


def test_what_a_parley_that_ended_left_waiting_is_indexed_when_the_next_one_opens(
    soups: list[Conversation],
) -> None:
    with closing(Store.open()) as first:
        ended = first.catch_up()  # nothing waits yet: it is done
        ended.result()
        written_later(first, *soups)  # then Parley ends before indexing them
        path = first.path
    with closing(sqlite3.connect(path)) as db:
        assert len(numbers(db)) == 6
    with closing(Store.open()) as second:
        second.catch_up().result()  # the one it began on opening, or the end of it
        assert second.read_now(waiting) == 0
        assert [h.message_id for h in found(second, "borscht")] == [soups[0].messages[0].id]
        second.submit(integrity_checked).result()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    path = tmp_path / "parley.db"
    with closing(connect(path)) as opened:
        migrate(opened, path)
        yield opened


def _insert_later(db: sqlite3.Connection, sizes: list[int]) -> None:
    conversation = Conversation(title="Sizes")
    for size in sizes:
        conversation.add("assistant", "x" * size)
    with later(db):
        rows.save_conversation(db, rows.conversation_row(conversation))
        for message in conversation.all_messages():
            rows.save_message(db, rows.message_row(conversation.id, message, ""))


def test_a_step_indexes_about_its_share_of_text_and_at_least_one_message(
    db: sqlite3.Connection,
) -> None:
    _insert_later(db, [1000] * 10)
    first = numbers(db)
    assert index_some(db, chars=2500) is True  # 1,000 + 1,000 + 1,000 reach it
    assert numbers(db) == first[3:]
    assert index_some(db, chars=1) is True  # one, however small the share
    assert numbers(db) == first[4:]
    assert index_some(db, chars=10**9) is False
    assert numbers(db) == []
    assert index_some(db) is False  # nothing waits: nothing to do
    integrity_checked(db)


def test_a_message_written_outside_an_import_is_indexed_at_once(db: sqlite3.Connection) -> None:
    _insert_later(db, [10])
    conversation = chat("Now", "indexed straight away")
    rows.save_conversation(db, rows.conversation_row(conversation))
    rows.save_message(db, rows.message_row(conversation.id, conversation.messages[0], ""))
    assert len(numbers(db)) == 1
    hit = db.execute("SELECT rowid FROM message_fts WHERE message_fts MATCH 'straight'")
    assert hit.fetchall() != []
    with pytest.raises(sqlite3.DatabaseError):  # FTS5's check: the waiting one is missing
        integrity_checked(db)
    assert index_some(db) is False
    integrity_checked(db)


def test_a_waiter_that_gives_up_stops_nothing_and_a_store_closed_midway_leaves_the_rest(
    soups: list[Conversation],
) -> None:
    long = [chat(f"Long {n}", "word " * 60_000) for n in range(3)]  # a step each
    with closing(Store.open()) as store:
        store.catch_up().result()
        written_later(store, *long)
        busy = threading.Event()
        store.submit(lambda db: busy.wait(10))
        going, given_up, again = store.catch_up(), store.catch_up(), store.catch_up()
        assert given_up.cancel()  # a caller that stops waiting stops nothing
        busy.set()
        going.result()
        again.result()
        assert store.read_now(waiting) == 0
        more = [chat(f"More {n}", "word " * 60_000) for n in range(3)]
        written_later(store, *more, *soups)
        busy.clear()
        store.submit(lambda db: busy.wait(10))
        stopped = store.catch_up()
        threading.Timer(0.2, busy.set).start()
    with pytest.raises(CancelledError):
        stopped.result()  # closed after one step
    with closing(Store.open()) as store:
        store.catch_up().result()
        assert [h.message_id for h in found(store, "borscht")] == [soups[0].messages[0].id]
        store.submit(integrity_checked).result()
