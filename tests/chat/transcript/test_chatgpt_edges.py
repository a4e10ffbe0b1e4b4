"""ChatGPT's export at its edges: each kind of content word for word, the ids of an export
without ids, the active branch, and the errors of a damaged conversation."""

from __future__ import annotations

from typing import Any

import pytest

from chat.conversation import Conversation
from chat.transcript.chatgpt import conversation_from_chatgpt
from chat.transcript.errors import TranscriptError
from chat.transcript.ids import imported_id

T0 = 1_700_000_000.0
_CANNOT = (
    "This ChatGPT export has a conversation Parley cannot read: export it again, or import "
    "the others without it."
)


def _node(
    node_id: str,
    parent: str | None,
    role: str | None = None,
    content: dict[str, Any] | None = None,
    *,
    created: float | None = None,
    children: list[str] | None = None,
    **message: Any,
) -> dict[str, Any]:
    """A node of the mapping; with a role, it holds a message of that author."""
    node: dict[str, Any] = {"id": node_id, "parent": parent, "children": children or []}
    node["message"] = None
    if role is not None:
        node["message"] = {
            "id": node_id,
            "author": {"role": role},
            "create_time": created,
            "content": content if content is not None else {"content_type": "text", "parts": []},
            "recipient": "all",
            **message,
        }
    return node


def _text(*parts: Any) -> dict[str, Any]:
    return {"content_type": "text", "parts": list(parts)}


def _export(*nodes: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A conversation of ``nodes`` (each child listed by its parent, in the order given)."""
    mapping = {n["id"]: n for n in nodes}
    for node in nodes:
        parent = mapping.get(node["parent"])
        if parent is not None and node["id"] not in parent["children"]:
            parent["children"].append(node["id"])
    data: dict[str, Any] = {"title": "T", "create_time": T0, "mapping": mapping}
    data.update(fields)
    return data


def _read(data: Any, index: int = 0) -> Conversation:
    return conversation_from_chatgpt(data, index=index)


def _error(data: Any, index: int = 0) -> str:
    with pytest.raises(TranscriptError) as caught:
        _read(data, index)
    return str(caught.value)


def _shown(content: dict[str, Any], role: str = "assistant", **message: Any) -> list[str]:
    """What a conversation of one question and one node of ``content`` shows."""
    data = _export(
        _node("root", None),
        _node("q", "root", "user", _text("Q"), created=T0 + 1),
        _node("a", "q", role, content, created=T0 + 2, **message),
    )
    return [m.content for m in _read(data).all_messages()]


# -- what each kind of content shows


def test_an_empty_tool_output_or_code_shows_nothing() -> None:
    assert _shown({"content_type": "execution_output", "text": ""}, "tool") == ["Q"]
    assert _shown({"content_type": "code", "language": "python", "text": ""}) == ["Q"]


def test_code_of_no_language_sent_to_python_is_python() -> None:
    code = {"content_type": "code", "language": "", "text": "print(1)"}
    assert _shown(code, recipient="python") == ["Q", "```python\nprint(1)\n```"]
    unknown = {"content_type": "code", "language": "unknown", "text": "x"}
    assert _shown(unknown, recipient="python") == ["Q", "```python\nx\n```"]
    assert _shown(code, recipient="all") == ["Q", "```\nprint(1)\n```"]


def test_thoughts_and_recaps_show_no_text_even_with_parts() -> None:
    thoughts = {"content_type": "thoughts", "thoughts": [{"content": "hm"}], "parts": ["p"]}
    recap = {"content_type": "reasoning_recap", "content": "Thought for 3s", "parts": ["p"]}
    data = _export(
        _node("root", None),
        _node("q", "root", "user", _text("Q"), created=T0 + 1),
        _node("t", "q", "assistant", thoughts, created=T0 + 2),
        _node("r", "t", "assistant", recap, created=T0 + 3),
        _node("a", "r", "assistant", _text("A"), created=T0 + 4),
    )
    reply = _read(data).messages[-1]
    assert reply.content == "A"
    assert reply.reasoning == "hm"


def test_the_thoughts_of_a_reply_over_several_nodes_are_joined() -> None:
    data = _export(
        _node("root", None),
        _node("q", "root", "user", _text("Q"), created=T0 + 1),
        _node(
            "t1", "q", "assistant", {"content_type": "thoughts", "thoughts": [{"summary": "one"}]}
        ),
        _node(
            "t2", "t1", "assistant", {"content_type": "thoughts", "thoughts": [{"content": "two"}]}
        ),
        _node("a", "t2", "assistant", _text("A")),
    )
    assert _read(data).messages[-1].reasoning == "one\n\ntwo"


def test_thoughts_that_are_no_list_show_nothing() -> None:
    odd = {"content_type": "thoughts", "thoughts": None}
    assert _shown(odd) == ["Q"]


@pytest.mark.parametrize(
    ("quote", "shown"),
    [
        (
            {"text": "said", "title": "Page", "url": "https://a.example"},
            "> said\n>\n> — Page (https://a.example)",
        ),
        ({"text": "said", "title": "Page", "url": ""}, "> said\n>\n> — Page"),
        (
            {"text": "said", "title": "", "url": "https://a.example"},
            "> said\n>\n> — https://a.example",
        ),
        ({"text": "said", "title": "", "url": ""}, "> said"),
        ({"text": "", "title": "Page", "url": ""}, "> — Page"),
        ({"text": "", "title": "", "url": "https://a.example"}, "> — https://a.example"),
    ],
)
def test_a_browsing_quote_names_what_it_has_of_its_source(
    quote: dict[str, str], shown: str
) -> None:
    assert _shown({"content_type": "tether_quote", **quote}) == ["Q", shown]


def test_a_browsing_quote_of_nothing_shows_nothing() -> None:
    empty = {"content_type": "tether_quote", "text": "", "title": "", "url": ""}
    assert _shown(empty) == ["Q"]


@pytest.mark.parametrize(
    ("part", "shown"),
    [
        (
            {"content_type": "image_asset_pointer", "asset_pointer": "file-service://file-1"},
            "[image: file-1]",
        ),
        (
            {"content_type": "audio_asset_pointer", "asset_pointer": "sediment://a://b"},
            "[audio: a://b]",
        ),
        (
            {"content_type": "real_time_user_audio_video_asset_pointer", "asset_pointer": "x"},
            "[audio: x]",
        ),
        ({"content_type": "file_asset_pointer", "asset_pointer": "file-2"}, "[file: file-2]"),
        ({"content_type": "image_asset_pointer", "asset_pointer": ""}, "[image: ?]"),
        ({"content_type": "image_asset_pointer"}, "[image: ?]"),
        ({"content_type": "text", "text": "said"}, "said"),
    ],
)
def test_each_kind_of_part_shows_as_so(part: dict[str, str], shown: str) -> None:
    assert _shown(_text(part), "user") == ["Q", shown]


# -- the message of a run


def test_a_reply_ending_in_a_tool_output_keeps_the_finish_and_model_of_its_answer() -> None:
    data = _export(
        _node("root", None),
        _node("q", "root", "user", _text("Q"), created=T0 + 1),
        _node(
            "a",
            "q",
            "assistant",
            _text("A"),
            metadata={"model_slug": "gpt-4o", "finish_details": {"type": "stop"}},
        ),
        _node("o", "a", "tool", {"content_type": "execution_output", "text": "42"}),
    )
    reply = _read(data, 0).messages[-1]
    assert reply.content == "A\n\n```text\n42\n```"
    assert reply.finish_reason == "stop"
    assert reply.model == "gpt-4o"


def test_a_reply_without_finish_details_has_no_finish_reason_and_the_default_model() -> None:
    data = _export(
        _node("root", None),
        _node("q", "root", "user", _text("Q"), created=T0 + 1),
        _node("a", "q", "assistant", _text("A"), created=T0 + 2),
        default_model_slug="gpt-4o-mini",
    )
    reply = _read(data).messages[-1]
    assert reply.finish_reason is None
    assert reply.model == "gpt-4o-mini"
    assert reply.provider == "ChatGPT"


def test_a_question_keeps_no_finish_reason_even_when_its_node_has_one() -> None:
    data = _export(
        _node("root", None),
        _node(
            "q",
            "root",
            "user",
            _text("Q"),
            created=T0 + 1,
            metadata={"finish_details": {"type": "stop"}},
        ),
    )
    question = _read(data).messages[-1]
    assert question.finish_reason is None
    assert question.model is None


def test_a_node_whose_author_is_no_object_is_not_shown() -> None:
    data = _export(
        _node("root", None),
        _node("q", "root", "user", _text("Q"), created=T0 + 1),
        _node("x", "q", "user", _text("lost"), author="user"),
    )
    assert [m.content for m in _read(data).all_messages()] == ["Q"]


# -- the active branch


def test_the_current_node_ends_the_active_branch_even_on_an_older_version() -> None:
    data = _export(
        _node("root", None),
        _node("q", "root", "user", _text("Q"), created=T0 + 1),
        _node("a1", "q", "assistant", _text("first"), created=T0 + 2),
        _node("a2", "q", "assistant", _text("second"), created=T0 + 3),
        current_node="a1",
    )
    assert [m.content for m in _read(data).messages] == ["Q", "first"]


def test_without_a_current_node_the_newest_leaf_ends_the_branch() -> None:
    data = _export(
        _node("root", None),
        _node("q", "root", "user", _text("Q"), created=T0 + 1),
        _node("a1", "q", "assistant", _text("newer"), created=T0 + 30),
        _node("a2", "q", "assistant", _text("older"), created=T0 + 20),
    )
    assert [m.content for m in _read(data).messages] == ["Q", "newer"]


def test_without_a_current_node_a_leaf_wins_over_a_newer_question_above_it() -> None:
    data = _export(
        _node("root", None),
        _node("q", "root", "user", _text("Q"), created=T0 + 100),
        _node("a", "q", "assistant", _text("A"), created=T0 + 50),
    )
    assert [m.content for m in _read(data).messages] == ["Q", "A"]


# -- ids


def test_the_conversation_id_comes_first_then_the_id() -> None:
    data = _export(_node("root", None), conversation_id="c-1", id="other")
    assert _read(data).id == imported_id("chatgpt", "c-1")
    assert _read(_export(_node("root", None), id="other")).id == imported_id("chatgpt", "other")


def test_an_export_without_ids_gets_the_same_ids_as_ever() -> None:
    data = _export(
        _node("b", None),
        _node("a", "b", "user", _text("Q"), created=T0 + 1),
        title="Plan",
        create_time=1_700_000_000.5,
    )
    assert _read(data).id == "a63bf2963f805dc78d44c62d4ed66896"
    assert _read(_export(title="", create_time=None)).id == "a877cba0d3f551eabf8202a38a65f52b"


# -- errors


def test_a_conversation_that_is_no_object_is_named_by_its_number() -> None:
    assert (
        _error([], index=2)
        == f"{_CANNOT} At conversation 3: conversation 3 should be an object, found a list"
    )


def test_a_parent_that_is_no_id_is_named_with_its_node() -> None:
    data = _export(_node("root", None))
    data["mapping"]["root"]["parent"] = 7
    assert _error(data) == (
        f"{_CANNOT} At conversation 1 ('T'), message 'root': "
        "its “parent” should be the id of a node"
    )


def test_a_message_that_is_no_object_is_named_with_its_node() -> None:
    data = _export(_node("root", None))
    data["mapping"]["root"]["message"] = "hi"
    assert _error(data) == (
        f"{_CANNOT} At conversation 1 ('T'), message 'root': "
        "its “message” should be an object, found text"
    )
