"""Upgrades never lose a conversation: named migrations, a backup first, a failed step undone,
a newer Parley's database refused untouched."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from chat.conversation import Conversation, MessageState, ReplyError
from chat.store import Store, StoreError, StoreProblem, rows
from chat.store.database import connect
from chat.store.functions import HAS_CJK_FUNCTION
from chat.store.migrations import MIGRATIONS, Migration
from chat.store.schema import migrate, version
from chat.store.search import search

from .conftest import Contents
from .test_search import integrity_checked

OLDER = range(1, len(MIGRATIONS))
"""Every schema an earlier Parley shipped: the one after the first N migrations."""
BASE = 1_760_000_000.0
DAY = 86_400.0

EXCHANGES = [
    (
        "Как настроить прокси в Parley?",
        "Откройте «Настройки», затем «Сеть», и укажите адрес прокси: http://127.0.0.1:3128.",
    ),
    ("東京の天気はどうですか？", "東京は今日は晴れです。気温は二十度くらいです。"),
    ("用Python写一个快速排序", "```python\ndef quicksort(xs):\n    return sorted(xs)\n```"),
    ("Give me three emoji for a launch", "Sure: 🚀🎉✨ (rocket, party popper, sparkles)."),
    (
        "Why does snake_case_name fail the linter?",
        "Ruff's N802 wants `snake_case_name` for functions; rename `camelCaseName`.",
    ),
    ("한국어로 인사해 줘", "안녕하세요! 만나서 반갑습니다."),
    ("What does `git rebase -i HEAD~3` do?", "It opens an editor listing the last 3 commits."),
    (
        "My prompt shows \ue0a0 main as a box, why?",  # private use: CJK's GLOB takes it
        "Your font has no Powerline glyphs: install a Nerd Font and pick it in the terminal.",
    ),
    (
        "grep says the log is binary: ERROR\x00大阪 timeout",  # CJK after a NUL: GLOB stops
        "A NUL byte makes grep treat the file as binary; `grep -a` reads it as text.",
    ),
]


def _conversation(number: int) -> Conversation:
    """One conversation as people leave them: edits, regenerations, failures, usage, titles."""
    start = BASE + number * DAY
    question, answer = EXCHANGES[number % len(EXCHANGES)]
    conversation = Conversation(
        created=start,
        system_prompt="Answer briefly." if number % 2 else "",
        pinned=number % 7 == 0,
        provider="Ollama" if number % 3 else "OpenAI",
        model="llama3.1:8b" if number % 3 else "gpt-4o-mini",
        options={"temperature": 0.3 + number / 100} if number % 4 == 0 else {},
    )
    first = conversation.add("user", f"{question} (#{number})", created=start + 1)
    conversation.add(
        "assistant",
        answer,
        created=start + 2,
        provider=conversation.provider,
        model=conversation.model,
        reasoning="Let me think about it step by step." if number % 5 == 0 else "",
        signature="c2lnbmF0dXJl" if number % 5 == 0 else "",
        finish_reason="stop",
        usage={"prompt_tokens": 12 + number, "completion_tokens": 40, "reasoning_tokens": None},
        first_token_s=0.25,
        duration_s=1.5 + number / 10,
    )
    if number % 3 == 0:  # asked for another reply: a sibling of the first
        conversation.add(
            "assistant",
            f"Another take on it, number {number}.",
            parent_id=first.id,
            created=start + 3,
            state=MessageState.CANCELLED,
        )
    if number % 4 == 0:  # the question edited: a new branch
        question = f"{question} Please be detailed."  # as Conversation.edit adds it
        conversation.add("user", question, parent_id=first.parent_id, created=start + 4)
        conversation.add("assistant", f"In detail: {answer}", created=start + 5)
    if number % 6 == 0:
        conversation.add("user", "And one more thing?", created=start + 6)
        conversation.add(
            "assistant",
            "Half an ans",
            created=start + 7,
            state=MessageState.FAILED,
            error=ReplyError(
                "rate_limit",
                "The service is busy: wait 30 seconds, then try again.",
                provider=conversation.provider,
                status=429,
                retry_after=30.0,
            ),
        )
    if number % 8 == 0:
        conversation.add("user", "Are you still there?", created=start + 8)
        conversation.add("assistant", "Yes, I", created=start + 9, state=MessageState.INTERRUPTED)
    if number % 5 == 0:
        conversation.rename(f"Renamed notes {number} — заметки")
    if number % 4 == 0:
        conversation.switch_to(first)  # the first branch stays the one shown
    return conversation


CONVERSATIONS = [_conversation(number) for number in range(40)]
DELETED = CONVERSATIONS[-1]


def _older_database(path: Path, schema_version: int) -> None:
    """The database an earlier Parley left: its schema, its rows (one conversation deleted)."""
    with closing(connect(path)) as db:
        db.execute("PRAGMA journal_mode = WAL")
        migrate(db, path, MIGRATIONS[:schema_version])
        db.execute("BEGIN")
        for conversation in CONVERSATIONS:
            _insert(
                db, "conversations", rows.CONVERSATION_COLUMNS, rows.conversation_row(conversation)
            )
            for message in conversation.all_messages():
                row = rows.message_row(conversation.id, message, "")
                _insert(db, "messages", rows.MESSAGE_COLUMNS, row)
        db.execute("UPDATE conversations SET deleted = ? WHERE id = ?", (BASE, DELETED.id))
        db.execute("COMMIT")


def _insert(db: sqlite3.Connection, table: str, columns: str, row: tuple[Any, ...]) -> None:
    """Write ``row`` into the columns ``table`` had then (later migrations added the rest)."""
    had = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
    kept = [(c, v) for c, v in zip(columns.split(", "), row, strict=True) if c in had]
    names = ", ".join(c for c, _ in kept)
    db.execute(
        f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(kept))})", [v for _, v in kept]
    )


def _shape(conversation: Conversation | None) -> tuple[Any, ...] | None:
    if conversation is None:
        return None
    c = conversation
    details = (c.id, c.title, c.title_set, c.created, c.updated, c.pinned, c.system_prompt)
    more = (c.provider, c.model, c.options, c.leaf_id, c.messages)
    return (*details, *more, c.all_messages())


def _same_tables(before: Contents, after: Contents) -> None:
    """Every row of every table ``before`` had is still there; the migrations table only grew."""
    for table, found in before.items():
        if table in ("schema", "user_version", "migrations"):
            continue
        kept = [row[: len(was)] for row, was in zip(after[table], found, strict=False)]
        assert (kept, len(after[table])) == (found, len(found)), table  # new columns may follow
    assert after["migrations"][: len(before.get("migrations", []))] == before.get("migrations", [])


def test_a_new_database_records_every_migration_in_order(store: Store) -> None:
    def recorded(db: sqlite3.Connection) -> tuple[list[str], int]:
        names = [r[0] for r in db.execute("SELECT name FROM migrations ORDER BY rowid")]
        return names, version(db)

    names, user_version = store.read_now(recorded)
    assert names == [name for name, _ in MIGRATIONS]
    assert user_version == len(MIGRATIONS)


def test_a_new_database_makes_no_backup(store: Store) -> None:
    assert sorted(p.name for p in store.path.parent.iterdir()) == [
        "parley.db", "parley.db-shm", "parley.db-wal", "parley.db.owners"
    ]  # fmt: skip


def test_migrating_an_empty_database_builds_the_whole_schema(tmp_path: Path) -> None:
    with closing(connect(tmp_path / "new.db")) as db:
        assert migrate(db, None) is None
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"conversations", "messages", "partials", "migrations", "message_fts"} <= tables
        assert version(db) == len(MIGRATIONS)
        assert migrate(db, None) is None  # a second run has nothing to do


def test_reopening_an_up_to_date_database_changes_and_copies_nothing(
    db_path: Path, contents: Callable[[Path], Contents]
) -> None:
    Store.open().close()
    before = contents(db_path)
    Store.open().close()
    assert contents(db_path) == before
    assert not list(db_path.parent.glob("*.backup*"))


@pytest.mark.parametrize("schema_version", OLDER, ids=lambda v: f"v{v}")
def test_an_older_database_is_backed_up_before_it_is_upgraded(
    db_path: Path, contents: Callable[[Path], Contents], schema_version: int
) -> None:
    db_path.parent.mkdir(parents=True)
    _older_database(db_path, schema_version)
    before = contents(db_path)
    with closing(Store.open()) as store:
        assert store.path == db_path
    backup = db_path.with_name(f"parley.db.v{schema_version}.backup")
    assert contents(backup) == before  # a whole copy, its schema and version too
    assert contents(db_path)["user_version"] == len(MIGRATIONS)


@pytest.mark.parametrize("schema_version", OLDER, ids=lambda v: f"v{v}")
def test_upgrading_keeps_every_row_of_every_table(
    db_path: Path, contents: Callable[[Path], Contents], schema_version: int
) -> None:
    db_path.parent.mkdir(parents=True)
    _older_database(db_path, schema_version)
    before = contents(db_path)
    Store.open().close()
    after = contents(db_path)
    _same_tables(before, after)
    assert [r[0] for r in after["migrations"]] == [name for name, _ in MIGRATIONS]
    assert after["user_version"] == len(MIGRATIONS)


@pytest.mark.parametrize("schema_version", OLDER, ids=lambda v: f"v{v}")
def test_old_conversations_read_back_the_same_after_the_upgrade(
    db_path: Path, schema_version: int
) -> None:
    db_path.parent.mkdir(parents=True)
    _older_database(db_path, schema_version)
    before = {c.id: None if c is DELETED else _shape(c) for c in CONVERSATIONS}
    with closing(Store.open()) as store:
        after = {c.id: _shape(store.read_now(rows.load_conversation, c.id)) for c in CONVERSATIONS}
        listed = [s.id for s in store.read_now(rows.list_conversations)]
    assert after == before
    assert len(listed) == len(CONVERSATIONS) - 1


def _found(store: Store, query: str) -> set[str]:
    return {hit.conversation_id for hit in store.read_now(search, query)}


def _holding(text: str) -> set[str]:
    return {
        c.id
        for c in CONVERSATIONS
        if c is not DELETED and any(text in m.content for m in c.all_messages())
    }


@pytest.mark.parametrize("schema_version", OLDER, ids=lambda v: f"v{v}")
@pytest.mark.parametrize(
    "query",
    ["прокси", "東京の天気", "天気", "天", "인사", "snake_case_name", "quicksort", "반갑습니다"],
)
def test_search_finds_old_messages_after_the_upgrade(
    db_path: Path, schema_version: int, query: str
) -> None:
    db_path.parent.mkdir(parents=True)
    _older_database(db_path, schema_version)
    with closing(Store.open()) as store:
        assert _found(store, query) == _holding(query) != set()


@pytest.mark.parametrize("schema_version", OLDER, ids=lambda v: f"v{v}")
def test_search_finds_an_old_renamed_title_after_the_upgrade(
    db_path: Path, schema_version: int
) -> None:
    db_path.parent.mkdir(parents=True)
    _older_database(db_path, schema_version)
    with closing(Store.open()) as store:
        assert _found(store, "заметки") == {
            c.id for c in CONVERSATIONS if c.title_set and c is not DELETED
        }


def _rows(db: sqlite3.Connection, sql: str, *args: str) -> list[int]:
    return [row[0] for row in db.execute(sql, args)]


@pytest.mark.parametrize("schema_version", OLDER, ids=lambda v: f"v{v}")
def test_the_index_of_one_and_two_cjk_characters_holds_every_old_text_after_the_upgrade(
    db_path: Path, schema_version: int
) -> None:
    db_path.parent.mkdir(parents=True)
    _older_database(db_path, schema_version)
    grams = ("東", "東京", "排序", "안", "녕", "晴れ")

    def indexed(db: sqlite3.Connection) -> list[tuple[list[int], list[int]]]:
        for index in ("cjk_gram_fts", "title_gram_fts"):  # each holds exactly what its view says
            db.execute(f"INSERT INTO {index} ({index}, rank) VALUES ('integrity-check', 1)")
        listed = "SELECT rowid FROM {0} WHERE {0} MATCH ? ORDER BY 1"
        return [
            (
                _rows(db, listed.format("cjk_gram_fts"), f'"{gram}"'),
                _rows(db, listed.format("title_gram_fts"), f'"{gram}"'),
            )
            for gram in grams
        ]

    with closing(Store.open()) as store:
        found = store.read_now(indexed)
    holding = "SELECT num FROM {} WHERE instr({}, ?) ORDER BY 1"
    with closing(sqlite3.connect(db_path)) as db:
        for gram, (messages, titles) in zip(grams, found, strict=True):
            assert messages == _rows(db, holding.format("messages", "content"), gram) != []
            assert titles == _rows(db, holding.format("conversations", "title"), gram)
    assert found[grams.index("東京")][1] != []  # titles too


SHADOW = ("_data", "_idx", "_docsize", "_config", "_content")
"""The endings of the tables an FTS5 index keeps itself in."""
CJK_BY_FUNCTION = [name for name, _ in MIGRATIONS].index("0005_cjk_by_function")


def test_the_upgrade_to_the_cjk_function_reindexes_nothing(
    db_path: Path, contents: Callable[[Path], Contents]
) -> None:
    db_path.parent.mkdir(parents=True)
    _older_database(db_path, CJK_BY_FUNCTION)
    before = contents(db_path)
    with closing(connect(db_path)) as db:
        migrate(db, db_path, MIGRATIONS[: CJK_BY_FUNCTION + 1])
    after = contents(db_path)
    shadow = [table for table in before if table.endswith(SHADOW)]
    assert len(shadow) == 6 * 3 + 4  # each index's data, idx, config; 4 keep their sizes
    assert {table: after[table] for table in shadow} == {table: before[table] for table in shadow}
    written = {n: sql for kind, n, _, sql in after["schema"] if kind in ("index", "trigger")}
    assert {"messages_with_cjk", "conversations_with_cjk"}.isdisjoint(written)
    for name, sql in written.items():  # a delete keeps the GLOB (no function needed)
        assert "GLOB" not in str(sql) or " DELETE ON " in sql, name
    assert sum(HAS_CJK_FUNCTION in str(sql) for sql in written.values()) == 8  # 4 indexes, 2 each


TEXTS = ("plain words", "東京タワーは高い", "prompt \ue0a0 main", "log\x00大阪", "안녕 친구", "")
"""What old messages are rewritten to: every kind of text the indexes of CJK tell apart."""


def _rewritten(db: sqlite3.Connection) -> None:
    """Old rows, indexed by the triggers of the migrations before, deleted as they are, or
    rewritten to another kind of text (titles too); then more, new and old, deleted."""
    db.execute("DELETE FROM conversations WHERE num % 5 = 0")
    for (num,) in db.execute("SELECT num FROM messages ORDER BY num").fetchall():
        text = f"{TEXTS[num % len(TEXTS)]} {num}"
        db.execute("UPDATE messages SET content = ? WHERE num = ?", (text, num))
    db.execute("UPDATE messages SET reasoning = 'Thought again.' WHERE num % 3 = 0")
    db.execute(
        "UPDATE conversations SET title = CASE num % 3 WHEN 0 THEN '東京の旅' WHEN 1 THEN"
        " 'Plain' ELSE 'Prompt \ue0a0' END"
    )
    for number in range(100, 110):  # new ones, as an import adds them
        conversation = _conversation(number)
        rows.save_conversation(db, rows.conversation_row(conversation))
        for message in conversation.all_messages():
            rows.save_message(db, rows.message_row(conversation.id, message, ""))
    db.execute("DELETE FROM messages WHERE num % 4 = 0")
    db.execute("DELETE FROM conversations WHERE num % 7 = 0")


@pytest.mark.parametrize("schema_version", OLDER, ids=lambda v: f"v{v}")
def test_every_index_stays_whole_through_the_upgrade_and_the_writes_after_it(
    db_path: Path, schema_version: int
) -> None:
    db_path.parent.mkdir(parents=True)
    _older_database(db_path, schema_version)
    with closing(Store.open()) as store:
        store.submit(integrity_checked).result()
        store.submit(_rewritten).result()
        store.submit(integrity_checked).result()
        for text in ("東京タワー", "タワ", "안녕", "plain", "晴れ"):
            holding = store.read_now(
                lambda db, text=text: {
                    row[0]
                    for row in db.execute(
                        "SELECT conversation_id FROM messages JOIN conversations AS c ON"
                        " c.id = conversation_id WHERE instr(lower(content), ?) AND deleted"
                        " IS NULL",
                        (text,),
                    )
                }
            )
            assert _found(store, text) >= holding != set(), text  # titles may match too


# A migration that fails.


def _broken(db: sqlite3.Connection) -> None:
    """A step that changes things, then fails as SQLite does."""
    db.execute("ALTER TABLE messages ADD COLUMN rating INTEGER")
    db.execute("UPDATE messages SET content = 'lost'")
    db.execute("DROP TABLE partials")
    db.execute("INSERT INTO no_such_table VALUES (1)")


def _buggy(db: sqlite3.Connection) -> None:
    """A step with a bug of Python's kind, after a change."""
    db.execute("UPDATE conversations SET title = 'lost'")
    raise KeyError("usage")


def _upgrade_with(path: Path, steps: tuple[Migration, ...]) -> StoreError:
    with closing(connect(path)) as db, pytest.raises(StoreError) as raised:
        migrate(db, path, steps)
    return raised.value


def _current_database(path: Path) -> None:
    """A database of today's schema, holding the conversations."""
    path.parent.mkdir(parents=True)
    _older_database(path, len(MIGRATIONS))


@pytest.mark.parametrize("step", [_broken, _buggy], ids=["sqlite-error", "python-error"])
def test_a_failed_migration_leaves_the_database_as_it_was_and_says_so(
    db_path: Path, contents: Callable[[Path], Contents], step: Callable[..., None]
) -> None:
    _current_database(db_path)
    before = contents(db_path)
    error = _upgrade_with(db_path, (*MIGRATIONS, ("0099_ratings", step)))
    assert error.problem is StoreProblem.UPGRADE_FAILED
    assert "could not upgrade" in str(error)
    assert "0099_ratings" in str(error)
    assert "left it as it was" in str(error)
    assert f"a copy from before is at {db_path}.v{len(MIGRATIONS)}.backup" in str(error)
    assert contents(db_path) == before


@pytest.mark.parametrize("schema_version", OLDER, ids=lambda v: f"v{v}")
def test_a_failed_later_step_undoes_the_earlier_steps_of_the_same_upgrade(
    db_path: Path, contents: Callable[[Path], Contents], schema_version: int
) -> None:
    db_path.parent.mkdir(parents=True)
    _older_database(db_path, schema_version)
    before = contents(db_path)
    error = _upgrade_with(db_path, (*MIGRATIONS, ("0099_ratings", _broken)))
    assert error.problem is StoreProblem.UPGRADE_FAILED
    assert contents(db_path) == before  # not left half upgraded


def test_a_second_upgrade_attempt_keeps_the_first_backup(db_path: Path) -> None:
    _current_database(db_path)
    steps = (*MIGRATIONS, ("0099_ratings", _broken))
    _upgrade_with(db_path, steps)
    first = db_path.with_name(f"parley.db.v{len(MIGRATIONS)}.backup")
    kept = first.read_bytes()
    error = _upgrade_with(db_path, steps)
    assert f"{first}-2" in str(error)
    assert first.read_bytes() == kept


def test_an_upgrade_while_another_parley_writes_says_locked_not_failed(
    db_path: Path, contents: Callable[[Path], Contents]
) -> None:
    db_path.parent.mkdir(parents=True)
    _older_database(db_path, OLDER[-1])
    before = contents(db_path)
    with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError) as raised:
            Store.open(busy_timeout=0.2)
        other.execute("ROLLBACK")
    assert raised.value.problem is StoreProblem.LOCKED
    assert "close that program, then try again" in str(raised.value)
    assert contents(db_path) == before
    Store.open().close()  # once the other lets go, the upgrade goes through
    assert contents(db_path)["user_version"] == len(MIGRATIONS)


# A newer Parley's database.


def _newer(path: Path, change: str, journal: str) -> bytes:
    """A database a newer Parley left (``change`` made it so), in ``journal`` mode; its bytes."""
    _current_database(path)
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute(f"PRAGMA journal_mode = {journal}")
        if change == "version":
            db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
        else:
            db.execute(
                "UPDATE migrations SET name = '0002_search_by_meaning' WHERE rowid = "
                "(SELECT max(rowid) FROM migrations)"
            )
    return path.read_bytes()


@pytest.mark.parametrize("journal", ["WAL", "DELETE"])
@pytest.mark.parametrize("change", ["version", "unknown-migration"])
def test_a_database_from_a_newer_parley_is_refused_and_left_byte_for_byte(
    db_path: Path, change: str, journal: str
) -> None:
    kept = _newer(db_path, change, journal)
    files = sorted(p.name for p in db_path.parent.iterdir())
    with pytest.raises(StoreError) as raised:
        Store.open()
    assert raised.value.problem is StoreProblem.NEWER
    assert "was written by a newer Parley" in str(raised.value)
    assert "update Parley to open it" in str(raised.value)
    assert "It has not been changed." in str(raised.value)
    assert db_path.read_bytes() == kept
    assert sorted(p.name for p in db_path.parent.iterdir()) == files  # no backup, no log
