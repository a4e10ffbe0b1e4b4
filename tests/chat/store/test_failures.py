"""A database that cannot be used as it is: locked, read-only, full or damaged. Each is told in
a sentence that says what to do, and nothing saved is ever lost or deleted."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from chat.conversation import Conversation, MessageState
from chat.store import Store, StoreError, StoreProblem, rows
from chat.store.database import CHECK_MARK

from .conftest import ROOT

NOBODY = 65534
DAMAGED_NAME = re.compile(r"parley\.db\.damaged-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d(-\d+)?")


def _chat(question: str = "How do I undo a commit?") -> Conversation:
    conversation = Conversation()
    conversation.add("user", question)
    conversation.add("assistant", "`git reset --soft HEAD~1` keeps the changes staged.")
    return conversation


def _saved(*conversations: Conversation) -> None:
    """Conversations in this test's database, written by a Parley that has ended."""
    with closing(Store.open()) as store:
        for conversation in conversations:
            store.save(conversation).result()


def _shape(conversation: Conversation | None) -> tuple[Any, ...] | None:
    if conversation is None:
        return None
    return (conversation.id, conversation.title, conversation.leaf_id, conversation.all_messages())


def _load(store: Store, conversation: Conversation) -> tuple[Any, ...] | None:
    return _shape(store.read_now(rows.load_conversation, conversation.id))


def _integrity(store: Store) -> list[str]:
    return store.read_now(lambda db: [r[0] for r in db.execute("PRAGMA integrity_check")])


# Locked by another Parley.


def test_saving_while_another_parley_holds_the_database_says_it_is_locked(
    db_path: Path, problems: list[StoreError]
) -> None:
    _saved(_chat())
    with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        with closing(Store.open(busy_timeout=0.2, problem=problems.append)) as store:
            failure = store.save(_chat("Is it locked?")).exception()
            other.execute("ROLLBACK")
            later = _chat("And now?")
            store.save(later).result()  # once the other lets go, saving works again
            assert _load(store, later) == _shape(later)
    assert isinstance(failure, StoreError)
    assert failure.problem is StoreProblem.LOCKED
    assert str(failure).startswith(f"The conversation database {db_path} is locked by another")
    assert "close that program, then try again" in str(failure)
    assert problems
    assert {p.problem for p in problems} == {StoreProblem.LOCKED}


def test_a_database_held_by_another_program_at_start_is_refused_as_locked(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")  # in its rollback journal: not even reading is allowed
        other.execute("CREATE TABLE notes (text TEXT)")
        with pytest.raises(StoreError) as raised:
            Store.open(busy_timeout=0.2)
    assert raised.value.problem is StoreProblem.LOCKED
    assert "close that program, then try again" in str(raised.value)


# Read-only: root writes anywhere, so the check runs as another user when the tests run as root.

READ_ONLY_CHILD = """
import json, os, sys
from pathlib import Path
from chat.conversation import Conversation
from chat.store import Store, StoreError, rows
import tomllib  # read lazily by the mutation run's trampolines, out of the user's reach later

if os.geteuid() == 0:  # after the imports: the user may not read root's Python
    os.setgroups([])
    os.setgid(int(sys.argv[2]))
    os.setuid(int(sys.argv[2]))
report = {"uid": os.geteuid()}
problems = []
try:
    store = Store.open(Path(sys.argv[1]), busy_timeout=0.2, problem=problems.append)
except StoreError as error:
    report["refused"] = [error.problem.value, str(error)]
else:
    try:
        report["titles"] = [s.title for s in store.read_now(rows.list_conversations)]
        conversation = Conversation()
        conversation.add("user", "A new question")
        failure = store.save(conversation).exception()
        report["save"] = [failure.problem.value, str(failure)] if failure else None
    finally:
        store.close()
report["heard"] = [p.problem.value for p in problems]
print(json.dumps(report))
"""


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder another user may enter (tmp_path is root's own when the tests run as root),
    removed at the end whatever its permissions then are."""
    folder = Path(tempfile.mkdtemp(prefix="parley-read-only-"))
    try:
        folder.chmod(0o755)
        yield folder
    finally:
        for place in [folder, *folder.rglob("*")]:
            if place.is_dir():
                place.chmod(0o755)
        shutil.rmtree(folder)


def _as_the_user(folder: Path, *, file_mode: int, folder_mode: int) -> dict[str, Any]:
    """A database with one conversation in ``folder/data``, owned by the user, given the modes;
    what a Parley run as that user reported (as root, the user is nobody)."""
    data = folder / "data"
    path = data / "parley.db"
    with closing(Store.open(path)) as store:
        store.save(_chat()).result()
    user = os.geteuid()
    if user == 0:  # the files are the user's own, as in their home
        user = NOBODY
        for place in [data, *data.rglob("*")]:
            os.chown(place, NOBODY, NOBODY)
    path.chmod(file_mode)
    data.chmod(folder_mode)
    kept = path.read_bytes()
    child = subprocess.run(
        [sys.executable, "-c", READ_ONLY_CHILD, str(path), str(user)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert child.returncode == 0, child.stderr
    report: dict[str, Any] = json.loads(child.stdout)
    assert report["uid"] == user
    assert path.read_bytes() == kept
    return report


def test_a_read_only_database_still_shows_old_conversations_and_says_why_none_are_saved(
    shared_folder: Path,
) -> None:
    report = _as_the_user(shared_folder, file_mode=0o444, folder_mode=0o755)
    assert report["titles"] == ["How do I undo a commit?"]
    problem, sentence = report["save"]
    assert problem == StoreProblem.READ_ONLY.value
    assert "is read-only, so nothing new can be saved" in sentence
    assert "give yourself write permission on it and its folder" in sentence
    assert report["heard"] == [StoreProblem.READ_ONLY.value]


@pytest.mark.parametrize("file_mode", [0o644, 0o444])
def test_a_database_in_a_read_only_folder_is_refused_with_a_sentence(
    shared_folder: Path, file_mode: int
) -> None:
    report = _as_the_user(shared_folder, file_mode=file_mode, folder_mode=0o555)
    problem, sentence = report["refused"]
    assert problem == StoreProblem.READ_ONLY.value
    assert sentence.startswith(f"The conversation database {shared_folder}/data/parley.db is")
    assert "write permission" in sentence


def test_a_folder_in_place_of_the_database_is_explained(db_path: Path) -> None:
    db_path.mkdir(parents=True)
    with pytest.raises(StoreError) as raised:
        Store.open()
    assert raised.value.problem is StoreProblem.UNREADABLE
    assert f"Parley cannot open its conversation database {db_path}" in str(raised.value)
    assert "check that the folder exists and that you may read and write it" in str(raised.value)


# Full.


def _fill_up(db: sqlite3.Connection) -> None:
    """The disk is full from now on: the file may not grow past the pages it has."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    assert db.execute(f"PRAGMA max_page_count = {pages}").fetchone()[0] == pages


def test_a_full_disk_is_heard_and_what_was_saved_before_stays(
    problems: list[StoreError],
) -> None:
    kept = _chat()
    big = _chat("Summarise this: " + "log line\n" * 50_000)
    with closing(Store.open(problem=problems.append)) as store:
        store.save(kept).result()
        store.submit(_fill_up).result()
        failure = store.save(big).exception()
    assert isinstance(failure, StoreError)
    assert failure.problem is StoreProblem.FULL
    assert "is full: free some space, then try again" in str(failure)
    assert "what was already saved is kept" in str(failure)
    assert [p.problem for p in problems] == [StoreProblem.FULL]
    with closing(Store.open()) as store:
        assert _load(store, kept) == _shape(kept)
        assert _load(store, big) is None
        assert _integrity(store) == ["ok"]


def test_a_streaming_reply_that_no_longer_fits_is_heard_as_full(
    problems: list[StoreError],
) -> None:
    conversation = Conversation()
    with closing(Store.open(problem=problems.append)) as store:
        store.follow(conversation)
        question = conversation.add("user", "Write a long story")
        reply = conversation.add("assistant", "", state=MessageState.STREAMING)
        store.submit(_fill_up).result()
        for _ in range(100):
            conversation.streamed(reply, "Once upon a time " * 200)
    assert StoreProblem.FULL in {p.problem for p in problems}
    with closing(Store.open()) as store:
        loaded = store.read_now(rows.load_conversation, conversation.id)
        assert loaded is not None
        assert loaded.all_messages()[0] == question
        assert _integrity(store) == ["ok"]


# Damaged.


def _damage(path: Path, page: int) -> bytes:
    """Overwrite ``page`` (from 1) of the file with a pattern (page 1 keeps its 100-byte
    header, so the file is still SQLite's); returns the damaged file's bytes."""
    with closing(sqlite3.connect(path)) as db:
        size = db.execute("PRAGMA page_size").fetchone()[0]
    start = (page - 1) * size + (100 if page == 1 else 0)
    data = bytearray(path.read_bytes())
    pattern = bytes(range(251, 0, -1)) * (size // 251 + 1)
    data[start : page * size] = pattern[: page * size - start]
    path.write_bytes(bytes(data))
    return bytes(data)


def _root_page(path: Path, table: str) -> int:
    with closing(sqlite3.connect(path)) as db:
        page: int = db.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()[0]
        return page


def _set_aside(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if DAMAGED_NAME.fullmatch(p.name))


def test_a_file_of_garbage_is_set_aside_with_its_bytes_and_a_new_database_started(
    db_path: Path,
) -> None:
    garbage = b"These are my notes, not a database.\n" * 200
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(garbage)
    with closing(Store.open()) as store:
        [aside] = _set_aside(db_path.parent)
        assert aside.read_bytes() == garbage
        assert f"it was set aside as {aside} (kept, not deleted)" in store.notice
        assert "a new one was started: your earlier conversations are in that file" in store.notice
        fresh = _chat()
        store.save(fresh).result()
        assert _load(store, fresh) == _shape(fresh)


def test_the_notice_of_a_file_set_aside_says_word_for_word_what_was_wrong(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"not a database" * 300)
    with closing(Store.open()) as store:
        [aside] = _set_aside(db_path.parent)
        assert store.notice == (
            f"Parley's conversation database was damaged, so it was set aside as {aside} (kept, "
            "not deleted) and a new one was started: your earlier conversations are in that "
            f"file. (The conversation database {db_path} is damaged. (file is not a database))"
        )


def test_a_file_in_place_of_the_data_folder_is_explained_word_for_word(db_path: Path) -> None:
    db_path.parent.parent.mkdir(parents=True)
    db_path.parent.write_bytes(b"")
    with pytest.raises(StoreError) as raised:
        Store.open()
    assert raised.value.problem is StoreProblem.UNREADABLE
    assert str(raised.value) == (
        f"The conversation database {db_path} could not be used: try again, and if it keeps "
        f"happening, report it. ([Errno 17] File exists: '{db_path.parent}')"
    )


def test_a_database_with_a_damaged_schema_page_is_set_aside_at_start(db_path: Path) -> None:
    old = _chat()
    _saved(old)
    damaged = _damage(db_path, 1)
    with closing(Store.open()) as store:
        [aside] = _set_aside(db_path.parent)
        assert aside.read_bytes() == damaged
        assert str(aside) in store.notice
        assert store.read_now(rows.list_conversations) == []
        assert _integrity(store) == ["ok"]


def test_two_damaged_files_in_a_row_are_both_kept(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    for garbage in (b"first garbage" * 100, b"second garbage" * 100):
        Store.open().close()
        db_path.write_bytes(garbage)
        Store.open().close()
    kept = {p.read_bytes() for p in _set_aside(db_path.parent)}
    assert kept == {b"first garbage" * 100, b"second garbage" * 100}


def test_damage_found_while_saving_sets_the_file_aside_at_the_next_start(
    db_path: Path, problems: list[StoreError]
) -> None:
    _saved(_chat())
    damaged = _damage(db_path, _root_page(db_path, "messages"))
    mark = db_path.with_name(db_path.name + CHECK_MARK)
    with closing(Store.open(problem=problems.append)) as store:
        assert store.notice == ""  # nothing seen yet: the damage is in the messages
        failure = store.save(_chat("A new question")).exception()
    assert isinstance(failure, StoreError)
    assert failure.problem is StoreProblem.CORRUPT
    assert str(failure).startswith(f"The conversation database {db_path} is damaged")
    assert [p.problem for p in problems] == [StoreProblem.CORRUPT]
    assert mark.exists()
    with closing(Store.open()) as store:
        [aside] = _set_aside(db_path.parent)
        assert str(aside) in store.notice
        assert aside.read_bytes() == damaged
        assert store.read_now(rows.list_conversations) == []
    assert not mark.exists()


def test_damage_found_while_reading_sets_the_file_aside_at_the_next_start(
    db_path: Path,
) -> None:
    old = _chat()
    _saved(old)
    damaged = _damage(db_path, _root_page(db_path, "messages"))
    mark = db_path.with_name(db_path.name + CHECK_MARK)
    with closing(Store.open()) as store:
        with pytest.raises(StoreError) as raised:
            store.read_now(rows.load_conversation, old.id)
        assert raised.value.problem is StoreProblem.CORRUPT
    assert mark.exists()
    with closing(Store.open()) as store:
        [aside] = _set_aside(db_path.parent)
        assert str(aside) in store.notice
        assert aside.read_bytes() == damaged


def test_a_check_mark_on_a_sound_database_is_cleared_and_nothing_is_set_aside(
    db_path: Path,
) -> None:
    old = _chat()
    _saved(old)
    mark = db_path.with_name(db_path.name + CHECK_MARK)
    mark.touch()
    with closing(Store.open()) as store:
        assert store.notice == ""
        assert _load(store, old) == _shape(old)
    assert not mark.exists()
    assert _set_aside(db_path.parent) == []
