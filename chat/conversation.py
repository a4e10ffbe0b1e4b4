"""Conversations: a tree of messages with one active branch, announcing every change."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class MessageState(Enum):
    """Where a message is in its life; only assistant replies pass through the first states."""

    PENDING = "pending"
    STREAMING = "streaming"
    COMPLETE = "complete"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    """Parley ended (a crash, a power cut) while the reply streamed; its text so far is kept."""


KEPT_STATES = (MessageState.COMPLETE, MessageState.CANCELLED, MessageState.INTERRUPTED)
"""Replies whose text is sent back as history (a failed one's is not)."""


@dataclass(frozen=True, slots=True)
class ReplyError:
    """Why a reply failed: what sort of failure (``kind``, see ``providers.errors.ErrorKind``),
    the sentence the user reads, and what the service said (status, seconds to wait)."""

    kind: str
    sentence: str
    provider: str | None = None
    status: int | None = None
    retry_after: float | None = None

    def __str__(self) -> str:
        return self.sentence


def _new_id() -> str:
    """A random UUID (version 4) as 32 hex digits, made without the uuid module: importing
    it (and the platform module behind it) would hold up the window's first paint."""
    digest = bytearray(os.urandom(16))
    digest[6] = (digest[6] & 0x0F) | 0x40
    digest[8] = (digest[8] & 0x3F) | 0x80
    return digest.hex()


@dataclass(slots=True)
class Message:
    """One turn. An assistant reply keeps whatever text arrived, even when it failed."""

    role: str
    content: str
    id: str = field(default_factory=_new_id)
    created: float = field(default_factory=time.time)
    state: MessageState = MessageState.COMPLETE
    provider: str | None = None
    model: str | None = None
    reasoning: str = ""
    signature: str = ""
    """The service's signature of the reasoning, sent back with it when the API needs it."""
    finish_reason: str | None = None
    error: ReplyError | None = None
    note: str = ""
    """Something the user should know about the reply (the model was replaced, say)."""
    usage: dict[str, int | None] = field(default_factory=dict)
    parent_id: str | None = None
    """The message this one answers or follows; None for the first of a conversation."""
    first_token_s: float | None = None
    """Seconds from sending the request to the first text or reasoning."""
    duration_s: float | None = None
    """Seconds from sending the request to the reply's end."""
    reasoning_s: float | None = None
    """Seconds the model reasoned before its answer began (None: not measured)."""

    def to_provider(self) -> dict[str, Any]:
        sent: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.signature:
            sent.update(reasoning=self.reasoning, signature=self.signature)
        return sent


@dataclass(frozen=True, slots=True)
class MessageAdded:
    message: Message


@dataclass(frozen=True, slots=True)
class MessageChanged:
    """A message's state, text or record changed (a reply ended, say). ``restreamed``: the
    text streamed so far is in the message now (it turned out to be reasoning), so the pieces
    announced before no longer count."""

    message: Message
    restreamed: bool = False


@dataclass(frozen=True, slots=True)
class TextStreamed:
    """A piece of a streaming reply arrived (``reasoning`` when it is the model's thinking)."""

    message: Message
    text: str
    reasoning: bool = False


@dataclass(frozen=True, slots=True)
class BranchSwitched:
    """Another branch became the active one; ``Conversation.messages`` is its path."""

    leaf: Message | None


@dataclass(frozen=True, slots=True)
class MessagesRemoved:
    """The user deleted ``messages`` (a message and everything that followed it)."""

    messages: tuple[Message, ...]


@dataclass(frozen=True, slots=True)
class DetailsChanged:
    """The title, pin, system prompt, provider, model, options or history limit changed."""


Change = (
    MessageAdded | MessageChanged | TextStreamed | BranchSwitched | MessagesRemoved | DetailsChanged
)
Listener = Callable[["Conversation", Change], None]

TITLE_CHARS = 60


@dataclass(slots=True, eq=False)
class Conversation:
    """A tree of messages: editing a question or asking for another reply adds a sibling, and
    the active branch (root to ``leaf``) is what is shown and sent. Listeners hear every change
    (the store writes them down; the window shows them)."""

    title: str = ""
    id: str = field(default_factory=_new_id)
    created: float = field(default_factory=time.time)
    updated: float = 0.0
    system_prompt: str = ""
    pinned: bool = False
    provider: str | None = None
    model: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    title_set: bool = False
    """The user named it: the first question no longer gives the title."""
    history_turns: int = 0
    """Send only the last this many questions (with their replies) as history; 0: all."""
    leaf_id: str | None = None
    _nodes: dict[str, Message] = field(default_factory=dict, repr=False)
    _children: dict[str | None, list[str]] = field(default_factory=dict, repr=False)
    _listeners: list[Listener] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.updated = self.updated or self.created

    # -- reading

    @property
    def messages(self) -> list[Message]:
        """The active branch, first message first."""
        return self.path_to(self._nodes[self.leaf_id]) if self.leaf_id else []

    def all_messages(self) -> list[Message]:
        """Every message of every branch, in the order they were added."""
        return list(self._nodes.values())

    def get(self, message_id: str) -> Message | None:
        return self._nodes.get(message_id)

    def path_to(self, message: Message) -> list[Message]:
        """From the first message to ``message``, inclusive."""
        path = [message]
        while path[-1].parent_id is not None:
            path.append(self._nodes[path[-1].parent_id])
        path.reverse()
        return path

    def children(self, message: Message | None) -> list[Message]:
        return [self._nodes[i] for i in self._children.get(message.id if message else None, [])]

    def siblings(self, message: Message) -> list[Message]:
        """``message`` and the other versions of it (same parent), oldest first."""
        return [self._nodes[i] for i in self._children[message.parent_id]]

    # -- changing

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(conversation, change)`` on every change; returns the unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _emit(self, change: Change) -> None:
        for listener in list(self._listeners):
            listener(self, change)

    def add(self, role: str, content: str, **kwargs: Any) -> Message:
        """A new message at the end of the active branch (or under ``parent_id`` if given)."""
        kwargs.setdefault("parent_id", self.leaf_id)
        message = Message(role, content, **kwargs)
        self.attach(message)
        self.leaf_id = message.id
        self.updated = max(self.updated, message.created)
        if not self.title_set and role == "user" and not self.title:
            self.title = " ".join(content.split())[:TITLE_CHARS]
        self._emit(MessageAdded(message))
        return message

    def attach(self, message: Message) -> None:
        """Put a message read back from the store in its place (no change is announced)."""
        if message.parent_id is not None and message.parent_id not in self._nodes:
            raise ValueError(f"message {message.id} follows {message.parent_id}, not yet here")
        self._nodes[message.id] = message
        self._children.setdefault(message.parent_id, []).append(message.id)

    def edit(self, message: Message, content: str) -> Message:
        """A new version of the user's ``message``, beside it; the old one stays."""
        return self.add(message.role, content, parent_id=message.parent_id)

    def switch_to(self, message: Message) -> None:
        """Make the branch through ``message`` active, down to its newest descendant."""
        leaf = self._newest_under(message)
        self.leaf_id = leaf.id
        self._emit(BranchSwitched(leaf))

    def remove(self, message: Message) -> list[Message]:
        """Delete ``message`` and everything that follows it, in every branch; returns what
        went. When it was on the active branch, a version beside it takes its place (the
        one before it, else the one after), or else the message it followed."""
        gone = self._subtree(message)
        on_branch = message in self.messages
        siblings = self._children[message.parent_id]
        at = siblings.index(message.id)
        del siblings[at]
        if not siblings:
            del self._children[message.parent_id]
        for each in gone:
            del self._nodes[each.id]
            self._children.pop(each.id, None)
        if on_branch:
            if siblings:
                self.leaf_id = self._newest_under(self._nodes[siblings[max(0, at - 1)]]).id
            else:
                self.leaf_id = message.parent_id
        self.updated = max(self.updated, time.time())
        self._emit(MessagesRemoved(tuple(gone)))
        return gone

    def restore(self, messages: list[Message], leaf_id: str | None) -> None:
        """Put back what ``remove`` returned (each one as a new message, so the store writes
        it again), and make the branch that ended at ``leaf_id`` active again."""
        for message in messages:
            self.attach(message)
            self._emit(MessageAdded(message))
        self.leaf_id = leaf_id if leaf_id in self._nodes else self.leaf_id
        self._emit(BranchSwitched(self.get(self.leaf_id) if self.leaf_id else None))

    def _subtree(self, message: Message) -> list[Message]:
        """``message`` and all that follows it, parents before children."""
        found, at = [message], 0
        while at < len(found):
            found += [self._nodes[i] for i in self._children.get(found[at].id, [])]
            at += 1
        return found

    def _newest_under(self, message: Message) -> Message:
        """The end of the newest branch through ``message``."""
        leaf = message
        while kids := self._children.get(leaf.id):
            leaf = self._nodes[kids[-1]]
        return leaf

    def truncate_to(self, message: Message | None) -> None:
        """Make ``message`` the end of the active branch (None: before the first message), so
        that the next message added is a new version of what followed it."""
        self.leaf_id = message.id if message else None
        self._emit(BranchSwitched(message))

    def changed(self, message: Message, *, restreamed: bool = False) -> None:
        """Announce that ``message`` changed (its state, text or record); ``restreamed``
        when it now holds the text streamed so far (see ``MessageChanged``)."""
        self.updated = max(self.updated, time.time())
        self._emit(MessageChanged(message, restreamed))

    def streamed(self, message: Message, text: str, *, reasoning: bool = False) -> None:
        """Announce a piece of ``message``'s streaming text (``message`` itself is updated at
        the end, with ``changed``)."""
        self._emit(TextStreamed(message, text, reasoning))

    def rename(self, title: str) -> None:
        self.title = " ".join(title.split())
        self.title_set = True
        self._emit(DetailsChanged())

    def update(self, **details: Any) -> None:
        """Set ``pinned``, ``system_prompt``, ``provider``, ``model``, ``options`` or
        ``history_turns``."""
        for name, value in details.items():
            if name not in _DETAILS:
                raise TypeError(f"not a detail of a conversation: {name}")
            setattr(self, name, value)
        self._emit(DetailsChanged())

    def history(
        self,
        *,
        until: Message | None = None,
        with_history: bool = True,
        with_system: bool = True,
        alternating: bool = False,
    ) -> list[dict[str, Any]]:
        """The messages to send for a reply, in OpenAI form: the active branch, or the path
        that leads to ``until`` (not included).

        Failed or empty replies are left out, and so is a user turn whose reply failed (the
        next user turn takes its place). Only the last ``history_turns`` questions go, with
        their replies, when it is set. Without ``with_history`` only the last user message
        goes; without ``with_system`` the system prompt is folded into the first one; with
        ``alternating`` turns of one role in a row are joined and a user turn comes first.
        """
        turns = _answered(self.path_to(until)[:-1] if until else self.messages)
        if self.history_turns > 0:
            turns = _last_questions(turns, self.history_turns)
        if not with_history:
            turns = [m for m in turns if m.role == "user"][-1:]
        sent = [m.to_provider() for m in turns]
        if alternating:
            sent = _alternated(sent)
        if self.system_prompt:
            if with_system:
                sent.insert(0, {"role": "system", "content": self.system_prompt})
            elif sent:
                first = sent[0]
                first["content"] = f"{self.system_prompt}\n\n{first['content']}"
        return sent


_DETAILS = frozenset({"pinned", "system_prompt", "provider", "model", "options", "history_turns"})


def _last_questions(turns: list[Message], count: int) -> list[Message]:
    """The turns from the ``count``-th last user turn on."""
    asked = [i for i, m in enumerate(turns) if m.role == "user"]
    return turns[asked[-count] :] if len(asked) > count else turns


def _answered(messages: list[Message]) -> list[Message]:
    """The turns worth sending: kept replies, and the user turns that got one (the last user
    turn too: it is the one being answered)."""
    kept = [m for m in messages if m.role != "assistant" or (m.content and m.state in KEPT_STATES)]
    return [
        m
        for i, m in enumerate(kept)
        if m.role != "user" or i + 1 == len(kept) or kept[i + 1].role != "user"
    ]


def _alternated(sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """User and assistant turns alternating, a user turn first: turns of one role in a row
    are joined; replies before the first user turn are left out."""
    joined: list[dict[str, Any]] = []
    for turn in sent:
        if not joined and turn["role"] != "user":
            continue
        if joined and joined[-1]["role"] == turn["role"]:
            last = joined[-1]
            joined[-1] = {
                "role": last["role"],
                "content": f"{last['content']}\n\n{turn['content']}",
            }
        else:
            joined.append(turn)
    return joined
