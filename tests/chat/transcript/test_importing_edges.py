"""Undoing an import at its edges: more new conversations than one delete takes."""

from __future__ import annotations

import io
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from chat.conversation import Conversation
from chat.store import Store
from chat.transcript.errors import TranscriptError
from chat.transcript.importing import import_file
from chat.transcript.parley_json import dump


def _chat(title: str, turns: int) -> Conversation:
    conversation = Conversation(title=title, created=1.0)
    for n in range(turns):
        conversation.add("user" if n % 2 == 0 else "assistant", f"Turn {n}", created=2.0 + n)
    return conversation


def _counts(store: Store) -> tuple[int, int]:
    with closing(sqlite3.connect(store.path)) as db:
        (conversations,) = db.execute("SELECT count(*) FROM conversations").fetchone()
        (messages,) = db.execute("SELECT count(*) FROM messages").fetchone()
    return conversations, messages


def test_an_undone_import_of_over_a_thousand_new_conversations_takes_out_their_long_threads(
    store: Store, tmp_path: Path
) -> None:
    # The 1,001st conversation is longer than SQLite's trigger depth: its messages must be
    # taken out one by one, newest first, like those of the first thousand.
    conversations = [_chat(f"Chat {n}", 1) for n in range(1_000)]
    conversations += [_chat("Long", 1_100), _chat("Cut", 1)]
    text = io.StringIO()
    dump(conversations, text)
    path = tmp_path / "cut.json"
    path.write_text(text.getvalue()[:-150])  # cut in the middle of the last one
    with pytest.raises(TranscriptError):
        import_file(store, path, batch_chars=100)
    assert _counts(store) == (0, 0)
