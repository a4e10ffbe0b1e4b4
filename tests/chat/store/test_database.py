"""One database in the OS data folder, set up for safety, shared by the window and `parley ask`
running at once; a reply streaming in one Parley is never taken for one a dead Parley left."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from chat import paths
from chat.conversation import Conversation, MessageState
from chat.store import Store, rows
from chat.store.database import connect

Python = Callable[..., subprocess.Popen[str]]


def _pragmas(db: sqlite3.Connection) -> tuple[str, int, int]:
    return (
        db.execute("PRAGMA journal_mode").fetchone()[0],
        db.execute("PRAGMA foreign_keys").fetchone()[0],
        db.execute("PRAGMA synchronous").fetchone()[0],
    )


WAL_KEYS_FULL = ("wal", 1, 2)
"""WAL, foreign keys enforced, synchronous = FULL (2)."""


def test_the_database_is_one_file_in_parleys_data_folder(store: Store, tmp_path: Path) -> None:
    assert store.path == paths.data_dir() / "parley.db"
    assert store.path == tmp_path / "parley-home" / "data" / "parley.db"
    assert store.path.is_file()


def test_the_writer_uses_wal_with_foreign_keys_and_full_sync(store: Store) -> None:
    assert store.submit(_pragmas).result() == WAL_KEYS_FULL


def test_the_reader_uses_wal_with_foreign_keys_and_full_sync(store: Store) -> None:
    assert store.read_now(_pragmas) == WAL_KEYS_FULL


def test_every_new_connection_uses_wal_with_foreign_keys_and_full_sync(store: Store) -> None:
    with closing(connect(store.path)) as db:
        assert _pragmas(db) == WAL_KEYS_FULL


def test_a_message_of_no_conversation_is_refused(store: Store) -> None:
    orphan = Conversation()
    message = orphan.add("user", "Where do I belong?")
    row = rows.message_row(orphan.id, message, "")
    failure = store.submit(lambda db: rows.save_message(db, row)).exception()
    assert failure is not None
    assert "FOREIGN KEY constraint failed" in str(failure)
    assert store.read_now(rows.count_conversations) == 0


# Two Parleys at once (the window and `parley ask`).

WRITER = """
import sys
from chat.conversation import Conversation
from chat.store import Store

store = Store.open()
print("open", flush=True)
sys.stdin.readline()
saved = []
for number in range(int(sys.argv[1])):
    conversation = Conversation()
    conversation.add("user", f"From parley ask, question {number}")
    conversation.add("assistant", f"Answer {number}")
    saved.append(store.save(conversation))
for future in saved:
    future.result()
store.close()
print("done", flush=True)
"""


def _exchange(number: int) -> Conversation:
    conversation = Conversation()
    conversation.add("user", f"From the window, question {number}")
    conversation.add("assistant", f"Answer {number}")
    return conversation


def test_the_window_and_parley_ask_save_at_the_same_time(python: Python, store: Store) -> None:
    count = 60
    other = python(WRITER, str(count))
    assert other.stdout is not None
    assert other.stdin is not None
    assert other.stdout.readline() == "open\n"
    other.stdin.write("go\n")
    other.stdin.flush()
    mine = [_exchange(number) for number in range(count)]
    for future in [store.save(conversation) for conversation in mine]:
        future.result()
    out, err = other.communicate(timeout=60)
    assert (other.returncode, out) == (0, "done\n"), err
    titles = sorted(s.title for s in store.read_now(rows.list_conversations, limit=1000))
    assert titles == sorted(
        [f"From the window, question {n}" for n in range(count)]
        + [f"From parley ask, question {n}" for n in range(count)]
    )
    for conversation in mine:
        loaded = store.read_now(rows.load_conversation, conversation.id)
        assert loaded is not None
        assert loaded.all_messages() == conversation.all_messages()
    assert store.read_now(lambda db: db.execute("PRAGMA integrity_check").fetchall()) == [("ok",)]


STARTER = """
import sys
from pathlib import Path
from chat.store import Store

print("ready", flush=True)
sys.stdin.readline()
Store.open(Path(sys.argv[1])).close()
print("opened", flush=True)
"""


@pytest.mark.parametrize("attempt", range(3))
def test_two_parleys_started_at_once_on_a_new_folder_both_open(
    python: Python, db_path: Path, attempt: int
) -> None:
    other = python(STARTER, str(db_path))
    assert other.stdout is not None
    assert other.stdin is not None
    assert other.stdout.readline() == "ready\n"
    other.stdin.write("go\n")
    other.stdin.flush()
    with closing(Store.open()) as store:
        store.save(_exchange(attempt)).result()
    out, err = other.communicate(timeout=60)
    assert (other.returncode, out) == (0, "opened\n"), err
    with closing(sqlite3.connect(db_path)) as db:
        names = [r[0] for r in db.execute("SELECT name FROM migrations")]
    assert len(names) == len(set(names))  # each migration ran once


# Who owns a streaming reply.

STREAMER = """
import sys
from chat.conversation import Conversation, MessageState
from chat.store import Store

store = Store.open()
conversation = Conversation()
store.follow(conversation)
conversation.add("user", "Tell me a story")
reply = conversation.add("assistant", "", state=MessageState.STREAMING)
conversation.streamed(reply, "Once upon ")
conversation.streamed(reply, "a time")
store.submit(lambda db: None).result()  # the pieces before it are written first
print(conversation.id, reply.id, flush=True)
sys.stdin.readline()
conversation.streamed(reply, ", the end.")
reply.content = "Once upon a time, the end."
reply.state = MessageState.COMPLETE
conversation.changed(reply)
store.close()
print("done", flush=True)
"""


def _streaming(python: Python) -> tuple[subprocess.Popen[str], str, str]:
    """Another Parley, streaming a reply; its conversation's and reply's ids."""
    other = python(STREAMER)
    assert other.stdout is not None
    conversation_id, reply_id = other.stdout.readline().split()
    return other, conversation_id, reply_id


def test_a_reply_streaming_in_another_running_parley_is_left_streaming(python: Python) -> None:
    other, conversation_id, reply_id = _streaming(python)
    with closing(Store.open()) as store:
        assert store.recovered.result() == 0
        loaded = store.read_now(rows.load_conversation, conversation_id)
    assert loaded is not None
    reply = loaded.get(reply_id)
    assert reply is not None
    assert reply.state is MessageState.STREAMING
    out, err = other.communicate("go\n", timeout=60)  # and it finishes its reply as usual
    assert (other.returncode, out) == (0, "done\n"), err
    with closing(Store.open()) as store:
        finished = store.read_now(rows.load_conversation, conversation_id)
    assert finished is not None
    done = finished.get(reply_id)
    assert done is not None
    assert (done.state, done.content) == (MessageState.COMPLETE, "Once upon a time, the end.")


def test_a_reply_left_streaming_by_a_parley_that_died_is_marked_interrupted_with_its_text(
    python: Python, db_path: Path
) -> None:
    other, conversation_id, reply_id = _streaming(python)
    other.kill()  # SIGKILL: no chance to tidy up
    other.wait(timeout=60)
    with closing(Store.open()) as store:
        assert store.recovered.result() == 1
        loaded = store.read_now(rows.load_conversation, conversation_id)
        owners = sorted(db_path.with_name("parley.db.owners").iterdir())
        assert len(owners) == 1  # the dead Parley's claim is gone, this one's is there
    assert loaded is not None
    reply = loaded.get(reply_id)
    assert reply is not None
    assert reply.state is MessageState.INTERRUPTED
    assert reply.content == "Once upon a time"


def test_a_reply_streaming_in_an_open_store_survives_a_second_store_opening(
    store: Store, db_path: Path
) -> None:
    conversation = Conversation()
    store.follow(conversation)
    conversation.add("user", "Count to three")
    reply = conversation.add("assistant", "", state=MessageState.STREAMING)
    conversation.streamed(reply, "One, two")
    store.submit(lambda db: None).result()  # what came before it is written
    with closing(Store.open(db_path)) as second:  # a second store in the same process
        assert second.recovered.result() == 0
    loaded = store.read_now(rows.load_conversation, conversation.id)
    assert loaded is not None
    assert loaded.messages[-1].state is MessageState.STREAMING
