"""Prompt formatting shared by providers (as the seed sites expect it)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

from .types import Message, Messages


def content_text(content: Any) -> str:
    """A message's text: a string as is; a list of parts → the ``text`` parts joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list | tuple):
        return "".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, Mapping) and part.get("type") == "text"
        )
    return "" if content is None else str(content)


def format_prompt(messages: Messages) -> str:
    """One prompt string: ``"User: Hi\\nAssistant: Hello\\nUser: Q\\nAssistant:"``.

    A single message is its content alone; blank messages are left out.
    """
    if len(messages) == 1:
        return content_text(messages[0].get("content"))
    lines = [
        f"{str(message.get('role', 'user')).capitalize()}: {text}"
        for message in messages
        if (text := content_text(message.get("content"))).strip()
    ]
    return "\n".join(lines) + "\nAssistant:"


def format_conversation(messages: Messages) -> list[dict[str, Any]]:
    """Messages in chatgpt.com's ``backend-anon/conversation`` form."""
    return [_conversation_message(message) for message in messages]


def _conversation_message(message: Message) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "author": {"role": message.get("role", "user")},
        "content": {"content_type": "text", "parts": [content_text(message.get("content"))]},
        "metadata": {"serialization_metadata": {"custom_symbol_offsets": []}},
        "create_time": time.time(),
    }
