"""Which texts go into the indexes of CJK text: ``has_cjk`` (migration 0005) takes exactly the
texts that the GLOB of the earlier migrations took, or a row would leave an FTS5 index on
another condition than it went in on; a text written again as it was is not indexed again; and
another program still reads the file without Parley's functions."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from chat.store import Store
from chat.store.database import connect
from chat.store.functions import CJK, has_cjk
from chat.store.search import search
from tests.support.fuzz import only_raises

from .test_cjk_grams import EDGES, OUTSIDE, TEXT, WIDER
from .test_search import chat, integrity_checked, saved

ANY = TEXT | st.text(max_size=40) | st.binary(max_size=12) | st.floats()
"""What a column may hold (integers apart: SQLite's are 64-bit)."""
ASTRAL = "".join(map(chr, range(0x10000, 0x110000)))
"""Every character beyond the BMP (CJK extension B among them: not in the class)."""


def glob(db: sqlite3.Connection, value: object) -> int:
    """What ``value GLOB CJK`` gives, NULL (false to a WHEN) read as 0."""
    return int(db.execute("SELECT ? GLOB ?", (value, CJK)).fetchone()[0] or 0)


def test_every_character_of_the_bmp_is_taken_by_both_or_by_neither() -> None:
    with closing(connect(Path(":memory:"))) as db:
        found = db.execute(
            "WITH RECURSIVE n (c) AS (SELECT 1 UNION ALL SELECT c + 1 FROM n WHERE c < 65535)"
            " SELECT sum(char(c) GLOB ?), sum((char(c) GLOB ?) IS NOT parley_has_cjk(char(c)))"
            " FROM n WHERE c NOT BETWEEN 55296 AND 57343",  # no surrogate is text
            (CJK, CJK),
        ).fetchone()
    taken = sum(1 for c in range(0x10000) if WIDER.match(chr(c)) and not 0xD800 <= c < 0xE000)
    assert found == (taken, 0)


def test_no_character_beyond_the_bmp_is_taken() -> None:
    with closing(sqlite3.connect(":memory:")) as db:
        assert glob(db, ASTRAL) == has_cjk(ASTRAL) == 0  # neither takes a text of them all


def test_the_quirk_of_the_wide_range_is_kept() -> None:
    for ch in "\ua000\ue0a0\uf8ff\uabff\ud7b0\u8c48":  # Yi, private use, Jamo: beyond CJK_CHARS
        assert has_cjk(f"prompt {ch} main") == 1, hex(ord(ch))
    assert has_cjk(EDGES) == 1
    assert [has_cjk(ch) for ch in OUTSIDE] == [int(bool(WIDER.match(ch))) for ch in OUTSIDE]


@pytest.mark.parametrize(
    ("value", "taken"),
    [
        ("世\x00", 1),
        ("a\x00世", 0),  # GLOB reads no further than a NUL
        ("Привет, мир", 0),
        ("", 0),
        (None, 0),
        (3, 0),
        (1.5, 0),
    ],
)
def test_what_glob_does_with_nul_numbers_and_null_has_cjk_does(value: object, taken: int) -> None:
    with closing(connect(Path(":memory:"))) as db:
        assert glob(db, value) == has_cjk(value) == taken
        assert db.execute("SELECT parley_has_cjk(?)", (value,)).fetchone() == (taken,)


@pytest.mark.parametrize("blob", ["世".encode(), b"\xe4\xb8", b"a\x00\xe4\xb8\x96", b"a"])
def test_a_blob_is_taken_as_this_sqlite_s_glob_takes_it(blob: bytes) -> None:
    # Debian's SQLite matches no blob (it is built with LIKE_DOESNT_MATCH_BLOBS); others may
    with closing(connect(Path(":memory:"))) as db:
        assert glob(db, blob) == has_cjk(blob)
        assert db.execute("SELECT parley_has_cjk(?)", (blob,)).fetchone() == (glob(db, blob),)


@pytest.mark.fuzz
@given(ANY | st.integers(-(2**63), 2**63 - 1))
@example("\x00世界")
@example("a" * 300_000 + "\u4e00")
@example("ж" * 300_000 + "\ue0a0")
def test_has_cjk_gives_what_the_glob_gives(value: object) -> None:
    taken = only_raises(lambda: has_cjk(value))
    with closing(sqlite3.connect(":memory:")) as db:
        assert taken == glob(db, value)


def test_another_program_reads_everything_without_parley_s_functions(store: Store) -> None:
    english = chat("Plain", "hello", "world")
    chinese = chat("东京旅行", "你好", "東京タワーは高い")
    wide = chat("Prompt", "my prompt shows \ue0a0 main", "install a Nerd Font")
    saved(store, english, chinese, wide)
    with closing(sqlite3.connect(store.path, isolation_level=None)) as tool:
        assert tool.execute("PRAGMA integrity_check").fetchall() == [("ok",)]  # indexes too
        assert len(tool.execute("SELECT * FROM messages").fetchall()) == 6
        assert len(tool.execute("SELECT * FROM conversations").fetchall()) == 3
        assert tool.execute("SELECT count(*) FROM messages WHERE content LIKE '%東京%'").fetchone()
        cjk = tool.execute("SELECT text FROM message_cjk ORDER BY num").fetchall()
        assert cjk == [("你好",), ("東京タワーは高い",), ("my prompt shows \ue0a0 main",)]
        assert tool.execute("SELECT title FROM title_cjk").fetchall() == [("东京旅行",)]
        (hit,) = search(tool, "東京タワー")  # the trigram index, its snippet through its view
        assert hit.message_id == chinese.messages[1].id
        assert [h.conversation_id for h in search(tool, "东京")] == [chinese.id]
        assert [h.message_id for h in search(tool, "world")] == [english.messages[1].id]
        tool.execute("DELETE FROM conversations WHERE id = ?", (english.id,))  # no CJK: allowed
        with pytest.raises(sqlite3.OperationalError, match="no such function: parley_"):
            tool.execute("INSERT INTO conversations (id, created, updated) VALUES ('x', 1, 1)")
    store.submit(integrity_checked).result()


def _fts_data(db: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    """What every FTS5 index holds, as its own table keeps it."""
    tables = db.execute("SELECT name FROM sqlite_master WHERE name LIKE '%fts_data'").fetchall()
    return {name: db.execute(f"SELECT * FROM {name}").fetchall() for (name,) in tables}


def test_a_conversation_saved_again_as_it_was_is_not_indexed_again(store: Store) -> None:
    conversation = chat("東京の旅", "你好世界", "a plain reply")
    saved(store, conversation)
    before = store.read_now(_fts_data)
    assert len(before) == 6
    saved(store, conversation)  # its title and every message written again, unchanged
    assert store.read_now(_fts_data) == before
    conversation.messages[1].reasoning = "Thought about it."
    saved(store, conversation)
    assert store.read_now(_fts_data)["message_fts_data"] != before["message_fts_data"]
    store.submit(integrity_checked).result()
