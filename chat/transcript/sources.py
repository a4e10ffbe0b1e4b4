"""What the importers of other apps' exports share: a tree from parent links, the blocks
their tool calls become, their times, their errors."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, NoReturn

from ..conversation import TITLE_CHARS, Conversation
from ..store.rows import clean
from .errors import TranscriptError
from .fields import conversation_place, kind_of

_BACKTICKS = re.compile(r"`{3,}")
_LANGUAGE = re.compile(r"[^\w+#.-]")
_ISO_CHARS = 64
"""No ISO 8601 time is longer; a longer text is not one (and is not parsed)."""

NodeFail = Callable[[str, str], NoReturn]
"""Raises the error of a conversation: ``fail(node, detail)`` (``node`` may be "")."""


def failing(app: str, index: int, item: Any, title_key: str) -> NodeFail:
    """The error of the conversation ``item`` of ``app``'s export (``index``: from 0)."""
    title = item.get(title_key) if isinstance(item, dict) else None
    where = conversation_place(index, clean(title) if isinstance(title, str) else None)

    def fail(node: str, detail: str) -> NoReturn:
        place = f"{where}, message {clean(node)[:80]!r}" if node else where
        raise TranscriptError(
            f"This {app} export has a conversation Parley cannot read: export it again, or "
            "import the others without it.",
            where=place,
            detail=detail,
        )

    return fail


def need_object(value: Any, fail: NodeFail, node: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        fail(node, f"{what} should be an object, found {kind_of(value)}")
    return value


def text_of(value: Any) -> str:
    """``value`` if it is text (cleaned as the store keeps it), else ""."""
    return clean(value) if isinstance(value, str) else ""


def parents_first(parents: Mapping[str, str | None], rank: Mapping[str, int]) -> Iterator[str]:
    """The nodes of ``parents`` (node to parent), each after its parent, depth first; the
    children of a node in the order of ``rank`` (unranked last, in the order of ``parents``).
    A node whose parent is not a node is a root; nodes on a loop of parents are left out."""
    children: dict[str | None, list[str]] = {}
    for node, parent in parents.items():
        known = parent is not None and parent != node and parent in parents
        children.setdefault(parent if known else None, []).append(node)
    unranked = len(parents)
    for kids in children.values():
        kids.sort(key=lambda kid: rank.get(kid, unranked))
    stack = list(reversed(children.get(None, [])))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children.get(node, [])))


def fenced(text: str, language: str = "") -> str:
    """``text`` as a fenced block, its fence longer than any run of backticks inside."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{_LANGUAGE.sub('', language)[:40]}\n{text}\n{fence}"


def quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def as_json(value: Any) -> str:
    """``value`` as indented JSON, for a person to read."""
    try:
        return clean(json.dumps(value, indent=2, ensure_ascii=False))
    except (ValueError, RecursionError, TypeError):
        return "(too deeply nested to show)"


def iso_seconds(value: Any) -> float | None:
    """A time given in ISO 8601 (a naive one is taken as UTC), if ``value`` is one."""
    if not isinstance(value, str) or len(value) > _ISO_CHARS:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.timestamp()
    except (OverflowError, ValueError, OSError):
        return None


def settle(conversation: Conversation, updated: float | None) -> None:
    """The last touches of an imported conversation: when it was last active (``updated``,
    else its newest message), and a title from its first question when it has none."""
    times = (m.created for m in conversation.all_messages())
    conversation.updated = max([conversation.created, *times]) if updated is None else updated
    if conversation.title:
        return
    first = next((m for m in conversation.messages if m.role == "user"), None)
    if first is not None:
        conversation.title = " ".join(first.content[: TITLE_CHARS * 4].split())[:TITLE_CHARS]
