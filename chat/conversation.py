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
    finish_reason: str | None = None
    error: str | None = None
    note: str = ""
    """Something the user should know about the reply (the model was replaced, say)."""
    usage: dict[str, int | None] = field(default_factory=dict)

    def to_provider(self) -> dict[str, Any]:
        return {"role": self.role, "content": self.content}


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
    ) -> list[dict[str, Any]]:
        """The messages to send for a reply, in OpenAI form.

        Failed or empty replies are left out. Without ``with_history`` only the last user
        message goes; without ``with_system`` the system prompt is folded into it.
        """
        turns = [
            m
            for m in self.messages[: self.messages.index(until) if until else None]
            if m.content and m.state in (MessageState.COMPLETE, MessageState.CANCELLED)
        ]
        if not with_history:
            turns = [m for m in turns if m.role == "user"][-1:]
        sent = [m.to_provider() for m in turns]
        if self.system_prompt:
            if with_system:
                sent.insert(0, {"role": "system", "content": self.system_prompt})
            elif sent:
                first = sent[0]
                first["content"] = f"{self.system_prompt}\n\n{first['content']}"
        return sent
