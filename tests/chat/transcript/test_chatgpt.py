"""ChatGPT's export: what each kind of node becomes, the branches, and any mapping at all."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat.conversation import Conversation, MessageState
from chat.transcript.chatgpt import conversation_from_chatgpt
from chat.transcript.errors import TranscriptError
from chat.transcript.ids import imported_id
from tests.chat.transcript import sample_exports as samples
from tests.chat.transcript.sample_exports import T0
from tests.support.fuzz import only_raises


def _read(item: dict[str, Any], index: int = 0) -> Conversation:
    return conversation_from_chatgpt(item, index=index)


def _tree(conversation: Conversation) -> list[tuple[int, str, str]]:
    """Every message as (depth, role, content), parents first, siblings in order."""
    found: list[tuple[int, str, str]] = []
    stack = [(0, m) for m in reversed(conversation.children(None))]
    while stack:
        depth, message = stack.pop()
        found.append((depth, message.role, message.content))
        stack.extend((depth + 1, c) for c in reversed(conversation.children(message)))
    return found


def test_hidden_nodes_go_and_a_tool_run_is_one_reply() -> None:
    conversation = _read(samples.chatgpt_python())
    assert _tree(conversation) == [
        (0, "user", "Посчитай сумму квадратов от 1 до 10 на Python"),
        (
            1,
            "assistant",
            "```python\nsum(i * i for i in range(1, 11))\n```\n\n```text\n385\n```"
            "\n\nСумма квадратов равна **385**.",
        ),
        (0, "user", "А сумму кубов?"),  # the edited question: a second version of the first
        (1, "assistant", "3025."),
        (1, "assistant", "Сумма кубов от 1 до 10 — 3025 (это 55²)."),  # regenerated
    ]
    assert [m.content for m in conversation.messages] == [
        "А сумму кубов?",
        "Сумма кубов от 1 до 10 — 3025 (это 55²).",
    ]
    assert conversation.system_prompt == ""  # custom instructions are not sent on
    assert "Отвечай" not in json.dumps([m.content for m in conversation.all_messages()])


def test_the_conversation_keeps_its_title_times_and_ids() -> None:
    conversation = _read(samples.chatgpt_python())
    assert (conversation.title, conversation.title_set) == ("Сумма квадратов", True)
    assert (conversation.created, conversation.updated) == (T0, T0 + 600.5)
    assert conversation.id == imported_id("chatgpt", "c-python")
    first = conversation.children(None)[0]
    assert first.id == imported_id("chatgpt", "c-python", "q1")
    reply = conversation.children(first)[0]
    assert reply.id == imported_id("chatgpt", "c-python", "code")  # a run is named by its first
    assert (conversation.provider, conversation.model) == (None, None)


def test_replies_name_the_service_their_model_and_how_they_ended() -> None:
    conversation = _read(samples.chatgpt_python())
    question, reply = conversation.messages
    assert (question.provider, question.model, question.finish_reason) == (None, None, None)
    assert (reply.provider, reply.model, reply.finish_reason) == ("ChatGPT", "gpt-4o-mini", "stop")
    assert (reply.state, reply.created) == (MessageState.COMPLETE, T0 + 70)
    older = conversation.siblings(reply)[0]
    assert (older.model, older.created) == ("gpt-4o", T0 + 61)


def test_images_browsing_and_pictures_become_readable_text() -> None:
    conversation = _read(samples.chatgpt_browsing())
    assert [(m.role, m.content) for m in conversation.messages] == [
        ("user", "[image: file-AbC123]\n\nWhat is in this picture? 🙂"),
        ("assistant", "A cat 🐈 sitting on a 书 (a book)."),
        ("user", "What's the weather in 北京?"),
        (
            "assistant",
            '```\nsearch("weather 北京")\n```\n\n> Beijing: sunny, 25 °C.\n> Wind: light.'
            "\n>\n> — Beijing weather (https://weather.example/beijing)"
            "\n\nIt is sunny in Beijing ☀️.",
        ),
        ("user", "Draw a cat reading a book"),
        (
            "assistant",
            '```json\n{"prompt": "a cat reading a book"}\n```'
            "\n\n[image: file_00000000abcd]\n\nHere is your cat.",
        ),
    ]
    assert len(conversation.all_messages()) == 6


def test_missing_times_come_from_the_messages_and_a_stopped_reply_is_cancelled() -> None:
    conversation = _read(samples.chatgpt_browsing())
    assert conversation.created == T0 + 100  # no conversation time: its first message's
    assert conversation.updated == T0 + 312  # no update time: its newest node's
    last = conversation.messages[-1]
    assert (last.state, last.finish_reason, last.created) == (
        MessageState.CANCELLED,
        "interrupted",
        T0 + 301,
    )


def test_thoughts_become_the_reasoning_and_the_recap_gives_way_to_them() -> None:
    conversation = _read(samples.chatgpt_thinking())
    _question, answer = conversation.messages
    assert answer.content == "4"
    assert answer.reasoning == "Checking the sum\n\n2 + 2 is 4.\n\nAnswering\n\nSay it plainly."
    assert (answer.model, answer.created) == ("o3", T0 + 1001)
    assert (conversation.title, conversation.title_set) == ("What is 2 + 2?", False)


def test_a_recap_alone_is_the_reasoning() -> None:
    item = samples.chatgpt_thinking()
    del item["mapping"]["t"]
    item["mapping"]["rc"]["parent"] = "u"
    answer = _read(item).messages[1]
    assert answer.reasoning == "Thought for 3 seconds"


def test_imported_ids_are_fixed_for_ever() -> None:
    """A change here would make every later import a copy of the earlier ones."""
    assert imported_id("chatgpt", "c") == "ad491635c68b518a93c9f48b923a6606"
    assert imported_id("chatgpt", "c", "n") == "0e4ec2082b045bd8beb849dc89af5c7a"
    assert imported_id("claude", "a\ud800") == "0aff9ba5cceb5b1391dfd5a15d930415"  # no error
    assert imported_id("x", "a", "b") != imported_id("x", "a\x1fb") != imported_id("x", "ab")


@pytest.mark.fuzz
@given(parts=st.lists(st.text(st.characters(exclude_categories=[])), min_size=1, max_size=3))
def test_imported_ids_are_uuid5_of_the_parts_as_json(parts: list[str]) -> None:
    name = json.dumps(parts)
    assert (
        imported_id(*parts)
        == uuid.uuid5(uuid.UUID("1b6aed14-378e-49e3-8347-88553c8bc02c"), name).hex
    )


def test_importing_twice_gives_the_same_ids() -> None:
    first, second = _read(samples.chatgpt_python()), _read(samples.chatgpt_python())
    assert first.id == second.id
    assert [m.id for m in first.all_messages()] == [m.id for m in second.all_messages()]
    assert first.leaf_id == second.leaf_id


# -- small mappings, one rule each


def _message(role: str, text: Any = "", **extra: Any) -> dict[str, Any]:
    content = text if isinstance(text, dict) else {"content_type": "text", "parts": [text]}
    return {"author": {"role": role}, "content": content, "create_time": None, **extra}


def _chain(*messages: dict[str, Any] | None, **conversation: Any) -> dict[str, Any]:
    """A conversation whose nodes follow one another: n0, n1, ..."""
    mapping = {
        f"n{i}": {"message": m, "parent": f"n{i - 1}" if i else None, "children": [f"n{i + 1}"]}
        for i, m in enumerate(messages)
    }
    return {
        "title": "t",
        "conversation_id": "c",
        "create_time": 5.0,
        "mapping": mapping,
        **conversation,
    }


def test_a_branch_after_a_tool_ends_the_run() -> None:
    item = _chain(
        _message("user", "q"),
        _message("assistant", {"content_type": "code", "language": "python", "text": "1+1"}),
        _message("tool", {"content_type": "execution_output", "text": "2"}),
        _message("assistant", "two"),
    )
    item["mapping"]["n4"] = {"message": _message("assistant", "2!"), "parent": "n2"}
    conversation = _read(item)
    assert _tree(conversation) == [
        (0, "user", "q"),
        (1, "assistant", "```python\n1+1\n```\n\n```text\n2\n```"),
        (2, "assistant", "two"),
        (2, "assistant", "2!"),
    ]
    assert conversation.messages[-1].content == "2!"  # no current node: the newest reply


def test_siblings_follow_the_order_their_parent_lists() -> None:
    item = _chain(_message("user", "q"))
    item["mapping"]["n0"]["children"] = ["b", "a"]
    item["mapping"]["a"] = {"message": _message("assistant", "A"), "parent": "n0"}
    item["mapping"]["b"] = {"message": _message("assistant", "B"), "parent": "n0"}
    assert [c for _, _, c in _tree(_read(item))] == ["q", "B", "A"]


def test_a_current_node_that_is_hidden_ends_the_branch_at_what_shows() -> None:
    hidden = _message("assistant", "x", metadata={"is_visually_hidden_from_conversation": True})
    item = _chain(_message("user", "q"), _message("assistant", "a"), hidden, current_node="n2")
    assert _read(item).messages[-1].content == "a"
    item["current_node"] = "nowhere"
    assert _read(item).messages[-1].content == "a"


def test_content_of_an_unknown_type_keeps_its_text() -> None:
    item = _chain(
        _message("user", {"content_type": "future_kind", "parts": ["seen", {"x": 1}, 3]}),
        _message("assistant", {"content_type": "another", "text": "also seen"}),
        _message("assistant", {"content_type": "nothing_to_show", "stuff": [1]}),
    )
    assert [m.content for m in _read(item).messages] == ["seen", "also seen"]


def test_plumbing_and_system_messages_are_left_out() -> None:
    item = _chain(
        _message("system", "You are ChatGPT."),
        _message("user", "q"),
        _message("assistant", "remember this", recipient="bio"),
        _message("tool", "Model set context updated."),
        _message("assistant", {"content_type": "model_editable_context", "model_set_context": "m"}),
        _message("assistant", "ok"),
    )
    assert [m.content for m in _read(item).messages] == ["q", "```\nremember this\n```\n\nok"]


def test_code_with_backticks_gets_a_longer_fence() -> None:
    code = {"content_type": "code", "language": "unknown", "text": "print('```')"}
    item = _chain(_message("user", "q"), _message("assistant", code, recipient="python"))
    assert _read(item).messages[1].content == "````python\nprint('```')\n````"


def test_times_missing_come_from_the_parent_then_the_conversation() -> None:
    item = _chain(
        _message("user", "q"), _message("assistant", "a", create_time=9.5), _message("user", "r")
    )
    conversation = _read(item)
    assert [m.created for m in conversation.messages] == [5.0, 9.5, 9.5]
    item["create_time"] = None
    assert _read(item).created == 9.5
    item["mapping"]["n1"]["message"]["create_time"] = float("inf")
    assert _read(item).created == 0.0


def test_a_conversation_without_its_id_is_named_by_what_it_holds() -> None:
    item = _chain(_message("user", "q"))
    del item["conversation_id"]
    item["id"] = "other"
    assert _read(item).id == imported_id("chatgpt", "other")
    del item["id"]
    assert _read(item).id == _read(json.loads(json.dumps(item))).id


def test_loops_and_missing_parents_end() -> None:
    item = _chain(_message("user", "q"), _message("assistant", "a"))
    item["mapping"]["x"] = {"message": _message("user", "loop x"), "parent": "y"}
    item["mapping"]["y"] = {"message": _message("user", "loop y"), "parent": "x"}
    item["mapping"]["z"] = {"message": _message("user", "self"), "parent": "z"}
    item["mapping"]["w"] = {"message": _message("user", "orphan"), "parent": "gone"}
    assert [c for _, _, c in _tree(_read(item))] == ["q", "a", "self", "orphan"]


def test_a_long_conversation_is_read_without_recursion() -> None:
    messages = [_message("user" if i % 2 else "assistant", f"m{i}") for i in range(30_000)]
    conversation = only_raises(lambda: _read(_chain(_message("user", "q"), *messages)))
    assert isinstance(conversation, Conversation)
    assert len(conversation.messages) == 30_001


def test_a_broken_structure_names_the_conversation_and_node() -> None:
    cases: list[tuple[Any, str]] = [
        ([], "conversation 3 should be an object, found a list"),
        ({"title": "Т", "mapping": []}, "its “mapping” should be an object, found a list"),
        ({"title": "Т", "mapping": {"n": 5}}, "the node should be an object, found a number"),
        (
            {"title": "Т", "mapping": {"n": {"parent": 1}}},
            "its “parent” should be the id of a node",
        ),
        (
            {"title": "Т", "mapping": {"n": {"message": "x"}}},
            "its “message” should be an object, found text",
        ),
    ]
    for item, detail in cases:
        with pytest.raises(TranscriptError) as caught:
            conversation_from_chatgpt(item, index=2)
        assert caught.value.detail == detail
        assert caught.value.where.startswith("conversation 3")
        assert caught.value.sentence.startswith("This ChatGPT export has a conversation")
    with pytest.raises(TranscriptError) as caught:
        conversation_from_chatgpt({"title": "Т", "mapping": {"n1": 5}}, index=0)
    assert caught.value.where == "conversation 1 ('Т'), message 'n1'"


# -- any mapping at all

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
_ids = st.sampled_from(["a", "b", "c", "d", "e"])
_contents = st.fixed_dictionaries(
    {
        "content_type": st.sampled_from(
            ["text", "code", "multimodal_text", "thoughts", "execution_output", "tether_quote", "x"]
        )
        | _json
    },
    optional={
        "parts": st.lists(
            _json
            | st.fixed_dictionaries(
                {"content_type": st.just("image_asset_pointer"), "asset_pointer": _json}
            ),
            max_size=3,
        ),
        "text": _json,
        "thoughts": st.lists(_json, max_size=2),
        "language": _json,
    },
)
_messages = st.fixed_dictionaries(
    {},
    optional={
        "author": st.fixed_dictionaries(
            {"role": st.sampled_from(["user", "assistant", "tool", "system"]) | _json}
        ),
        "content": _contents | _json,
        "create_time": st.floats() | _json,
        "metadata": st.fixed_dictionaries(
            {},
            optional={
                "model_slug": _json,
                "finish_details": _json,
                "is_visually_hidden_from_conversation": st.booleans(),
            },
        )
        | _json,
        "recipient": st.sampled_from(["all", "python", None]) | _json,
    },
)
_nodes = st.fixed_dictionaries(
    {},
    optional={
        "message": st.none() | _messages,
        "parent": st.none() | _ids,
        "children": st.lists(_ids, max_size=3) | _json,
    },
)
_items = st.fixed_dictionaries(
    {"mapping": st.dictionaries(_ids, _nodes, max_size=5) | _json},
    optional={
        "title": _json,
        "create_time": _json,
        "current_node": _ids | _json,
        "conversation_id": _json,
        "id": _json,
        "update_time": _json,
    },
)


@pytest.mark.fuzz
@given(item=_items | _json)
def test_any_conversation_raises_only_a_transcript_error_or_reads(item: Any) -> None:
    found = only_raises(lambda: conversation_from_chatgpt(item, index=0), TranscriptError)
    if isinstance(found, Conversation):
        for message in found.all_messages():
            assert message.parent_id is None or found.get(message.parent_id) is not None
            assert message.role in ("user", "assistant")
        assert (found.leaf_id is None) == (not found.all_messages())
