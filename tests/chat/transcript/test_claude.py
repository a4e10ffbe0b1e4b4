"""Claude's export: content blocks, attachments, branches, and any conversation at all."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat.conversation import Conversation
from chat.transcript.claude import conversation_from_claude
from chat.transcript.errors import TranscriptError
from chat.transcript.ids import imported_id
from tests.chat.transcript import sample_exports as samples
from tests.chat.transcript.sample_exports import ROOT, T0
from tests.chat.transcript.test_chatgpt import _tree
from tests.support.fuzz import only_raises


def _read(item: dict[str, Any], index: int = 0) -> Conversation:
    return conversation_from_claude(item, index=index)


def test_branches_come_from_parent_links_and_the_newest_leaf_is_active() -> None:
    conversation = _read(samples.claude_branches())
    notes = "````\n晚安 means good night.\n```not a fence end\n````"
    assert _tree(conversation) == [
        (0, "user", "Translate “good morning” into Russian"),
        (1, "assistant", "Доброе утро!"),
        (
            0,
            "user",
            f"Now “good night” into Chinese, see my notes\n\n[attachment: notes.txt]\n\n{notes}",
        ),
        (1, "assistant", "晚安 (wǎn ān)."),
        (1, "assistant", "晚安！🌙"),
    ]
    assert [m.content for m in conversation.messages][-1] == "晚安！🌙"
    first_reply = conversation.children(conversation.children(None)[0])[0]
    assert first_reply.reasoning == "A greeting; the usual one is «Доброе утро»."


def test_the_conversation_keeps_its_title_times_and_ids() -> None:
    conversation = _read(samples.claude_branches())
    assert (conversation.title, conversation.title_set) == ("Переводы 🌍", True)
    assert (conversation.created, conversation.updated) == (T0 + 10, T0 + 31)
    assert conversation.id == imported_id("claude", "k-branches")
    assert conversation.leaf_id == imported_id("claude", "k-branches", "a3")
    reply = conversation.messages[-1]
    assert (reply.provider, reply.model, reply.created) == ("Claude", None, T0 + 30)
    assert conversation.messages[0].provider is None


def test_an_older_export_is_one_branch_with_tools_and_files() -> None:
    conversation = _read(samples.claude_linear())
    assert [(m.role, m.content) for m in conversation.messages] == [
        ("user", "What is 2+2?"),
        ("assistant", "4"),
        ("user", "And write hello in Python\n\n[file: photo.png]"),
        (
            "assistant",
            'Here it is:\n\nUsed artifacts:\n\n```json\n{\n  "id": "hello",\n'
            '  "type": "application/vnd.ant.code",\n  "language": "python"\n}\n```'
            "\n\n```python\nprint('hi')\n```\n\nResult of artifacts:\n\n```text\nOK\n```"
            "\n\nRun it.",
        ),
    ]
    assert len(conversation.all_messages()) == 4
    assert [m.created for m in conversation.messages] == [T0 + 500, T0 + 501, T0 + 600, T0 + 601]


def test_an_empty_conversation_has_no_messages() -> None:
    conversation = _read(samples.claude_empty())
    assert (conversation.title, conversation.leaf_id, conversation.messages) == ("", None, [])
    assert conversation.created == T0 + 900


def _said(uuid: str, sender: str, **fields: Any) -> dict[str, Any]:
    return {"uuid": uuid, "sender": sender, "text": "", **fields}


def _conversation(*messages: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"uuid": "k", "name": "n", "chat_messages": list(messages), **fields}


def test_blocks_are_read_before_the_flat_text_which_stands_in_when_they_show_nothing() -> None:
    blocks = [{"type": "text", "text": "from blocks"}]
    item = _conversation(
        _said("1", "human", text="flat", content=blocks),
        _said("2", "assistant", text="flat too", content=[{"type": "thinking", "thinking": "hm"}]),
    )
    question, reply = _read(item).messages
    assert question.content == "from blocks"
    assert (reply.content, reply.reasoning) == ("flat too", "hm")


def test_tool_calls_and_results_of_every_shape_are_readable() -> None:
    blocks = [
        {"type": "tool_use", "name": "web_search", "input": {"query": "晚安"}},
        {"type": "tool_use", "name": "noop", "input": {}},
        {"type": "tool_result", "name": "web_search", "content": "plain", "is_error": True},
        {"type": "tool_result", "content": []},
        {"type": "image", "source": {}},
        "not a block",
    ]
    reply = _read(_conversation(_said("1", "assistant", content=blocks))).messages[0]
    assert reply.content == (
        'Used web_search:\n\n```json\n{\n  "query": "晚安"\n}\n```\n\nUsed noop.\n\n'
        "web_search failed:\n\n```text\nplain\n```\n\nResult of the tool: nothing."
    )


def test_a_parent_that_is_not_there_makes_a_first_message_and_a_tie_goes_to_the_later() -> None:
    item = _conversation(
        _said("1", "human", text="q", parent_message_uuid=ROOT, created_at="2024-01-01T00:00:00Z"),
        _said("2", "assistant", text="a", parent_message_uuid="1"),
        _said("3", "assistant", text="b", parent_message_uuid="1"),
        _said("4", "human", text="lost", parent_message_uuid="gone"),
    )
    conversation = _read(item)
    assert [c for _, _, c in _tree(conversation)] == ["q", "a", "b", "lost"]
    assert conversation.messages[-1].content == "lost"  # all of one time: the last in the file
    assert conversation.created == 1704067200.0
    assert [m.created for m in conversation.all_messages()] == [1704067200.0] * 4


def test_times_in_any_iso_form_are_read_and_others_inherited() -> None:
    item = _conversation(
        _said("1", "human", text="q", created_at="2024-01-01T01:00:00+01:00"),
        _said("2", "assistant", text="a", created_at="2024-01-01T00:00:01.5"),
        _said("3", "human", text="r", created_at="yesterday"),
        _said("4", "human", text="s", created_at="9" * 100),
    )
    conversation = _read(item)
    assert [m.created for m in conversation.messages] == [
        1704067200.0,
        1704067201.5,
        1704067201.5,
        1704067201.5,
    ]


def test_a_message_without_a_uuid_is_named_by_its_place() -> None:
    item = _conversation({"sender": "human", "text": "q"}, {"sender": "assistant", "text": "a"})
    conversation = _read(item)
    assert conversation.leaf_id == imported_id("claude", "k", "#2")
    del item["uuid"]
    assert _read(item).id == imported_id("claude", "\x1f".join(("untitled", "n", "")))


def test_importing_twice_gives_the_same_ids() -> None:
    first, second = _read(samples.claude_branches()), _read(samples.claude_branches())
    assert [m.id for m in first.all_messages()] == [m.id for m in second.all_messages()]


def test_a_broken_conversation_names_itself_and_the_message() -> None:
    cases: list[tuple[Any, str, str]] = [
        ("x", "conversation 4 should be an object, found text", "conversation 4"),
        ({"name": "Имя"}, "its “chat_messages” should be a list", "conversation 4 ('Имя')"),
        (
            _conversation(3),
            "the message should be an object, found a number",
            "conversation 4 ('n'), message '#1'",
        ),
        (
            _conversation(_said("m", "robot")),
            "its “sender” should be “human” or “assistant”",
            "conversation 4 ('n'), message 'm'",
        ),
        (
            _conversation(_said("m", "human"), _said("m", "human")),
            "two messages have this id",
            "conversation 4 ('n'), message 'm'",
        ),
    ]
    for item, detail, where in cases:
        with pytest.raises(TranscriptError) as caught:
            conversation_from_claude(item, index=3)
        assert (caught.value.detail, caught.value.where) == (detail, where)
        assert caught.value.sentence.startswith("This Claude export has a conversation")


def test_a_long_conversation_and_a_loop_end() -> None:
    chain = [
        _said(
            str(i),
            "human" if i % 2 else "assistant",
            text="t",
            parent_message_uuid=str(i - 1) if i else ROOT,
        )
        for i in range(30_000)
    ]
    conversation = only_raises(lambda: _read(_conversation(*chain)))
    assert isinstance(conversation, Conversation)
    assert len(conversation.messages) == 30_000
    loop = _conversation(
        _said("a", "human", parent_message_uuid="b"), _said("b", "human", parent_message_uuid="a")
    )
    assert _read(loop).all_messages() == []


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
_uuids = st.sampled_from(["a", "b", "c", ROOT])
_blocks = st.fixed_dictionaries(
    {"type": st.sampled_from(["text", "thinking", "tool_use", "tool_result"]) | _json},
    optional={"text": _json, "thinking": _json, "name": _json, "input": _json, "content": _json},
)
_messages = st.fixed_dictionaries(
    {"sender": st.sampled_from(["human", "assistant"])},
    optional={
        "uuid": _uuids | _json,
        "text": _json,
        "content": st.lists(_blocks | _json, max_size=3) | _json,
        "parent_message_uuid": _uuids | _json,
        "created_at": st.sampled_from(["2024-01-01T00:00:00Z"]) | _json,
        "attachments": st.lists(
            st.fixed_dictionaries({}, optional={"file_name": _json, "extracted_content": _json}),
            max_size=2,
        )
        | _json,
        "files": st.lists(
            st.fixed_dictionaries({}, optional={"file_name": _json}) | _json, max_size=2
        ),
    },
)
_items = st.fixed_dictionaries(
    {"chat_messages": st.lists(_messages, max_size=5) | _json},
    optional={
        "uuid": _json,
        "name": _json,
        "created_at": _json,
        "updated_at": _json,
        "model": _json,
    },
)


@pytest.mark.fuzz
@given(item=_items | _json)
def test_any_conversation_raises_only_a_transcript_error_or_reads(item: Any) -> None:
    found = only_raises(lambda: conversation_from_claude(item, index=0), TranscriptError)
    if isinstance(found, Conversation):
        for message in found.all_messages():
            assert message.parent_id is None or found.get(message.parent_id) is not None
        assert (found.leaf_id is None) == (not found.all_messages())
