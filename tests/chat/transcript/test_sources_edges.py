"""What the ChatGPT and Claude importers share, at its edges: long node ids in errors, a
code block's language, an empty line of a quote, when a conversation was last active, and a
title from its first question."""

from __future__ import annotations

from typing import Any

import pytest

from chat.conversation import Conversation
from chat.transcript.chatgpt import conversation_from_chatgpt
from chat.transcript.claude import conversation_from_claude
from chat.transcript.errors import TranscriptError

T0 = 1_700_000_000.0


def _node(node_id: str, parent: str | None, message: dict[str, Any] | None) -> dict[str, Any]:
    return {"id": node_id, "parent": parent, "children": [], "message": message}


def _question(text: str, created: float | None) -> dict[str, Any]:
    content = {"content_type": "text", "parts": [text]}
    return {"author": {"role": "user"}, "content": content, "create_time": created}


def _reply(content: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"author": {"role": "assistant"}, "content": content, "create_time": T0 + 2, **fields}


def _read(*nodes: dict[str, Any], **fields: Any) -> Conversation:
    data = {"title": "T", "create_time": T0, "mapping": {n["id"]: n for n in nodes}, **fields}
    return conversation_from_chatgpt(data, index=0)


def _shown(content: dict[str, Any], **fields: Any) -> str:
    conversation = _read(
        _node("q", None, _question("Q", T0 + 1)), _node("a", "q", _reply(content, **fields))
    )
    return conversation.messages[-1].content


def test_a_long_node_id_in_an_error_is_cut_at_80_characters() -> None:
    node = _node("n" * 100, 7, None)  # type: ignore[arg-type]
    with pytest.raises(TranscriptError) as caught:
        _read(node)
    assert str(caught.value) == (
        "This ChatGPT export has a conversation Parley cannot read: export it again, or "
        f"import the others without it. At conversation 1 ('T'), message '{'n' * 80}': "
        "its “parent” should be the id of a node"
    )


def test_a_code_block_s_language_keeps_only_the_characters_of_a_language_name() -> None:
    code = {"content_type": "code", "language": "shell script (bash)", "text": "ls"}
    assert _shown(code) == "```shellscriptbash\nls\n```"


def test_an_empty_line_of_a_quote_is_a_bare_quote_mark() -> None:
    quote = {"content_type": "tether_quote", "text": "one\n\ntwo", "title": "", "url": ""}
    assert _shown(quote) == "> one\n>\n> two"


def test_without_an_update_time_a_conversation_was_last_active_at_its_newest_message() -> None:
    messages = [
        {"uuid": "q", "sender": "human", "text": "Q", "created_at": "2024-01-01T00:00:00Z"},
        {"uuid": "a", "sender": "assistant", "text": "A", "created_at": "2024-01-01T00:00:50Z"},
    ]
    data = {"uuid": "c1", "created_at": "2023-12-31T00:00:00Z", "chat_messages": messages}
    assert conversation_from_claude(data, index=0).updated == 1_704_067_250.0
    later = {**data, "updated_at": "2024-01-02T00:00:00Z"}
    assert conversation_from_claude(later, index=0).updated == 1_704_153_600.0


def test_a_title_from_the_first_question_reads_its_first_240_characters() -> None:
    question = "Soup" + " " * 200 + "recipes" + " tonight" * 20
    conversation = _read(_node("q", None, _question(question, T0 + 1)), title="")
    assert conversation.title == "Soup recipes tonight tonight tonight toni"  # 4 x 60 read
