"""The chatgpt.com emulator's reply streams, in the cumulative and the delta encoding."""

from __future__ import annotations

import json
import uuid
from typing import Any

PIECE = 4
"""Characters of reply text per event."""
FINISH = {"type": "stop", "stop_tokens": [200002]}


def sse(data: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def pieces(text: str) -> list[str]:
    return [text[i : i + PIECE] for i in range(0, len(text), PIECE)] or [""]


def message(
    role: str, text: str, *, status: str = "in_progress", finish: bool = False, mid: str = ""
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"message_type": "next", "model_slug": "gpt-4o-mini"}
    if finish:
        metadata["finish_details"] = FINISH
        metadata["is_complete"] = True
    return {
        "id": mid or str(uuid.uuid4()),
        "author": {"role": role, "name": None, "metadata": {}},
        "create_time": 1795000000.5,
        "content": {"content_type": "text", "parts": [text]},
        "status": status,
        "end_turn": True if finish else None,
        "weight": 1.0,
        "metadata": metadata,
        "recipient": "all",
    }


def _echo(messages: list[dict[str, Any]], conversation: str) -> bytes:
    """The user's own message, in full, as both encodings begin."""
    last = messages[-1]
    echo = message("user", last["content"]["parts"][0], status="finished_successfully")
    echo["id"] = last["id"]
    return sse({"message": echo, "conversation_id": conversation, "error": None})


def cumulative(messages: list[dict[str, Any]], text: str) -> list[bytes]:
    """Each event carries the whole text so far in ``parts[0]``."""
    conversation, mid = str(uuid.uuid4()), str(uuid.uuid4())
    events = [_echo(messages, conversation)]
    done = ""
    for piece in pieces(text):
        done += piece
        events.append(
            sse(
                {
                    "message": message("assistant", done, mid=mid),
                    "conversation_id": conversation,
                    "error": None,
                }
            )
        )
    final = message("assistant", text, status="finished_successfully", finish=True, mid=mid)
    events.append(sse({"message": final, "conversation_id": conversation, "error": None}))
    events.append(sse({"type": "title_generation", "title": "Hi", "conversation_id": conversation}))
    return [*events, b"data: [DONE]\n\n"]


def delta(messages: list[dict[str, Any]], text: str) -> list[bytes]:
    """``v``/``p``/``o`` patches after the echo; a tool message's text must not count."""
    conversation = str(uuid.uuid4())
    events = [sse("v1", "delta_encoding"), _echo(messages, conversation)]
    events.append(sse({"v": {"message": message("tool", ""), "conversation_id": conversation}}))
    events.append(sse({"p": "/message/content/parts/0", "o": "append", "v": "tool says"}))
    events.append(sse({"v": " more"}))
    opened = {"message": message("assistant", ""), "conversation_id": conversation}
    events.append(sse({"p": "", "o": "add", "v": opened, "c": 0}, "delta"))
    parts = pieces(text)
    first, middle, last = parts[0], parts[1:-1], parts[-1] if len(parts) > 1 else ""
    events.append(sse({"p": "/message/content/parts/0", "o": "append", "v": first}, "delta"))
    events += [sse({"v": piece}, "delta") for piece in middle]
    patch = [
        {"p": "/message/content/parts/0", "o": "append", "v": last},
        {"p": "/message/status", "o": "replace", "v": "finished_successfully"},
        {"p": "/message/metadata", "o": "append", "v": {"finish_details": FINISH}},
    ]
    events.append(sse({"p": "", "o": "patch", "v": patch}, "delta"))
    events.append(sse({"type": "message_stream_complete", "conversation_id": conversation}))
    return [*events, b"data: [DONE]\n\n"]


def reply_events(encoding: str, messages: list[dict[str, Any]], text: str) -> list[bytes]:
    return delta(messages, text) if encoding == "delta" else cumulative(messages, text)
