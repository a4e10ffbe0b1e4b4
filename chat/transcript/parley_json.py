"""Parley's own transcript format: JSON that keeps every field of every branch.

The file is one object: ``format``, ``version``, ``exported``, then ``conversations`` last, so
it is written and read one conversation at a time (``resources/parley-transcript.schema.json``
describes it). Decisions, kept by the tests:

- Times are seconds since the epoch as JSON numbers (``created``), which keep a float exactly;
  beside each, ``created_at`` says the same in ISO 8601 UTC for people and other programs.
  Parley reads the seconds only.
- Every message of every branch is written, parents before children, and ``leaf_id`` is the
  end of the active branch. On reading, messages may come in any order: each is put in place
  once its parent is; one whose parent never comes (or that is part of a loop) is an error.
- ``signature`` (the service's signature of a reply's reasoning) is kept: it is no secret of
  the user's, and a continued conversation needs it sent back.
- ``options`` are the conversation's generation options (temperature, say): JSON values only,
  never a secret (keys live in the keyring, not in a conversation).
- Text is written as the store keeps it: a lone surrogate becomes U+FFFD (see ``clean``).
- Fields a version-1 file may leave out are read with the defaults of a new conversation;
  fields Parley does not know are ignored.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, BinaryIO, NoReturn, TextIO

from ..conversation import Conversation, Message, MessageState, ReplyError
from ..store.rows import clean
from .errors import TranscriptError
from .fields import Fail, Fields, cleaned, conversation_place
from .jsonstream import ArrayReader, Progress

FORMAT = "parley-transcript"
VERSION = 1
_DAMAGED = (
    "This Parley transcript has a conversation Parley cannot read: the file was changed or "
    "damaged. Export it again."
)


def dump(
    conversations: Iterable[Conversation], out: TextIO, *, exported: float | None = None
) -> None:
    """Write ``conversations`` to ``out``, one at a time (``exported``: now, by default)."""
    head = {"format": FORMAT, "version": VERSION, "exported": iso_time(_now(exported))}
    out.write(json.dumps(head)[:-1] + ', "conversations": [')
    for index, conversation in enumerate(conversations):
        out.write(",\n" if index else "\n")
        out.write(_encoded(conversation, index))
    out.write("\n]}\n")


def _now(exported: float | None) -> float:
    return time.time() if exported is None else exported


def _encoded(conversation: Conversation, index: int) -> str:
    try:
        return json.dumps(cleaned(to_json(conversation)), ensure_ascii=False, allow_nan=False)
    except ValueError as error:  # a number JSON cannot hold (NaN, or too many digits)
        raise TranscriptError(
            "Parley could not write this conversation: it holds a number JSON cannot hold.",
            where=conversation_place(index, conversation.title),
            detail=str(error),
        ) from None


def iso_time(seconds: float) -> str | None:
    """``seconds`` since the epoch in ISO 8601 UTC, or None past the years datetime knows."""
    try:
        moment = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, ValueError, OSError):
        return None
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def to_json(conversation: Conversation) -> dict[str, Any]:
    """A conversation as the format writes it."""
    return {
        "id": conversation.id,
        "title": conversation.title,
        "title_set": conversation.title_set,
        "created": conversation.created,
        "created_at": iso_time(conversation.created),
        "updated": conversation.updated,
        "updated_at": iso_time(conversation.updated),
        "pinned": conversation.pinned,
        "system_prompt": conversation.system_prompt,
        "provider": conversation.provider,
        "model": conversation.model,
        "options": conversation.options,
        "leaf_id": conversation.leaf_id,
        "messages": [_message_json(m) for m in conversation.all_messages()],
    }


def _message_json(message: Message) -> dict[str, Any]:
    error = message.error
    return {
        "id": message.id,
        "parent_id": message.parent_id,
        "role": message.role,
        "content": message.content,
        "state": message.state.value,
        "provider": message.provider,
        "model": message.model,
        "reasoning": message.reasoning,
        "signature": message.signature,
        "finish_reason": message.finish_reason,
        "error": None if error is None else dataclasses.asdict(error),
        "note": message.note,
        "usage": message.usage,
        "first_token_s": message.first_token_s,
        "duration_s": message.duration_s,
        "created": message.created,
        "created_at": iso_time(message.created),
    }


# -- reading


def load(stream: BinaryIO, progress: Progress | None = None) -> Iterator[Conversation]:
    """The conversations of a Parley transcript, one at a time. Raises only
    ``TranscriptError``: the file is not one, a newer Parley wrote it, or it is damaged."""
    return read(ArrayReader(stream, key="conversations", progress=progress, head_check=head_check))


def read(reader: ArrayReader) -> Iterator[Conversation]:
    """The conversations of a transcript whose reader is open at ``conversations``."""
    check_head(reader.head)
    return conversations_of(iter(reader))


def conversations_of(items: Iterable[Any]) -> Iterator[Conversation]:
    """The conversations of a transcript's ``conversations``, read one at a time."""
    return (from_json(item, index=index) for index, item in enumerate(items))


def looks_like(head: dict[str, Any], ended: bool) -> bool:
    """Whether the members read so far before ``conversations`` (``ended``: all of them)
    may be of a Parley transcript: its ``format`` comes among the first three."""
    if "format" in head:
        return bool(head["format"] == FORMAT)
    return not ended and len(head) < 3


def head_check(head: dict[str, Any], ended: bool) -> None:
    """Fail early on a JSON object that is not a Parley transcript (see ``ArrayReader``)."""
    if not looks_like(head, ended):
        check_head(None)


def check_head(head: dict[str, Any] | None) -> None:
    """Raise unless ``head`` (the members before ``conversations``) is of a transcript that
    this Parley reads."""
    if head is None or head.get("format") != FORMAT:
        raise TranscriptError(
            "This file is not a Parley transcript: Parley reads the JSON files it exports.",
            detail="its “format” should be “parley-transcript”, before its conversations",
        )
    version = head.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise TranscriptError(
            "This Parley transcript has no version Parley knows: export it again.",
            detail=f"its “version” should be {VERSION}",
        )
    if version > VERSION:
        raise TranscriptError(
            "A newer Parley wrote this transcript: update Parley to import it.",
            detail=f"it is of version {version}; this Parley reads version {VERSION}",
        )


def from_json(item: Any, *, index: int) -> Conversation:
    """A conversation as the format holds it (``index``: its place in the file, from 0)."""
    fail = _failing(index, item)
    fields = Fields(item, "", fail)
    conversation = _conversation(fields)
    messages = [
        _message(Fields(m, f"messages[{i}].", fail)) for i, m in enumerate(fields.list("messages"))
    ]
    _attach_all(conversation, messages, fail)
    _set_leaf(conversation, fields, messages)
    return conversation


def _failing(index: int, item: Any) -> Fail:
    title = item.get("title") if isinstance(item, dict) else None
    where = conversation_place(index, clean(title) if isinstance(title, str) else None)

    def fail(detail: str) -> NoReturn:
        raise TranscriptError(_DAMAGED, where=where, detail=detail)

    return fail


def _conversation(fields: Fields) -> Conversation:
    created = fields.number("created")
    conversation = Conversation(
        title=fields.text("title"),
        id=fields.text("id"),
        created=created,
        system_prompt=fields.text("system_prompt", ""),
        pinned=fields.flag("pinned", False),
        provider=fields.optional_text("provider"),
        model=fields.optional_text("model"),
        options=cleaned(fields.object("options", {})),
        title_set=fields.flag("title_set", False),
    )
    conversation.updated = fields.number("updated", created)  # exactly, even 0.0
    return conversation


def _message(fields: Fields) -> Message:
    return Message(
        fields.text("role"),
        fields.text("content"),
        id=fields.text("id"),
        parent_id=fields.optional_text("parent_id", required=True),
        created=fields.number("created"),
        state=_state(fields),
        provider=fields.optional_text("provider"),
        model=fields.optional_text("model"),
        reasoning=fields.text("reasoning", ""),
        signature=fields.text("signature", ""),
        finish_reason=fields.optional_text("finish_reason"),
        error=_reply_error(fields),
        note=fields.text("note", ""),
        usage=_usage(fields),
        first_token_s=fields.optional_number("first_token_s"),
        duration_s=fields.optional_number("duration_s"),
    )


def _state(fields: Fields) -> MessageState:
    value = fields.text("state", MessageState.COMPLETE.value)
    try:
        return MessageState(value)
    except ValueError:  # a state a newer Parley wrote: show the message, as interrupted
        return MessageState.INTERRUPTED


def _reply_error(fields: Fields) -> ReplyError | None:
    if fields.data.get("error") is None:
        return None
    error = Fields(fields.data["error"], f"{fields.prefix}error.", fields.fail)
    return ReplyError(
        kind=error.text("kind"),
        sentence=error.text("sentence"),
        provider=error.optional_text("provider"),
        status=error.optional_integer("status"),
        retry_after=error.optional_number("retry_after"),
    )


def _usage(fields: Fields) -> dict[str, int | None]:
    usage = fields.object("usage", {})
    for name, value in usage.items():
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            fields.wrong("usage", f"an object of whole numbers (its “{name}” is not)")
    return {clean(name): value for name, value in usage.items()}


def _attach_all(conversation: Conversation, messages: list[Message], fail: Fail) -> None:
    """Put each message in place once its parent is, keeping the order of the file among
    messages of one parent."""
    waiting: dict[str, list[Message]] = {}
    ids: set[str] = set()
    for message in messages:
        if message.id in ids:
            fail(f"two messages have the id “{message.id[:80]}”")
        ids.add(message.id)
        if message.parent_id is None or conversation.get(message.parent_id) is not None:
            _attach_with_children(conversation, message, waiting)
        else:
            waiting.setdefault(message.parent_id, []).append(message)
    for parent_id, orphans in waiting.items():
        fail(
            f"message “{orphans[0].id[:80]}” follows “{parent_id[:80]}”, which is not in the "
            "conversation"
        )


def _attach_with_children(
    conversation: Conversation, message: Message, waiting: dict[str, list[Message]]
) -> None:
    ready = [message]
    while ready:
        placed = ready.pop()
        conversation.attach(placed)
        ready.extend(reversed(waiting.pop(placed.id, [])))


def _set_leaf(conversation: Conversation, fields: Fields, messages: list[Message]) -> None:
    if "leaf_id" not in fields.data:
        conversation.leaf_id = messages[-1].id if messages else None
        return
    leaf = fields.optional_text("leaf_id")
    if leaf is not None and conversation.get(leaf) is None:
        fields.wrong("leaf_id", "the id of one of its messages")
    conversation.leaf_id = leaf
