"""The migrations that build the database's schema, oldest first (``schema.migrate`` runs them).

Never change or reorder one that has shipped: add one. Each gets the connection inside the
upgrade's transaction, with the functions of ``functions.add_functions``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from .functions import CJK, GRAMS_FUNCTION, HAS_CJK_FUNCTION


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


def _index_later(db: sqlite3.Connection) -> None:
    # Filling the search indexes was nine tenths of importing a large export. An import now
    # writes its messages with a row in ``index_later`` (inside its transaction only, never
    # committed): they are queued in ``unindexed`` instead, and the writer indexes them a few
    # at a time afterwards by touching their rows there (``UPDATE unindexed SET num = num``)
    # and deleting them. A message deleted or changed while it waits is not taken out of
    # indexes it never went into. The delete triggers still need no function of ours for text
    # without CJK.
    later = "EXISTS (SELECT 1 FROM index_later)"
    waits = "EXISTS (SELECT 1 FROM unindexed WHERE num = old.num)"
    _script(
        db,
        f"""
        CREATE TABLE index_later (since REAL NOT NULL);
        CREATE TABLE unindexed (num INTEGER PRIMARY KEY);
        DROP TRIGGER messages_indexed;
        DROP TRIGGER messages_unindexed;
        DROP TRIGGER messages_reindexed;
        DROP TRIGGER message_cjk_grams_indexed;
        DROP TRIGGER message_cjk_grams_unindexed;
        DROP TRIGGER message_cjk_grams_reindexed;
        CREATE TRIGGER messages_queued AFTER INSERT ON messages WHEN {later} BEGIN
            INSERT INTO unindexed (num) VALUES (new.num);
        END;
        CREATE TRIGGER messages_indexed AFTER INSERT ON messages WHEN NOT {later} BEGIN
            {_indexing("new.", "")}
        END;
        CREATE TRIGGER unindexed_indexed AFTER UPDATE ON unindexed BEGIN
            {_indexing("", " FROM messages WHERE num = new.num")}
        END;
        CREATE TRIGGER messages_unindexed BEFORE DELETE ON messages WHEN NOT {waits} BEGIN
            INSERT INTO message_fts (message_fts, rowid, question, answer, reasoning) SELECT
                'delete', old.num, CASE WHEN old.role = 'user' THEN old.content ELSE '' END,
                CASE WHEN old.role = 'user' THEN '' ELSE old.content END, old.reasoning;
            INSERT INTO cjk_fts (cjk_fts, rowid, text) SELECT 'delete', old.num, old.content
                WHERE old.content GLOB '{CJK}';
        END;
        CREATE TRIGGER message_cjk_grams_unindexed BEFORE DELETE ON messages
            WHEN old.content GLOB '{CJK}' AND NOT {waits} BEGIN
            INSERT INTO cjk_gram_fts (cjk_gram_fts, rowid, grams)
                SELECT 'delete', rowid, grams FROM cjk_gram_fts WHERE rowid = old.num;
        END;
        CREATE TRIGGER messages_dequeued AFTER DELETE ON messages BEGIN
            DELETE FROM unindexed WHERE num = old.num;
        END;
        CREATE TRIGGER messages_reindexed AFTER UPDATE OF content, reasoning, role ON messages
            WHEN (old.content IS NOT new.content OR old.reasoning IS NOT new.reasoning
                OR old.role IS NOT new.role) AND NOT {waits} BEGIN
            INSERT INTO message_fts (message_fts, rowid, question, answer, reasoning) SELECT
                'delete', old.num, CASE WHEN old.role = 'user' THEN old.content ELSE '' END,
                CASE WHEN old.role = 'user' THEN '' ELSE old.content END, old.reasoning;
            INSERT INTO cjk_fts (cjk_fts, rowid, text) SELECT 'delete', old.num, old.content
                WHERE {HAS_CJK_FUNCTION}(old.content);
            INSERT INTO message_fts (rowid, question, answer, reasoning) SELECT
                new.num, CASE WHEN new.role = 'user' THEN new.content ELSE '' END,
                CASE WHEN new.role = 'user' THEN '' ELSE new.content END, new.reasoning;
            INSERT INTO cjk_fts (rowid, text) SELECT new.num, new.content
                WHERE {HAS_CJK_FUNCTION}(new.content);
        END;
        CREATE TRIGGER message_cjk_grams_reindexed AFTER UPDATE OF content ON messages
            WHEN old.content IS NOT new.content AND NOT {waits} BEGIN
            INSERT INTO cjk_gram_fts (cjk_gram_fts, rowid, grams) SELECT 'delete', old.num,
                {GRAMS_FUNCTION}(old.content) WHERE {HAS_CJK_FUNCTION}(old.content);
            INSERT INTO cjk_gram_fts (rowid, grams) SELECT new.num,
                {GRAMS_FUNCTION}(new.content) WHERE {HAS_CJK_FUNCTION}(new.content);
        END;
        """,
    )


def _indexing(row: str, source: str) -> str:
    """The statements that put one message into the three message indexes: its columns read
    as ``{row}content`` (``new.`` in an insert trigger), from ``source`` (a FROM clause, or
    "" for the trigger's own row)."""
    where, has = ("AND" if source else "WHERE"), f"{HAS_CJK_FUNCTION}({row}content)"
    return f"""
            INSERT INTO message_fts (rowid, question, answer, reasoning) SELECT
                {row}num, CASE WHEN {row}role = 'user' THEN {row}content ELSE '' END,
                CASE WHEN {row}role = 'user' THEN '' ELSE {row}content END, {row}reasoning
                {source};
            INSERT INTO cjk_fts (rowid, text) SELECT {row}num, {row}content{source}
                {where} {has};
            INSERT INTO cjk_gram_fts (rowid, grams) SELECT {row}num,
                {GRAMS_FUNCTION}({row}content){source} {where} {has};"""


def _history_turns_and_reasoning_time(db: sqlite3.Connection) -> None:
    _script(
        db,
        """
        ALTER TABLE conversations ADD COLUMN history_turns INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE messages ADD COLUMN reasoning_s REAL;
        """,
    )


Migration = tuple[str, Callable[[sqlite3.Connection], None]]

MIGRATIONS: tuple[Migration, ...] = (
    ("0001_conversations_and_messages", _conversations),
    ("0002_full_text_search", _search),
    ("0003_cjk_titles", _cjk_titles),
    ("0004_short_cjk", _short_cjk),
    ("0005_cjk_by_function", _cjk_by_function),
    ("0006_index_later", _index_later),
    ("0007_history_turns_and_reasoning_time", _history_turns_and_reasoning_time),
)
"""Every migration, oldest first. Never change or reorder one that has shipped: add one."""
