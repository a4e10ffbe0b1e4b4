"""Conversations and messages to rows and back; the queries the window and the CLI read with."""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from ..conversation import Conversation, Message, MessageState, ReplyError

MESSAGE_COLUMNS = (
    "id, conversation_id, parent_id, role, content, reasoning, signature, state, provider, "
    "model, finish_reason, usage, error, note, created, first_token_s, duration_s, owner, "
    "reasoning_s"
)
CONVERSATION_COLUMNS = (
    "id, title, title_set, created, updated, pinned, system_prompt, provider, model, options, "
    "leaf_id, history_turns"
)
LIVE = (MessageState.PENDING, MessageState.STREAMING)
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text: str) -> str:
    """``text`` as SQLite can keep it: a lone surrogate (half of a character a service split
    across two JSON strings) becomes U+FFFD; a pair that belongs together is joined."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def message_row(conversation_id: str, message: Message, owner: str) -> tuple[Any, ...]:
    error = message.error
    return (
        message.id,
        conversation_id,
        message.parent_id,
        message.role,
        clean(message.content),
        clean(message.reasoning),
        clean(message.signature),
        message.state.value,
        message.provider,
        message.model,
        message.finish_reason,
        json.dumps(message.usage),
        json.dumps(dataclasses.asdict(error)) if error else None,
        clean(message.note),
        message.created,
        message.first_token_s,
        message.duration_s,
        owner if message.state in LIVE else None,
        message.reasoning_s,
    )


def conversation_row(conversation: Conversation) -> tuple[Any, ...]:
    return (
        conversation.id,
        clean(conversation.title),
        int(conversation.title_set),
        conversation.created,
        conversation.updated,
        int(conversation.pinned),
        clean(conversation.system_prompt),
        conversation.provider,
        conversation.model,
        json.dumps(conversation.options),
        conversation.leaf_id,
        conversation.history_turns,
    )


def save_conversation(db: sqlite3.Connection, row: tuple[Any, ...]) -> None:
    db.execute(
        f"INSERT INTO conversations ({CONVERSATION_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT (id) DO UPDATE SET title = excluded.title, title_set = excluded.title_set,"
        " updated = excluded.updated, pinned = excluded.pinned, system_prompt ="
        " excluded.system_prompt, provider = excluded.provider, model = excluded.model,"
        " options = excluded.options, leaf_id = excluded.leaf_id,"
        " history_turns = excluded.history_turns",
        row,
    )


def save_message(db: sqlite3.Connection, row: tuple[Any, ...], *, restreamed: bool = False) -> None:
    """Insert or update a message; its streamed pieces are then no longer needed once it has
    ended, or when it holds them itself (``restreamed``)."""
    db.execute(
        f"INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT (id) DO UPDATE SET content = excluded.content, reasoning ="
        " excluded.reasoning, signature = excluded.signature, state = excluded.state,"
        " provider = excluded.provider, model = excluded.model, finish_reason ="
        " excluded.finish_reason, usage = excluded.usage, error = excluded.error, note ="
        " excluded.note, first_token_s = excluded.first_token_s, duration_s ="
        " excluded.duration_s, owner = excluded.owner, reasoning_s = excluded.reasoning_s",
        row,
    )
    if restreamed or row[7] not in (MessageState.PENDING.value, MessageState.STREAMING.value):
        db.execute("DELETE FROM partials WHERE message_id = ?", (row[0],))


def delete_messages(db: sqlite3.Connection, conversation_id: str, ids: list[str]) -> None:
    """Remove messages the user deleted (what follows each goes with it: ON DELETE CASCADE)."""
    db.executemany(
        "DELETE FROM messages WHERE conversation_id = ? AND id = ?",
        [(conversation_id, i) for i in ids],
    )


def message_from(row: sqlite3.Row | tuple[Any, ...]) -> Message:
    (id_, _, parent, role, content, reasoning, signature, state, provider, model, finish) = row[:11]
    usage, error, note, created, first_token, duration = row[11:17]
    reasoning_s = row[18] if len(row) > 18 else None
    return Message(
        role,
        content,
        id=id_,
        created=created,
        state=_state(state),
        provider=provider,
        model=model,
        reasoning=reasoning,
        signature=signature,
        finish_reason=finish,
        error=_error(error),
        note=note,
        usage=_json_object(usage),
        parent_id=parent,
        first_token_s=first_token,
        duration_s=duration,
        reasoning_s=reasoning_s,
    )


def _state(value: str) -> MessageState:
    try:
        return MessageState(value)
    except ValueError:  # a state a newer Parley wrote: show the message, as interrupted
        return MessageState.INTERRUPTED


def _error(value: str | None) -> ReplyError | None:
    if not value:
        return None
    fields = _json_object(value)
    return ReplyError(
        kind=str(fields.get("kind", "unexpected")),
        sentence=str(fields.get("sentence", "")),
        provider=fields.get("provider"),
        status=fields.get("status"),
        retry_after=fields.get("retry_after"),
    )


def _json_object(value: str) -> dict[str, Any]:
    try:
        found = json.loads(value)
    except (ValueError, RecursionError):
        return {}
    return found if isinstance(found, dict) else {}


def conversation_from(row: tuple[Any, ...], messages: list[Message]) -> Conversation:
    id_, title, title_set, created, updated, pinned, system, provider, model = row[:9]
    options, leaf = row[9:11]
    conversation = Conversation(
        title=title,
        id=id_,
        created=created,
        updated=updated,
        system_prompt=system,
        pinned=bool(pinned),
        provider=provider,
        model=model,
        options=_json_object(options),
        title_set=bool(title_set),
        history_turns=max(0, int(row[11] or 0)) if len(row) > 11 else 0,
    )
    for message in messages:
        conversation.attach(message)
    known = leaf is not None and conversation.get(leaf) is not None
    conversation.leaf_id = leaf if known else (messages[-1].id if messages else None)
    return conversation


def load_conversation(db: sqlite3.Connection, conversation_id: str) -> Conversation | None:
    row = db.execute(
        f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ? AND deleted IS NULL",
        (conversation_id,),
    ).fetchone()
    if row is None:
        return None
    found = db.execute(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY num",
        (conversation_id,),
    ).fetchall()
    return conversation_from(row, _parents_first([message_from(r) for r in found]))


def _parents_first(messages: list[Message]) -> list[Message]:
    """In insertion order a parent comes first; a message whose parent is gone is left out."""
    known: set[str] = set()
    kept = []
    for message in messages:
        if message.parent_id is None or message.parent_id in known:
            known.add(message.id)
            kept.append(message)
    return kept


@dataclass(frozen=True, slots=True)
class Summary:
    """A conversation as the list shows it."""

    id: str
    title: str
    created: float
    updated: float
    pinned: bool
    provider: str | None
    model: str | None
    messages: int


def list_conversations(
    db: sqlite3.Connection, *, offset: int = 0, limit: int = 100
) -> list[Summary]:
    """Pinned first, then by last activity, newest first."""
    rows = db.execute(
        "SELECT id, title, created, updated, pinned, provider, model,"
        " (SELECT count(*) FROM messages WHERE conversation_id = c.id)"
        " FROM conversations AS c WHERE deleted IS NULL"
        " ORDER BY pinned DESC, updated DESC, num DESC LIMIT ? OFFSET ?",
        (limit, offset),
    ).fetchall()
    return [Summary(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6], r[7]) for r in rows]


def count_conversations(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT count(*) FROM conversations WHERE deleted IS NULL").fetchone()[0])


def last_conversation_id(db: sqlite3.Connection) -> str | None:
    row = db.execute(
        "SELECT id FROM conversations WHERE deleted IS NULL ORDER BY updated DESC, num DESC LIMIT 1"
    ).fetchone()
    return row[0] if row else None


def find_conversation_id(db: sqlite3.Connection, prefix: str) -> list[str]:
    """The conversations whose id starts with ``prefix`` (people type the first few)."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = db.execute(
        "SELECT id FROM conversations WHERE deleted IS NULL AND id LIKE ? ESCAPE '\\' LIMIT 2",
        (escaped + "%",),
    ).fetchall()
    return [r[0] for r in rows]


def recover_interrupted(db: sqlite3.Connection, alive: set[str]) -> int:
    """Replies left streaming by a Parley that has ended: their pieces joined into their text,
    marked interrupted. ``alive`` holds the owners still running. Returns how many."""
    rows = db.execute(
        "SELECT id, content, reasoning, owner FROM messages WHERE state IN ('pending', 'streaming')"
    ).fetchall()
    recovered = 0
    for message_id, content, reasoning, owner in rows:
        if owner in alive:
            continue
        pieces = db.execute(
            "SELECT reasoning, text FROM partials WHERE message_id = ? ORDER BY num",
            (message_id,),
        ).fetchall()
        text = content + "".join(t for r, t in pieces if not r)
        thought = reasoning + "".join(t for r, t in pieces if r)
        db.execute(
            "UPDATE messages SET content = ?, reasoning = ?, state = 'interrupted', owner = NULL"
            " WHERE id = ?",
            (text, thought, message_id),
        )
        db.execute("DELETE FROM partials WHERE message_id = ?", (message_id,))
        recovered += 1
    return recovered


def streaming_owners(db: sqlite3.Connection) -> set[str]:
    rows = db.execute(
        "SELECT DISTINCT owner FROM messages WHERE state IN ('pending', 'streaming')"
    ).fetchall()
    return {r[0] for r in rows if r[0]}
