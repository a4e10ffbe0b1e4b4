"""Imports into a real store: idempotent, all or nothing, and never in the way of a reply."""

from __future__ import annotations

import dataclasses
import io
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from chat.conversation import Conversation, MessageState
from chat.store import Store, StoreError, rows
from chat.transcript.errors import TranscriptError
from chat.transcript.importing import CACHE_KIB, ImportCancelled, import_file
from chat.transcript.parley_json import dump


def chat(title: str, *turns: str) -> Conversation:
    conversation = Conversation(title=title)
    for n, text in enumerate(turns):
        conversation.add("user" if n % 2 == 0 else "assistant", text)
    return conversation


def written(path: Path, *conversations: Conversation) -> Path:
    with path.open("w", encoding="utf-8") as out:
        dump(conversations, out)
    return path


def titles(store: Store) -> list[str]:
    return sorted(s.title for s in store.read_now(rows.list_conversations, limit=-1))


def everything(store: Store) -> list[tuple[object, ...]]:
    """Every conversation and message row (and the search index's size), to compare."""
    with closing(sqlite3.connect(store.path)) as db:
        found = db.execute("SELECT * FROM conversations ORDER BY id").fetchall()
        found += db.execute("SELECT * FROM messages ORDER BY id").fetchall()
        found += db.execute("SELECT count(*) FROM message_fts").fetchall()
        return found


def test_an_import_adds_every_conversation_with_its_branches(store: Store, tmp_path: Path) -> None:
    first = chat("Soup", "How do I make soup?", "Boil water.")
    question = first.messages[0]
    first.edit(question, "How do I make miso soup?")
    first.add("assistant", "Dissolve miso in dashi.")
    second = chat("Trains", "When is the next train?", "At nine.")
    report = import_file(store, written(tmp_path / "x.json", first, second))
    assert (report.format, report.added, report.messages) == ("parley", 2, 6)
    loaded = store.read_now(rows.load_conversation, first.id)
    assert loaded is not None
    assert [m.content for m in loaded.messages] == [m.content for m in first.messages]
    assert len(loaded.all_messages()) == 4
    assert len(loaded.siblings(loaded.messages[0])) == 2


def test_importing_the_same_file_twice_adds_nothing_the_second_time(
    store: Store, tmp_path: Path
) -> None:
    path = written(tmp_path / "x.json", chat("Soup", "Soup?", "Yes."), chat("Tea", "Tea?"))
    import_file(store, path)
    before = everything(store)
    again = import_file(store, path)
    assert (again.added, again.extended, again.unchanged, again.messages) == (0, 0, 2, 0)
    assert everything(store) == before


def test_a_later_export_of_a_conversation_adds_only_its_new_messages(
    store: Store, tmp_path: Path
) -> None:
    conversation = chat("Soup", "Soup?", "Yes.")
    import_file(store, written(tmp_path / "early.json", conversation))
    conversation.add("user", "Which kind?")
    report = import_file(store, written(tmp_path / "late.json", conversation))
    assert (report.added, report.extended, report.messages) == (0, 1, 1)
    loaded = store.read_now(rows.load_conversation, conversation.id)
    assert loaded is not None
    assert len(loaded.all_messages()) == 3


def test_a_conversation_deleted_here_comes_back_when_imported_again(
    store: Store, tmp_path: Path
) -> None:
    conversation = chat("Soup", "Soup?", "Yes.")
    path = written(tmp_path / "x.json", conversation)
    import_file(store, path)
    store.delete(conversation.id).result()
    assert titles(store) == []
    import_file(store, path)
    assert titles(store) == ["Soup"]


def test_a_reply_exported_while_it_streamed_is_imported_as_interrupted(
    store: Store, tmp_path: Path
) -> None:
    conversation = chat("Soup", "Soup?")
    conversation.add("assistant", "Boil", state=MessageState.STREAMING)
    import_file(store, written(tmp_path / "x.json", conversation))
    loaded = store.read_now(rows.load_conversation, conversation.id)
    assert loaded is not None
    assert loaded.messages[-1].state is MessageState.INTERRUPTED
    assert loaded.messages[-1].content == "Boil"


def damaged(path: Path, *conversations: Conversation) -> Path:
    """An export cut off in the middle of its last conversation."""
    text = io.StringIO()
    dump(conversations, text)
    path.write_text(text.getvalue()[: -len(conversations[-1].title) - 200])
    return path


def test_a_damaged_file_imports_nothing_and_says_where(store: Store, tmp_path: Path) -> None:
    kept = chat("Already here", "Hello?", "Hello.")
    store.save(kept).result()
    before = everything(store)
    many = [chat(f"Chat {n}", f"Question {n}", "Answer " * 50) for n in range(30)]
    with pytest.raises(TranscriptError) as raised:
        import_file(store, damaged(tmp_path / "cut.json", kept, *many))
    assert "byte" in str(raised.value) or "conversation" in str(raised.value)
    assert everything(store) == before


def test_a_damaged_file_written_in_several_batches_imports_nothing(
    store: Store, tmp_path: Path
) -> None:
    batch = 100  # a batch of a conversation or a few
    before = everything(store)
    many = [chat(f"Chat {n}", f"Question {n}", "Answer " * 50) for n in range(30)]
    with pytest.raises(TranscriptError):
        import_file(store, damaged(tmp_path / "cut.json", *many), batch_chars=batch)
    assert everything(store) == before


def test_cancelling_midway_leaves_the_store_as_it_was(store: Store, tmp_path: Path) -> None:
    batch = 100  # a batch of a conversation or a few
    existing = chat("Soup", "Soup?", "Yes.")
    import_file(store, written(tmp_path / "early.json", existing))
    store.delete(existing.id).result()
    before = everything(store)
    existing.add("user", "Which kind?")
    many = [chat(f"Chat {n}", f"Question {n}", "Answer " * 500) for n in range(200)]
    path = written(tmp_path / "x.json", existing, *many)
    cancel = threading.Event()
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        if done > total // 2:
            cancel.set()

    with pytest.raises(ImportCancelled):
        import_file(store, path, progress=progress, cancel=cancel, batch_chars=batch)
    assert seen
    assert max(seen) < path.stat().st_size
    assert everything(store) == before


def test_the_writer_s_cache_is_larger_only_while_an_import_writes(
    store: Store, tmp_path: Path
) -> None:
    def cache(db: sqlite3.Connection) -> int:
        return int(db.execute("PRAGMA cache_size").fetchone()[0])

    before = store.submit(cache).result()
    seen: list[int] = []
    import_file(
        store,
        written(tmp_path / "x.json", *[chat(f"Chat {n}", "Q", "A") for n in range(3)]),
        progress=lambda done, total: seen.append(store.submit(cache).result()),
    )
    assert -CACHE_KIB in seen
    assert store.submit(cache).result() == before
    many = [chat(f"Chat {n}", f"Question {n}", "Answer " * 50) for n in range(30)]
    with pytest.raises(TranscriptError):
        import_file(store, damaged(tmp_path / "cut.json", *many), batch_chars=100)
    assert store.submit(cache).result() == before


def test_progress_goes_up_to_the_whole_file(store: Store, tmp_path: Path) -> None:
    path = written(tmp_path / "x.json", *[chat(f"Chat {n}", "Q", "A") for n in range(5)])
    seen: list[tuple[int, int]] = []
    import_file(store, path, progress=lambda done, total: seen.append((done, total)))
    size = path.stat().st_size
    assert seen[-1] == (size, size)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_a_full_disk_midway_keeps_nothing_of_the_import_and_says_so(
    store: Store, tmp_path: Path
) -> None:
    batch = 10_000  # a batch of a conversation or a few
    kept = chat("Already here", "Hello?", "Hello.")
    store.save(kept).result()
    pages = store.submit(lambda db: db.execute("PRAGMA page_count").fetchone()[0]).result()
    store.submit(lambda db: db.execute(f"PRAGMA max_page_count = {pages + 40}")).result()
    before = everything(store)
    many = [chat(f"Chat {n}", f"Question {n}", f"Answer {n} " * 400) for n in range(100)]
    with pytest.raises(StoreError) as raised:
        import_file(store, written(tmp_path / "x.json", *many), batch_chars=batch)
    assert "full" in str(raised.value)
    assert everything(store) == before


def test_a_batch_still_queued_when_the_import_is_cancelled_is_taken_out_too(
    store: Store, tmp_path: Path
) -> None:
    many = [chat(f"Chat {n}", f"Question {n}", "Answer " * 2000) for n in range(60)]
    path = written(tmp_path / "x.json", *many)
    before = everything(store)
    gate = threading.Event()
    store.submit(lambda db: gate.wait(30))  # the writer is busy: the import's batches queue
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done > total // 10:  # the first batch (a fifteenth of the file) waits in the queue
            cancel.set()

    ended: list[BaseException] = []

    def run() -> None:
        try:
            import_file(store, path, progress=progress, cancel=cancel, batch_chars=50_000)
        except BaseException as error:
            ended.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    while not cancel.is_set() and worker.is_alive():
        cancel.wait(0.01)
    gate.set()
    worker.join(30)
    assert [type(e) for e in ended] == [ImportCancelled]
    store.submit(lambda db: None).result()  # whatever was queued has been written
    assert everything(store) == before


def test_an_undone_import_never_takes_out_a_message_that_was_here_before(
    store: Store, tmp_path: Path
) -> None:
    mine = chat("Mine", "My question", "My answer")
    store.save(mine).result()
    # a file made by hand: a conversation already here, with a message of another one in it
    borrowed = mine.messages[1]
    known = chat("Known", "Q", "A")
    import_file(store, written(tmp_path / "early.json", known))
    known.attach(dataclasses.replace(borrowed, parent_id=known.messages[-1].id))
    before = everything(store)
    many = [chat(f"Chat {n}", f"Question {n}", "Answer " * 50) for n in range(30)]
    with pytest.raises(TranscriptError):
        import_file(store, damaged(tmp_path / "cut.json", known, *many), batch_chars=100)
    assert everything(store) == before


def test_each_import_says_in_one_sentence_what_it_added(store: Store, tmp_path: Path) -> None:
    def sentence(*conversations: Conversation) -> str:
        return import_file(store, written(tmp_path / "x.json", *conversations)).sentence()

    soup = chat("Soup", "Soup?", "Yes.")
    tea = chat("Tea", "Tea?")
    trains = chat("Trains", "When?", "At nine.")
    assert sentence() == "The file holds no conversations: nothing was imported."
    assert sentence(soup) == "Imported 1 conversation from Parley (2 messages)."
    assert sentence(soup, tea, trains) == (
        "Imported 2 conversations from Parley (3 messages); 1 conversation was here already."
    )
    assert sentence(soup, tea) == (
        "Nothing new: all 2 conversations in this Parley export are here already."
    )
    assert (
        sentence(soup) == "Nothing new: all 1 conversation in this Parley export are here already."
    )
    soup.add("user", "Which kind?")
    assert sentence(soup, tea, trains) == (
        "Imported 1 message from Parley into 1 conversation already here; 2 conversations "
        "were here already."
    )
    soup.add("assistant", "Miso.")
    tea.add("assistant", "Green.")
    assert sentence(soup, tea) == (
        "Imported 2 messages from Parley into 2 conversations already here."
    )


def test_a_cancel_that_comes_once_the_whole_file_is_read_still_keeps_nothing(
    store: Store, tmp_path: Path
) -> None:
    path = written(tmp_path / "x.json", *[chat(f"Chat {n}", "Q", "A") for n in range(3)])
    before = everything(store)
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done == total:
            cancel.set()

    with pytest.raises(ImportCancelled):
        import_file(store, path, progress=progress, cancel=cancel)
    assert everything(store) == before


def test_an_undone_import_takes_out_the_new_messages_of_every_conversation_already_here(
    store: Store, tmp_path: Path
) -> None:
    soup, tea = chat("Soup", "Soup?", "Yes."), chat("Tea", "Tea?")
    import_file(store, written(tmp_path / "early.json", soup, tea))
    before = everything(store)
    soup.add("user", "Which kind?")
    many = [chat(f"Chat {n}", f"Question {n}", "Answer " * 50) for n in range(30)]
    with pytest.raises(TranscriptError):
        import_file(store, damaged(tmp_path / "cut.json", soup, tea, *many), batch_chars=100)
    assert everything(store) == before


def test_an_undone_import_keeps_every_message_of_a_long_conversation_already_here(
    store: Store, tmp_path: Path
) -> None:
    long = chat("Long", *(f"Turn {n}" for n in range(1_100)))
    import_file(store, written(tmp_path / "early.json", long))
    before = everything(store)
    many = [chat(f"Chat {n}", f"Question {n}", "Answer " * 50) for n in range(30)]
    with pytest.raises(TranscriptError):
        import_file(store, damaged(tmp_path / "cut.json", long, *many), batch_chars=100)
    assert everything(store) == before


def test_an_undone_import_takes_out_every_new_message_however_many(
    store: Store, tmp_path: Path
) -> None:
    grown = chat("Grown", "Start")
    import_file(store, written(tmp_path / "early.json", grown))
    before = everything(store)
    for n in range(1_100):
        grown.add("assistant" if n % 2 == 0 else "user", f"Turn {n}")
    many = [chat(f"Chat {n}", f"Question {n}", "Answer " * 50) for n in range(30)]
    with pytest.raises(TranscriptError):
        import_file(store, damaged(tmp_path / "cut.json", grown, *many), batch_chars=100)
    assert everything(store) == before


def test_an_undone_import_takes_out_a_new_conversation_longer_than_sqlite_s_trigger_depth(
    store: Store, tmp_path: Path
) -> None:
    before = everything(store)
    long = chat("Long", *(f"Turn {n}" for n in range(1_100)))
    many = [chat(f"Chat {n}", f"Question {n}", "Answer " * 50) for n in range(30)]
    with pytest.raises(TranscriptError):
        import_file(store, damaged(tmp_path / "cut.json", long, *many), batch_chars=100)
    assert everything(store) == before
