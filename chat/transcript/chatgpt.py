"""ChatGPT's data export (``conversations.json``): each conversation a tree of nodes.

What becomes of a node, decided here and held by the tests:

- A node with no message, a system message, a hidden one (custom instructions, memory: they
  are ``user_editable_context``, ``model_editable_context`` or marked hidden), and tool
  plumbing (what a tool says to the model in plain text, the browser's page dumps) is not
  shown; its children follow its nearest shown ancestor. Hidden instructions do not become the
  system prompt either: Parley would send them with every new question.
- A run of assistant and tool nodes down a chain with no branch (code, its output, the
  answer) is one reply; a node with several children ends the run (the children are versions).
- Text parts are joined; an image or other file becomes ``[image: file-…]`` (never fetched);
  code a fenced block in its language; a tool's output a fenced ``text`` block; a browsing
  quote a quote with its title and address; ``thoughts`` the reply's reasoning (a
  ``reasoning_recap`` such as "Thought for 8 seconds" only when there are none). Of content of
  an unknown type, whatever text it has is shown.
- The active branch ends at ``current_node`` (at its nearest shown ancestor); without one, at
  the newest reply. Times missing from a node are its parent's (the conversation's at the top).
- Ids come from ``imported_id("chatgpt", conversation id, first node id)``: importing the same
  export twice gives the same ids. Replies name the provider "ChatGPT" and their model slug;
  the conversation names no provider, so a continued one goes to the provider chosen in Parley.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..conversation import Conversation, Message, MessageState
from .fields import seconds
from .ids import imported_id
from .sources import (
    NodeFail,
    failing,
    fenced,
    need_object,
    parents_first,
    quoted,
    settle,
    text_of,
)

SOURCE = "chatgpt"
PROVIDER = "ChatGPT"
_HIDDEN_TYPES = frozenset({"user_editable_context", "model_editable_context"})
_PLUMBING_TYPES = frozenset({"tether_browsing_display", "text"})
"""What a tool node of these types holds is for the model, not for the person."""
_ROLES = {"user": "user", "assistant": "assistant", "tool": "assistant"}


@dataclass(slots=True)
class _Piece:
    """What one node shows."""

    node: str
    role: str
    created: float
    content: str = ""
    thoughts: str = ""
    recap: str = ""
    model: str | None = None
    finish: str | None = None


@dataclass(slots=True, eq=False)
class _Run:
    """The nodes that make one message: a question, or a reply with its tool calls."""

    pieces: list[_Piece]
    parent: _Run | None
    id: str = ""
    created: float = field(init=False)

    def __post_init__(self) -> None:
        self.created = self.pieces[0].created

    def message(self, default_model: str | None) -> Message:
        first = self.pieces[0]
        reply = first.role == "assistant"
        finish = _last(p.finish for p in self.pieces)
        thoughts = [p.thoughts for p in self.pieces if p.thoughts]
        return Message(
            first.role,
            "\n\n".join(p.content for p in self.pieces if p.content),
            id=self.id,
            parent_id=self.parent.id if self.parent else None,
            created=first.created,
            state=MessageState.CANCELLED if finish == "interrupted" else MessageState.COMPLETE,
            provider=PROVIDER if reply else None,
            model=(_last(p.model for p in self.pieces) or default_model) if reply else None,
            reasoning="\n\n".join(thoughts or [p.recap for p in self.pieces if p.recap]),
            finish_reason=finish if reply else None,
        )


def _last(values: Iterable[str | None]) -> str | None:
    found = None
    for value in values:
        found = value if value is not None else found
    return found


def conversation_from_chatgpt(item: Any, *, index: int) -> Conversation:
    """One conversation of a ChatGPT export (``index``: its place in the file, from 0).
    Raises only ``TranscriptError``, naming the conversation and the node."""
    fail = failing("ChatGPT", index, item, "title")
    data = need_object(item, fail, "", f"conversation {index + 1}")
    mapping = need_object(data.get("mapping"), fail, "", "its “mapping”")
    parents, messages, rank = _read_nodes(mapping, fail)
    key = _key(data, mapping)
    base = _base_time(data, messages)
    order = list(parents_first(parents, rank))
    runs, anchors, latest = _runs(order, parents, messages, base)
    for run in runs:
        run.id = imported_id(SOURCE, key, run.pieces[0].node)
    title = text_of(data.get("title"))
    conversation = Conversation(title=title, id=imported_id(SOURCE, key), created=base)
    conversation.title_set = bool(title)
    default_model = text_of(data.get("default_model_slug")) or None
    for run in runs:
        conversation.attach(run.message(default_model))
    conversation.leaf_id = _leaf(runs, anchors.get(text_of(data.get("current_node"))))
    updated = seconds(data.get("update_time"))
    settle(conversation, latest if updated is None else updated)
    return conversation


def _read_nodes(
    mapping: dict[str, Any], fail: NodeFail
) -> tuple[dict[str, str | None], dict[str, dict[str, Any]], dict[str, int]]:
    """Each node's parent, its message (when it has one), and its place among its parent's
    children as the parent lists them."""
    parents: dict[str, str | None] = {}
    messages: dict[str, dict[str, Any]] = {}
    for node_id, node in mapping.items():
        node = need_object(node, fail, node_id, "the node")
        parent = node.get("parent")
        if parent is not None and not isinstance(parent, str):
            fail(node_id, "its “parent” should be the id of a node")
        parents[node_id] = parent
        if node.get("message") is not None:
            messages[node_id] = need_object(node["message"], fail, node_id, "its “message”")
    rank: dict[str, int] = {}
    for node_id, node in mapping.items():
        kids = node.get("children")
        for position, kid in enumerate(kids if isinstance(kids, list) else []):
            if isinstance(kid, str) and parents.get(kid) == node_id:
                rank.setdefault(kid, position)
    return parents, messages, rank


def _key(data: dict[str, Any], mapping: dict[str, Any]) -> str:
    """The conversation's own id; for an export without one, what stands in for it."""
    for name in ("conversation_id", "id"):
        if found := text_of(data.get(name)):
            return found
    title, created = text_of(data.get("title")), repr(seconds(data.get("create_time")))
    return "\x1f".join(("untitled", title, created, min(mapping, default="")))


def _base_time(data: dict[str, Any], messages: dict[str, dict[str, Any]]) -> float:
    """The conversation's time: its own, else its first message's, else 0."""
    own = seconds(data.get("create_time"))
    if own is not None:
        return own
    times = [t for m in messages.values() if (t := seconds(m.get("create_time"))) is not None]
    return min(times, default=0.0)


def _runs(
    order: list[str],
    parents: dict[str, str | None],
    messages: dict[str, dict[str, Any]],
    base: float,
) -> tuple[list[_Run], dict[str, _Run], float]:
    """The messages to make (parents first), for each node the one that shows it (its
    nearest shown ancestor's, for a node not shown), and the time of the newest node."""
    when: dict[str, float] = {}
    shown_above: dict[str, str | None] = {}
    pieces: dict[str, tuple[_Piece, str | None]] = {}
    kids: Counter[str | None] = Counter()
    for node in order:
        parent = parents[node] if parents[node] in when else None
        message = messages.get(node)
        own = seconds(message.get("create_time")) if message else None
        when[node] = own if own is not None else (when[parent] if parent else base)
        above = shown_above[parent] if parent else None
        piece = _piece(node, message, when[node]) if message else None
        shown_above[node] = node if piece else above
        if piece:
            pieces[node] = (piece, above)
            kids[above] += 1
    runs, anchors = _joined(order, pieces, kids, shown_above)
    return runs, anchors, max(when.values(), default=base)


def _joined(
    order: list[str],
    pieces: dict[str, tuple[_Piece, str | None]],
    kids: Counter[str | None],
    shown_above: dict[str, str | None],
) -> tuple[list[_Run], dict[str, _Run]]:
    runs: list[_Run] = []
    run_of: dict[str, _Run] = {}
    for node in order:
        if node not in pieces:
            continue
        piece, above = pieces[node]
        up = run_of[above] if above else None
        reply = piece.role == "assistant" and up is not None and up.pieces[0].role == "assistant"
        if up is not None and reply and kids[above] == 1:
            up.pieces.append(piece)
            run_of[node] = up
        else:
            run_of[node] = _Run([piece], up)
            runs.append(run_of[node])
    anchors = {node: run_of[s] for node, s in shown_above.items() if s is not None}
    return runs, anchors


def _leaf(runs: list[_Run], current: _Run | None) -> str | None:
    """The end of the active branch: ChatGPT's current node, else the newest reply."""
    if current is not None:
        return current.id
    parents = {id(r.parent) for r in runs}
    newest: _Run | None = None
    for run in runs:
        if id(run) not in parents and (newest is None or run.created >= newest.created):
            newest = run
    return newest.id if newest else None


def _piece(node: str, message: dict[str, Any], created: float) -> _Piece | None:
    """What a node's message shows, or None when it shows nothing."""
    author = message.get("author")
    role = text_of(author.get("role")) if isinstance(author, dict) else ""
    metadata = message.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    content = message.get("content")
    content = content if isinstance(content, dict) else {}
    kind = text_of(content.get("content_type"))
    if _hidden(role, kind, metadata):
        return None
    piece = _Piece(node, _ROLES[role], created, model=text_of(metadata.get("model_slug")) or None)
    piece.content = _shown(kind, content, role, message.get("recipient"))
    if kind == "thoughts":
        piece.thoughts = _thoughts(content.get("thoughts"))
    elif kind == "reasoning_recap":
        piece.recap = text_of(content.get("content"))
    if not (piece.content or piece.thoughts or piece.recap):
        return None
    details = metadata.get("finish_details")
    if isinstance(details, dict):
        piece.finish = text_of(details.get("type")) or None
    return piece


def _hidden(role: str, kind: str, metadata: dict[str, Any]) -> bool:
    return (
        role not in _ROLES
        or metadata.get("is_visually_hidden_from_conversation") is True
        or kind in _HIDDEN_TYPES
        or (role == "tool" and kind in _PLUMBING_TYPES)
    )


def _shown(kind: str, content: dict[str, Any], role: str, recipient: Any) -> str:
    if kind == "code":
        return _code(content, recipient)
    if kind == "execution_output":
        output = text_of(content.get("text"))
        return fenced(output, "text") if output else ""
    if kind == "tether_quote":
        return _quote(content)
    if kind in ("thoughts", "reasoning_recap"):
        return ""
    text = _parts(content)
    if role == "assistant" and recipient not in (None, "all") and text:
        return fenced(text)  # a call of a tool, in text
    return text


def _code(content: dict[str, Any], recipient: Any) -> str:
    code = text_of(content.get("text"))
    if not code:
        return ""
    language = text_of(content.get("language"))
    if language in ("", "unknown"):
        language = "python" if recipient == "python" else ""
    return fenced(code, language)


def _quote(content: dict[str, Any]) -> str:
    text, title, url = (text_of(content.get(k)) for k in ("text", "title", "url"))
    source = f"{title} ({url})" if title and url else title or url
    if not text:
        return f"> — {source}" if source else ""
    return quoted(text) + (f"\n>\n> — {source}" if source else "")


def _parts(content: dict[str, Any]) -> str:
    """The text parts joined, files as placeholders; else the content's ``text``."""
    parts = content.get("parts")
    shown = [_part(p) for p in parts] if isinstance(parts, list) else []
    return "\n\n".join(s for s in shown if s) or text_of(content.get("text"))


def _part(part: Any) -> str:
    if not isinstance(part, dict):
        return text_of(part)
    kind = text_of(part.get("content_type"))
    if kind.endswith("asset_pointer"):
        name = text_of(part.get("asset_pointer")).split("://", 1)[-1] or "?"
        what = "image" if "image" in kind else "audio" if "audio" in kind else "file"
        return f"[{what}: {name}]"
    return text_of(part.get("text"))


def _thoughts(thoughts: Any) -> str:
    """A model's thoughts: each one's summary, then its text."""
    written: list[str] = []
    for thought in thoughts if isinstance(thoughts, list) else []:
        if isinstance(thought, dict):
            written += [t for k in ("summary", "content") if (t := text_of(thought.get(k)))]
    return "\n\n".join(written)
