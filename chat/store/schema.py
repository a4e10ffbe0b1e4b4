"""The database's schema, built and upgraded by named migrations recorded in a table.

A migration is a function that gets the connection inside a transaction. Each runs once, in
order; ``migrations`` lists the ones applied, and ``PRAGMA user_version`` holds how many. A
database with more migrations than this Parley knows was written by a newer Parley and is
refused, never "repaired". Before a database with conversations in it is upgraded, it is
copied next to itself with SQLite's online backup API (``parley.db.v1.backup``, named after
its version); an upgrade that fails is rolled back and leaves the original as it was.

The triggers that fill the indexes of CJK text call functions of Parley's own
(``add_functions``; ``database.connect`` adds them to every connection): ``parley_cjk_grams``
(migration 0004) and ``parley_has_cjk`` (0005). Another program (the ``sqlite3`` shell, a backup
tool) reads the file as it is, and deletes rows without CJK text; to add or change messages or
titles, or to delete ones with CJK text, it needs the functions too, or SQLite says "no such
function".
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from .errors import StoreError, StoreProblem, explained

CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\uac00-\ud7af"
"""Kana, CJK ideographs, halfwidth katakana and Hangul syllables, as the inside of a character
class (the same in a GLOB pattern and a regular expression): scripts written without spaces,
found as substrings rather than words. None of them has a case."""
CJK = "*[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\u8c48-\ufaff\uff66-\uff9f\uac00-\ud7af]*"
"""A GLOB pattern for text that may hold CJK: the views and delete triggers of the migrations
have it, and ``has_cjk`` takes what it takes, so it must never change. It was meant to be
``*[CJK_CHARS]*``, but one range starts at U+8C48 (豈, the ideograph, not U+F900, its
compatibility form), so it also takes Yi, Hangul Jamo, Latin Extended-D and the private use
area: such text is in the trigram index too, and in the gram index with no gram, which does no
harm. It takes every text with a ``CJK_CHARS`` character (up to a NUL: GLOB reads no further)."""
CJK_RUN = re.compile(f"[{CJK_CHARS}]+")
GRAMS_FUNCTION = "parley_cjk_grams"
HAS_CJK_FUNCTION = "parley_has_cjk"
_GLOBBED = re.compile(CJK.strip("*"))
"""The character class of ``CJK``, the very same, as a regular expression."""


def cjk_grams(text: object) -> str:
    """Each CJK character of ``text``, then each pair of neighbouring ones, once each and
    space-separated: the words the ``ascii`` tokenizer makes of them are exactly these (it
    splits only at ASCII spaces and punctuation). "" for text without CJK, or not text.

    A row leaves a gram index with the grams this gives for its text then: what it gives must
    not change without a migration that rebuilds the gram indexes (``'rebuild'``).
    """
    if not isinstance(text, str):
        return ""
    runs = CJK_RUN.findall(text)
    if not runs:
        return ""
    grams = dict.fromkeys("".join(runs))
    grams.update(dict.fromkeys(run[at : at + 2] for run in runs for at in range(len(run) - 1)))
    return " ".join(grams)


def has_cjk(text: object) -> int:
    """1 where ``text GLOB CJK`` is true, else 0 (for NULL too): the same characters, up to a
    NUL as GLOB reads. GLOB tries its class at every position of a text (54 µs for 850
    characters of English); this takes a few µs. A row leaves an index of CJK text on the
    condition it went in on, so what this gives must never differ from the GLOB."""
    if isinstance(text, str):
        if text.isascii():
            return 0
        found = _GLOBBED.search(text)
        return int(found is not None and text.find("\0", 0, found.start()) < 0)
    if isinstance(text, bytes):  # a blob (Parley writes none): as this SQLite's GLOB takes it
        with contextlib.closing(sqlite3.connect(":memory:")) as db:
            return int(db.execute("SELECT ? GLOB ?", (text, CJK)).fetchone()[0])
    return 0  # a number's digits, or NULL


def add_functions(db: sqlite3.Connection) -> None:
    """Give ``db`` the SQL functions the schema's triggers call (deterministic: an index is
    taken out with what the same text gave when it went in)."""
    db.create_function(GRAMS_FUNCTION, 1, cjk_grams, deterministic=True)
    db.create_function(HAS_CJK_FUNCTION, 1, has_cjk, deterministic=True)


def _conversations(db: sqlite3.Connection) -> None:
    _script(
        db,
        """
        CREATE TABLE conversations (
            num INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL DEFAULT '',
            title_set INTEGER NOT NULL DEFAULT 0,
            created REAL NOT NULL,
            updated REAL NOT NULL,
            pinned INTEGER NOT NULL DEFAULT 0,
            system_prompt TEXT NOT NULL DEFAULT '',
            provider TEXT,
            model TEXT,
            options TEXT NOT NULL DEFAULT '{}',
            leaf_id TEXT,
            deleted REAL
        );
        CREATE INDEX conversations_by_activity ON conversations (pinned DESC, updated DESC);
        CREATE TABLE messages (
            num INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            parent_id TEXT REFERENCES messages (id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            content TEXT NOT NULL DEFAULT '',
            reasoning TEXT NOT NULL DEFAULT '',
            signature TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL,
            provider TEXT,
            model TEXT,
            finish_reason TEXT,
            usage TEXT NOT NULL DEFAULT '{}',
            error TEXT,
            note TEXT NOT NULL DEFAULT '',
            created REAL NOT NULL,
            first_token_s REAL,
            duration_s REAL,
            owner TEXT
        );
        CREATE INDEX messages_of_conversation ON messages (conversation_id, num);
        CREATE INDEX messages_by_parent ON messages (parent_id);
        CREATE INDEX messages_streaming ON messages (state) WHERE state IN ('pending', 'streaming');
        CREATE TABLE partials (
            num INTEGER PRIMARY KEY,
            message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
            reasoning INTEGER NOT NULL,
            text TEXT NOT NULL
        );
        CREATE INDEX partials_of_message ON partials (message_id, num);
        """,
    )


def _search(db: sqlite3.Connection) -> None:
    # External-content indexes keyed on `num`, an INTEGER PRIMARY KEY we own: VACUUM keeps it
    # (it may renumber only an implicit rowid), so the index never points at the wrong row.
    _script(
        db,
        f"""
        CREATE VIEW message_text AS SELECT num,
            CASE WHEN role = 'user' THEN content ELSE '' END AS question,
            CASE WHEN role = 'user' THEN '' ELSE content END AS answer,
            reasoning
            FROM messages;
        CREATE VIRTUAL TABLE message_fts USING fts5 (
            question, answer, reasoning,
            content = 'message_text', content_rowid = 'num',
            tokenize = 'unicode61 remove_diacritics 2'
        );
        CREATE VIRTUAL TABLE title_fts USING fts5 (
            title, content = 'conversations', content_rowid = 'num',
            tokenize = 'unicode61 remove_diacritics 2'
        );
        CREATE VIEW message_cjk AS SELECT num, content AS text FROM messages
            WHERE content GLOB '{CJK}';
        CREATE INDEX messages_with_cjk ON messages (num) WHERE content GLOB '{CJK}';
        CREATE VIRTUAL TABLE cjk_fts USING fts5 (
            text, content = 'message_cjk', content_rowid = 'num', tokenize = 'trigram'
        );

        CREATE TRIGGER messages_indexed AFTER INSERT ON messages BEGIN
            INSERT INTO message_fts (rowid, question, answer, reasoning) SELECT
                new.num, CASE WHEN new.role = 'user' THEN new.content ELSE '' END,
                CASE WHEN new.role = 'user' THEN '' ELSE new.content END, new.reasoning;
            INSERT INTO cjk_fts (rowid, text) SELECT new.num, new.content
                WHERE new.content GLOB '{CJK}';
        END;
        CREATE TRIGGER messages_unindexed AFTER DELETE ON messages BEGIN
            INSERT INTO message_fts (message_fts, rowid, question, answer, reasoning) SELECT
                'delete', old.num, CASE WHEN old.role = 'user' THEN old.content ELSE '' END,
                CASE WHEN old.role = 'user' THEN '' ELSE old.content END, old.reasoning;
            INSERT INTO cjk_fts (cjk_fts, rowid, text) SELECT 'delete', old.num, old.content
                WHERE old.content GLOB '{CJK}';
        END;
        CREATE TRIGGER messages_reindexed AFTER UPDATE OF content, reasoning, role ON messages
        BEGIN
            INSERT INTO message_fts (message_fts, rowid, question, answer, reasoning) SELECT
                'delete', old.num, CASE WHEN old.role = 'user' THEN old.content ELSE '' END,
                CASE WHEN old.role = 'user' THEN '' ELSE old.content END, old.reasoning;
            INSERT INTO cjk_fts (cjk_fts, rowid, text) SELECT 'delete', old.num, old.content
                WHERE old.content GLOB '{CJK}';
            INSERT INTO message_fts (rowid, question, answer, reasoning) SELECT
                new.num, CASE WHEN new.role = 'user' THEN new.content ELSE '' END,
                CASE WHEN new.role = 'user' THEN '' ELSE new.content END, new.reasoning;
            INSERT INTO cjk_fts (rowid, text) SELECT new.num, new.content
                WHERE new.content GLOB '{CJK}';
        END;
        CREATE TRIGGER titles_indexed AFTER INSERT ON conversations BEGIN
            INSERT INTO title_fts (rowid, title) VALUES (new.num, new.title);
        END;
        CREATE TRIGGER titles_unindexed AFTER DELETE ON conversations BEGIN
            INSERT INTO title_fts (title_fts, rowid, title) VALUES ('delete', old.num, old.title);
        END;
        CREATE TRIGGER titles_reindexed AFTER UPDATE OF title ON conversations BEGIN
            INSERT INTO title_fts (title_fts, rowid, title) VALUES ('delete', old.num, old.title);
            INSERT INTO title_fts (rowid, title) VALUES (new.num, new.title);
        END;

        INSERT INTO message_fts (message_fts) VALUES ('rebuild');
        INSERT INTO title_fts (title_fts) VALUES ('rebuild');
        INSERT INTO cjk_fts (cjk_fts) VALUES ('rebuild');
        """,
    )


def _script(db: sqlite3.Connection, script: str) -> None:
    """Run ``script`` statement by statement, inside the caller's transaction
    (``executescript`` would commit it first)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"an incomplete statement in a migration: {statement.strip()[:60]}")


def _cjk_titles(db: sqlite3.Connection) -> None:
    # Titles in Chinese or Japanese are one "word" to unicode61: a trigram index of their own
    # finds text inside them without reading every title (it kept 1M-message searches slow).
    _script(
        db,
        f"""
        CREATE INDEX conversations_with_cjk ON conversations (num) WHERE title GLOB '{CJK}';
        CREATE VIEW title_cjk AS SELECT num, title FROM conversations WHERE title GLOB '{CJK}';
        CREATE VIRTUAL TABLE title_cjk_fts USING fts5 (
            title, content = 'title_cjk', content_rowid = 'num', tokenize = 'trigram'
        );
        CREATE TRIGGER cjk_titles_indexed AFTER INSERT ON conversations BEGIN
            INSERT INTO title_cjk_fts (rowid, title) SELECT new.num, new.title
                WHERE new.title GLOB '{CJK}';
        END;
        CREATE TRIGGER cjk_titles_unindexed AFTER DELETE ON conversations BEGIN
            INSERT INTO title_cjk_fts (title_cjk_fts, rowid, title)
                SELECT 'delete', old.num, old.title WHERE old.title GLOB '{CJK}';
        END;
        CREATE TRIGGER cjk_titles_reindexed AFTER UPDATE OF title ON conversations BEGIN
            INSERT INTO title_cjk_fts (title_cjk_fts, rowid, title)
                SELECT 'delete', old.num, old.title WHERE old.title GLOB '{CJK}';
            INSERT INTO title_cjk_fts (rowid, title) SELECT new.num, new.title
                WHERE new.title GLOB '{CJK}';
        END;
        INSERT INTO title_cjk_fts (title_cjk_fts) VALUES ('rebuild');
        """,
    )


def _short_cjk(db: sqlite3.Connection) -> None:
    # One and two CJK characters are too short for the trigram index: an index of each text's
    # characters and pairs of them (``cjk_grams``) finds them without reading every text.
    _script(db, _gram_index("messages", "content", "message_cjk_grams", "cjk_gram_fts"))
    _script(db, _gram_index("conversations", "title", "title_cjk_grams", "title_gram_fts"))


def _gram_index(table: str, column: str, view: str, index: str) -> str:
    """The SQL of a gram index of ``table.column``: external content (the view computes the
    grams), keyed on ``num``. ``detail=none`` keeps only which rows hold a gram (a gram is
    looked up alone, never as a phrase), ``columnsize=0`` no lengths (nothing is ranked).
    The rows are those the partial index on ``CJK`` lists (a GLOB of every text is slow;
    migration 0005 drops that index).
    A row leaves the index before it is deleted, its grams read back through the index
    from the view: so deleting a row without CJK text needs no ``parley_cjk_grams``."""
    grams, text = f"{GRAMS_FUNCTION}({column})", f"GLOB '{CJK}'"
    return f"""
        CREATE VIEW {view} AS SELECT num, {grams} AS grams FROM {table} WHERE {column} {text};
        CREATE VIRTUAL TABLE {index} USING fts5 (
            grams, content = '{view}', content_rowid = 'num', tokenize = 'ascii',
            detail = 'none', columnsize = 0
        );
        CREATE TRIGGER {view}_indexed AFTER INSERT ON {table} WHEN new.{column} {text} BEGIN
            INSERT INTO {index} (rowid, grams) VALUES (new.num, {GRAMS_FUNCTION}(new.{column}));
        END;
        CREATE TRIGGER {view}_unindexed BEFORE DELETE ON {table} WHEN old.{column} {text}
        BEGIN
            INSERT INTO {index} ({index}, rowid, grams)
                SELECT 'delete', rowid, grams FROM {index} WHERE rowid = old.num;
        END;
        CREATE TRIGGER {view}_reindexed AFTER UPDATE OF {column} ON {table}
            WHEN old.{column} IS NOT new.{column} BEGIN
            INSERT INTO {index} ({index}, rowid, grams)
                SELECT 'delete', old.num, {GRAMS_FUNCTION}(old.{column}) WHERE old.{column} {text};
            INSERT INTO {index} (rowid, grams)
                SELECT new.num, {GRAMS_FUNCTION}(new.{column}) WHERE new.{column} {text};
        END;
        INSERT INTO {index} ({index}) VALUES ('rebuild');
        """


def _cjk_by_function(db: sqlite3.Connection) -> None:
    # An insert tested its text against CJK four times (54 µs each for 850 characters of
    # English): its inserts and updates now test it with ``has_cjk``, which takes the same
    # texts, so nothing is re-indexed. The delete triggers keep GLOB, so that another
    # program still deletes rows without CJK text without Parley's functions; so do the
    # views (read by rowid, once a hit). The partial indexes on CJK only sped up the views'
    # rebuilds (one now reads every text through its view's GLOB); no query names them. An
    # update re-indexes only a text that changed.
    has = HAS_CJK_FUNCTION
    messages = ("messages", "content", "message_cjk_grams", "cjk_gram_fts")
    titles = ("conversations", "title", "title_cjk_grams", "title_gram_fts")
    _script(
        db,
        f"""
        DROP INDEX messages_with_cjk;
        DROP INDEX conversations_with_cjk;
        DROP TRIGGER messages_indexed;
        DROP TRIGGER messages_reindexed;
        DROP TRIGGER titles_reindexed;
        DROP TRIGGER cjk_titles_indexed;
        DROP TRIGGER cjk_titles_reindexed;
        CREATE TRIGGER messages_indexed AFTER INSERT ON messages BEGIN
            INSERT INTO message_fts (rowid, question, answer, reasoning) SELECT
                new.num, CASE WHEN new.role = 'user' THEN new.content ELSE '' END,
                CASE WHEN new.role = 'user' THEN '' ELSE new.content END, new.reasoning;
            INSERT INTO cjk_fts (rowid, text) SELECT new.num, new.content
                WHERE {has}(new.content);
        END;
        CREATE TRIGGER messages_reindexed AFTER UPDATE OF content, reasoning, role ON messages
            WHEN old.content IS NOT new.content OR old.reasoning IS NOT new.reasoning
                OR old.role IS NOT new.role BEGIN
            INSERT INTO message_fts (message_fts, rowid, question, answer, reasoning) SELECT
                'delete', old.num, CASE WHEN old.role = 'user' THEN old.content ELSE '' END,
                CASE WHEN old.role = 'user' THEN '' ELSE old.content END, old.reasoning;
            INSERT INTO cjk_fts (cjk_fts, rowid, text) SELECT 'delete', old.num, old.content
                WHERE {has}(old.content);
            INSERT INTO message_fts (rowid, question, answer, reasoning) SELECT
                new.num, CASE WHEN new.role = 'user' THEN new.content ELSE '' END,
                CASE WHEN new.role = 'user' THEN '' ELSE new.content END, new.reasoning;
            INSERT INTO cjk_fts (rowid, text) SELECT new.num, new.content
                WHERE {has}(new.content);
        END;
        CREATE TRIGGER titles_reindexed AFTER UPDATE OF title ON conversations
            WHEN old.title IS NOT new.title BEGIN
            INSERT INTO title_fts (title_fts, rowid, title) VALUES ('delete', old.num, old.title);
            INSERT INTO title_fts (rowid, title) VALUES (new.num, new.title);
        END;
        CREATE TRIGGER cjk_titles_indexed AFTER INSERT ON conversations WHEN {has}(new.title)
        BEGIN
            INSERT INTO title_cjk_fts (rowid, title) VALUES (new.num, new.title);
        END;
        CREATE TRIGGER cjk_titles_reindexed AFTER UPDATE OF title ON conversations
            WHEN old.title IS NOT new.title BEGIN
            INSERT INTO title_cjk_fts (title_cjk_fts, rowid, title)
                SELECT 'delete', old.num, old.title WHERE {has}(old.title);
            INSERT INTO title_cjk_fts (rowid, title) SELECT new.num, new.title
                WHERE {has}(new.title);
        END;
        {_gram_triggers(*messages)}
        {_gram_triggers(*titles)}
        """,
    )


def _gram_triggers(table: str, column: str, view: str, index: str) -> str:
    """The SQL of a gram index's insert and update triggers (``_gram_index``) on
    ``has_cjk``; its delete trigger is left as it was."""
    grams, has = GRAMS_FUNCTION, HAS_CJK_FUNCTION
    return f"""
        DROP TRIGGER {view}_indexed;
        DROP TRIGGER {view}_reindexed;
        CREATE TRIGGER {view}_indexed AFTER INSERT ON {table} WHEN {has}(new.{column}) BEGIN
            INSERT INTO {index} (rowid, grams) VALUES (new.num, {grams}(new.{column}));
        END;
        CREATE TRIGGER {view}_reindexed AFTER UPDATE OF {column} ON {table}
            WHEN old.{column} IS NOT new.{column} BEGIN
            INSERT INTO {index} ({index}, rowid, grams)
                SELECT 'delete', old.num, {grams}(old.{column}) WHERE {has}(old.{column});
            INSERT INTO {index} (rowid, grams)
                SELECT new.num, {grams}(new.{column}) WHERE {has}(new.{column});
        END;
        """


Migration = tuple[str, Callable[[sqlite3.Connection], None]]

MIGRATIONS: tuple[Migration, ...] = (
    ("0001_conversations_and_messages", _conversations),
    ("0002_full_text_search", _search),
    ("0003_cjk_titles", _cjk_titles),
    ("0004_short_cjk", _short_cjk),
    ("0005_cjk_by_function", _cjk_by_function),
)
"""Every migration, oldest first. Never change or reorder one that has shipped: add one."""


def version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(
    db: sqlite3.Connection, path: Path | None, migrations: tuple[Migration, ...] = MIGRATIONS
) -> Path | None:
    """Bring ``db`` up to date; returns the backup made first, if there was one to make.
    ``db`` has the schema's functions (``add_functions``, as ``database.connect`` gives them).

    Raises ``StoreError`` (NEWER) for a database from a newer Parley and (UPGRADE_FAILED) for
    a migration that failed, after rolling it back.
    """
    found = version(db)
    if found > len(migrations) or _unknown_migrations(db, migrations):
        raise StoreError(
            StoreProblem.NEWER,
            f"The conversation database {path} was written by a newer Parley (schema version "
            f"{found}; this one knows {len(migrations)}): update Parley to open it. It has "
            "not been changed.",
        )
    if found == len(migrations):
        return None
    backup = _backed_up(db, path, found) if found and path else None
    name = migrations[found][0]
    # One transaction for every step, so that a step that fails undoes the ones before it.
    try:
        db.execute("BEGIN IMMEDIATE")
        done = version(db)  # another Parley may have upgraded it while this one waited
        for number, (name, step) in enumerate(migrations[done:], start=done + 1):
            if number == 1:
                db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied REAL)")
            step(db)
            db.execute("INSERT INTO migrations VALUES (?, ?)", (name, time.time()))
            db.execute(f"PRAGMA user_version = {number}")
        db.execute("COMMIT")
    except Exception as error:  # a step's bug, too, must end in a sentence, rolled back
        if db.in_transaction:
            db.execute("ROLLBACK")
        if isinstance(error, sqlite3.Error) and path is not None:
            told = explained(error, path)
            if told.problem in (StoreProblem.LOCKED, StoreProblem.READ_ONLY, StoreProblem.FULL):
                raise told from error
        kept = f"; a copy from before is at {backup}" if backup else ""
        raise StoreError(
            StoreProblem.UPGRADE_FAILED,
            f"Parley could not upgrade its conversation database {path} (step {name}), "
            f"so it left it as it was{kept}. Report this, with the detail: {error}",
        ) from error
    return backup


def _unknown_migrations(db: sqlite3.Connection, migrations: tuple[Migration, ...]) -> bool:
    if version(db) == 0:
        return False
    known = {name for name, _ in migrations}
    applied = {row[0] for row in db.execute("SELECT name FROM migrations")}
    return bool(applied - known)


def _backed_up(db: sqlite3.Connection, path: Path, found: int) -> Path:
    backup = path.with_name(f"{path.name}.v{found}.backup")
    number = 1
    while backup.exists():
        number += 1
        backup = path.with_name(f"{path.name}.v{found}.backup-{number}")
    copy = sqlite3.connect(backup)
    try:
        db.backup(copy)
    finally:
        copy.close()
    return backup
