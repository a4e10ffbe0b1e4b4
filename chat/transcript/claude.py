"""Claude.ai's data export (``conversations.json``): each conversation a list of messages.

What becomes of a message, decided here and held by the tests:

- Its content blocks are read when it has them (else its flat ``text``): text is shown,
  ``thinking`` becomes the reply's reasoning, a tool's use and its result readable blocks (the
  call's input as JSON, a written ``content`` as code; the result as a ``text`` block).
- An attachment shows as ``[attachment: name]`` followed by the text Claude extracted from it,
  fenced: the model read that text as part of the question, so a continued conversation needs
  it. A file without extracted text (an image, say) shows as ``[file: name]``.
- With ``parent_message_uuid`` (newer exports) the messages form a tree (an edited question,
  a retried reply); the active branch ends at the newest message that nothing follows.
  Without it the messages follow one another in the order of the file.
- Ids come from ``imported_id("claude", conversation uuid, message uuid)``, so importing the
  same export twice gives the same ids. Replies name the provider "Claude" (and the model, when
  the export names one); the conversation names no provider. A time missing from a message is
  its parent's (the conversation's at the top).
"""

from __future__ import annotations

from typing import Any

from ..conversation import Conversation, Message
from .ids import imported_id
from .sources import (
    NodeFail,
    as_json,
    failing,
    fenced,
    iso_seconds,
    need_object,
    parents_first,
    settle,
    text_of,
)

SOURCE = "claude"
PROVIDER = "Claude"
ROOT = "00000000-0000-4000-8000-000000000000"
"""The parent Claude gives a conversation's first message."""
_ROLES = {"human": "user", "assistant": "assistant"}


def conversation_from_claude(item: Any, *, index: int) -> Conversation:
    """One conversation of a Claude export (``index``: its place in the file, from 0).
    Raises only ``TranscriptError``, naming the conversation and the message."""
    fail = failing("Claude", index, item, "name")
    data = need_object(item, fail, "", f"conversation {index + 1}")
    found = _read_messages(data.get("chat_messages"), fail)
    key = _key(data)
    base = _base_time(data, found)
    parents = _parents(found)
    rank = {uid: position for position, uid in enumerate(found)}
    title = text_of(data.get("name"))
    conversation = Conversation(title=title, id=imported_id(SOURCE, key), created=base)
    conversation.title_set = bool(title)
    model = text_of(data.get("model")) or None
    made: dict[str, Message] = {}
    for uid in parents_first(parents, rank):
        parent = made.get(p) if (p := parents[uid]) else None  # a loop of one: a root
        made[uid] = _message(found[uid], imported_id(SOURCE, key, uid), parent, base, model)
        conversation.attach(made[uid])
    conversation.leaf_id = _newest_leaf(made, rank)
    settle(conversation, iso_seconds(data.get("updated_at")))
    return conversation


def _read_messages(listed: Any, fail: NodeFail) -> dict[str, dict[str, Any]]:
    """The messages by their uuid (a message without one is named by its place)."""
    if not isinstance(listed, list):
        fail("", "its “chat_messages” should be a list")
    found: dict[str, dict[str, Any]] = {}
    for position, raw in enumerate(listed):
        uid = f"#{position + 1}"
        message = need_object(raw, fail, uid, "the message")
        uid = text_of(message.get("uuid")) or uid
        if uid in found:
            fail(uid, "two messages have this id")
        if text_of(message.get("sender")) not in _ROLES:
            fail(uid, "its “sender” should be “human” or “assistant”")
        found[uid] = message
    return found


def _key(data: dict[str, Any]) -> str:
    """The conversation's own id; for an export without one, what stands in for it."""
    if found := text_of(data.get("uuid")):
        return found
    title, created = text_of(data.get("name")), text_of(data.get("created_at"))
    return "\x1f".join(("untitled", title, created))


def _base_time(data: dict[str, Any], found: dict[str, dict[str, Any]]) -> float:
    own = iso_seconds(data.get("created_at"))
    if own is not None:
        return own
    times = [t for m in found.values() if (t := iso_seconds(m.get("created_at"))) is not None]
    return min(times, default=0.0)


def _parents(found: dict[str, dict[str, Any]]) -> dict[str, str | None]:
    """Each message's parent: as the export says, when it does; else the one before."""
    if any("parent_message_uuid" in m for m in found.values()):
        named = {uid: text_of(m.get("parent_message_uuid")) for uid, m in found.items()}
        return {uid: p if p and p != ROOT and p in found else None for uid, p in named.items()}
    ids = list(found)
    return {uid: (ids[i - 1] if i else None) for i, uid in enumerate(ids)}


def _message(
    data: dict[str, Any],
    message_id: str,
    parent: Message | None,
    base: float,
    model: str | None,
) -> Message:
    role = _ROLES[text_of(data.get("sender"))]  # checked as it was read
    content, reasoning = _content(data)
    created = iso_seconds(data.get("created_at"))
    reply = role == "assistant"
    return Message(
        role,
        content,
        id=message_id,
        parent_id=parent.id if parent else None,
        created=created if created is not None else parent.created if parent else base,
        provider=PROVIDER if reply else None,
        model=model if reply else None,
        reasoning=reasoning,
    )


def _newest_leaf(made: dict[str, Message], rank: dict[str, int]) -> str | None:
    """The newest message that no other follows (the later in the file, of two as new)."""
    followed = {m.parent_id for m in made.values()}
    leaves = [uid for uid, m in made.items() if m.id not in followed]
    newest = max(leaves, key=lambda uid: (made[uid].created, rank[uid]), default=None)
    return made[newest].id if newest is not None else None


def _content(data: dict[str, Any]) -> tuple[str, str]:
    """What a message shows, and its reasoning."""
    blocks = data.get("content")
    shown, reasoning = _blocks(blocks) if isinstance(blocks, list) else ([], [])
    text = "\n\n".join(s for s in shown if s) or text_of(data.get("text"))
    return "\n\n".join(s for s in [text, *_attachments(data)] if s), "\n\n".join(reasoning)


def _blocks(blocks: list[Any]) -> tuple[list[str], list[str]]:
    shown: list[str] = []
    reasoning: list[str] = []
    for block in blocks:
        if not isinstance(block, dict):
            continue
        kind = text_of(block.get("type"))
        if kind == "thinking":
            reasoning.append(text_of(block.get("thinking")))
        elif kind == "tool_use":
            shown.append(_tool_use(block))
        elif kind == "tool_result":
            shown.append(_tool_result(block))
        else:
            shown.append(text_of(block.get("text")))
    return shown, [r for r in reasoning if r]


def _tool_use(block: dict[str, Any]) -> str:
    name = text_of(block.get("name")) or "a tool"
    given = block.get("input")
    if not given:
        return f"Used {name}."
    written = ""
    if isinstance(given, dict) and isinstance(given.get("content"), str):
        language = text_of(given.get("language"))
        written = "\n\n" + fenced(text_of(given["content"]), language)
        given = {k: v for k, v in given.items() if k != "content"}
    return f"Used {name}:\n\n{fenced(as_json(given), 'json')}{written}"


def _tool_result(block: dict[str, Any]) -> str:
    name = text_of(block.get("name")) or "the tool"
    given = block.get("content")
    if isinstance(given, list):
        parts = [text_of(b.get("text")) for b in given if isinstance(b, dict)]
        output = "\n\n".join(p for p in parts if p)
    else:
        output = text_of(given)
    said = f"{name} failed" if block.get("is_error") is True else f"Result of {name}"
    return f"{said}:\n\n{fenced(output, 'text')}" if output else f"{said}: nothing."


def _attachments(data: dict[str, Any]) -> list[str]:
    """Attached files: each one's name, and the text Claude extracted from it."""
    written: list[str] = []
    names: set[str] = set()
    attachments = data.get("attachments")
    for attached in attachments if isinstance(attachments, list) else []:
        if isinstance(attached, dict):
            name = text_of(attached.get("file_name")) or "unnamed"
            names.add(name)
            extracted = text_of(attached.get("extracted_content"))
            body = f"\n\n{fenced(extracted)}" if extracted else ""
            written.append(f"[attachment: {name}]{body}")
    files = data.get("files")
    for file in files if isinstance(files, list) else []:
        name = text_of(file.get("file_name")) if isinstance(file, dict) else ""
        if name and name not in names:
            written.append(f"[file: {name}]")
    return written
