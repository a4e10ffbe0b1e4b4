"""Claude's export at its edges: the model, tools and attachments word for word, the newest
leaf, the ids of an export without ids, and a conversation without times."""

from __future__ import annotations

from typing import Any

from chat.conversation import Conversation
from chat.transcript.claude import ROOT, conversation_from_claude
from chat.transcript.ids import imported_id


def _message(uuid: str, sender: str = "human", **fields: Any) -> dict[str, Any]:
    return {"uuid": uuid, "sender": sender, "text": "", **fields}


def _read(*messages: dict[str, Any], **fields: Any) -> Conversation:
    data = {"uuid": "c1", "name": "T", "chat_messages": list(messages), **fields}
    return conversation_from_claude(data, index=0)


def _shown(**fields: Any) -> str:
    """What one question with ``fields`` shows."""
    return _read(_message("q", **fields)).messages[0].content


def test_replies_name_the_conversations_model_and_questions_none() -> None:
    conversation = _read(
        _message("q", text="Q"), _message("a", "assistant", text="A"), model="claude-3-opus"
    )
    question, reply = conversation.messages
    assert (reply.provider, reply.model) == ("Claude", "claude-3-opus")
    assert (question.provider, question.model) == (None, None)


def test_the_thinking_of_a_reply_over_several_blocks_is_joined() -> None:
    blocks = [
        {"type": "thinking", "thinking": "one"},
        {"type": "thinking", "thinking": "two"},
        {"type": "text", "text": "A"},
    ]
    reply = _read(_message("a", "assistant", content=blocks)).messages[0]
    assert (reply.content, reply.reasoning) == ("A", "one\n\ntwo")


def test_a_block_that_is_no_object_is_passed_over() -> None:
    assert _shown(content=["junk", {"type": "text", "text": "said"}]) == "said"


def test_a_tool_used_without_a_name_or_input() -> None:
    assert _shown(content=[{"type": "tool_use"}]) == "Used a tool."


def test_the_text_parts_of_a_tool_result_are_joined() -> None:
    result = {"type": "tool_result", "name": "search", "content": [{"text": "a"}, {"text": "b"}]}
    assert _shown(content=[result]) == "Result of search:\n\n```text\na\n\nb\n```"


def test_an_attachment_without_a_name_or_text_shows_as_so() -> None:
    assert _shown(attachments=[{}]) == "[attachment: unnamed]"
    assert _shown(attachments=[{"file_name": "a.txt"}]) == "[attachment: a.txt]"


def test_a_file_shows_once_beside_its_attachment_and_only_with_a_name() -> None:
    shown = _shown(
        text="Q",
        attachments=[{"file_name": "a.txt", "extracted_content": "hi"}],
        files=[{"file_name": "a.txt"}, {"file_name": ""}, "junk", {"file_name": "b.png"}],
    )
    assert shown == "Q\n\n[attachment: a.txt]\n\n```\nhi\n```\n\n[file: b.png]"


def test_the_newest_leaf_ends_the_branch_whatever_its_id() -> None:
    conversation = _read(
        _message("q", created_at="2024-01-01T00:00:00Z", text="Q"),
        _message(
            "b",
            "assistant",
            created_at="2024-01-01T00:00:02Z",
            text="newer",
            parent_message_uuid="q",
        ),
        _message(
            "z",
            "assistant",
            created_at="2024-01-01T00:00:01Z",
            text="older",
            parent_message_uuid="q",
        ),
    )
    assert [m.content for m in conversation.messages] == ["Q", "newer"]


def test_a_parent_named_as_the_root_is_no_parent_even_if_a_message_has_that_id() -> None:
    conversation = _read(
        _message(ROOT, text="odd", parent_message_uuid=ROOT),
        _message("q", text="Q", parent_message_uuid=ROOT),
    )
    assert [m.parent_id for m in conversation.all_messages()] == [None, None]


def test_a_conversation_without_any_time_began_at_0() -> None:
    conversation = _read(_message("q", text="Q"))
    assert conversation.created == 0.0
    assert conversation.messages[0].created == 0.0


def test_an_export_without_ids_gets_the_same_ids_as_ever() -> None:
    data = {"name": "Plan", "created_at": "2024-01-01T00:00:00Z", "chat_messages": []}
    assert conversation_from_claude(data, index=0).id == "0e5d8c04f85a5c158795e6e052b0a8ff"
    other = {**data, "created_at": "2024-01-02T00:00:00Z"}
    assert conversation_from_claude(other, index=0).id != conversation_from_claude(data, index=0).id
    assert imported_id("claude", "c1") == _read().id
