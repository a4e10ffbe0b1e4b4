"""Conversations and their messages: plain data, shaped for the on-disk store to come."""

from __future__ import annotations

import time
import uuid
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
    return uuid.uuid4().hex


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

    def to_provider(self) -> dict[str, Any]:
        sent: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.signature:
            sent.update(reasoning=self.reasoning, signature=self.signature)
        return sent


@dataclass(slots=True)
class Conversation:
    """An ordered list of messages with a title."""

    title: str = ""
    messages: list[Message] = field(default_factory=list)
    id: str = field(default_factory=_new_id)
    created: float = field(default_factory=time.time)
    system_prompt: str = ""

    def add(self, role: str, content: str, **kwargs: Any) -> Message:
        message = Message(role, content, **kwargs)
        self.messages.append(message)
        if not self.title and role == "user":
            self.title = " ".join(content.split())[:60]
        return message

    def history(
        self,
        *,
        until: Message | None = None,
        with_history: bool = True,
        with_system: bool = True,
        alternating: bool = False,
    ) -> list[dict[str, Any]]:
        """The messages to send for a reply, in OpenAI form.

        Failed or empty replies are left out, and so is a user turn whose reply failed (the
        next user turn takes its place). Without ``with_history`` only the last user message
        goes; without ``with_system`` the system prompt is folded into the first one; with
        ``alternating`` turns of one role in a row are joined and a user turn comes first.
        """
        turns = _answered(self.messages[: self.messages.index(until) if until else None])
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


def _answered(messages: list[Message]) -> list[Message]:
    """The turns worth sending: kept replies, and the user turns that got one (the last user
    turn too: it is the one being answered)."""
    kept = [
        m
        for m in messages
        if m.role != "assistant"
        or (m.content and m.state in (MessageState.COMPLETE, MessageState.CANCELLED))
    ]
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
