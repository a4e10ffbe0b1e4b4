"""Parley's own JSON transcripts: lossless both ways, streamed, checked on the way in."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chat.conversation import Conversation, Message, MessageState, ReplyError
from chat.store.rows import clean
from chat.transcript import parley_json
from chat.transcript.errors import TranscriptError
from chat.transcript.fields import cleaned
from tests.chat.transcript.sample_exports import SAMPLES
from tests.support.fuzz import only_raises

SCHEMA = json.loads(files("resources").joinpath("parley-transcript.schema.json").read_text())
NOON = 1_714_046_400.123456  # 2024-04-25T12:00:00.123456Z


def shape(conversation: Conversation) -> dict[str, Any]:
    """Everything a conversation holds, to compare two."""
    return {
        "fields": {
            name: getattr(conversation, name)
            for name in (
                "id",
                "title",
                "title_set",
                "created",
                "updated",
                "pinned",
                "system_prompt",
                "provider",
                "model",
                "options",
                "leaf_id",
            )
        },
        "messages": conversation.all_messages(),
        "children": {
            m.id: [c.id for c in conversation.children(m)] for m in conversation.all_messages()
        },
        "roots": [c.id for c in conversation.children(None)],
    }


def dumped(conversations: list[Conversation], exported: float = NOON) -> str:
    out = io.StringIO()
    parley_json.dump(conversations, out, exported=exported)
    return out.getvalue()


def loaded(text: str) -> list[Conversation]:
    return list(parley_json.load(io.BytesIO(text.encode("utf-8"))))


def full_conversation() -> Conversation:
    """Every field set, two branches, the active one not the newest."""
    conversation = Conversation(
        title="Всё сразу 🧪",
        created=NOON,
        system_prompt="Be brief.",
        pinned=True,
        provider="OpenAI",
        model="gpt-4o",
        options={"temperature": 0.7, "stop": ["\n\n"], "nested": {"a": None}},
        title_set=True,
    )
    question = conversation.add("user", "Какая погода? 你好", created=NOON + 1)
    conversation.add(
        "assistant",
        "Солнечно.",
        created=NOON + 2.5,
        provider="Anthropic",
        model="claude-x",
        reasoning="Look outside.",
        signature="sig-abc==",
        finish_reason="end_turn",
        note="The model was replaced.",
        usage={"input_tokens": 12, "output_tokens": None},
        first_token_s=0.25,
        duration_s=1.5,
    )
    conversation.add(
        "assistant",
        "partial",
        parent_id=question.id,
        created=NOON + 3,
        state=MessageState.FAILED,
        error=ReplyError("rate_limit", "Wait a minute, then ask again.", "OpenAI", 429, 60.0),
    )
    conversation.switch_to(conversation.all_messages()[1])
    conversation.updated = NOON + 10
    return conversation


def test_a_conversation_reads_back_exactly_as_it_was_written() -> None:
    original = full_conversation()
    (back,) = loaded(dumped([original]))
    assert shape(back) == shape(original)
    assert back.leaf_id == original.all_messages()[1].id


def test_the_file_has_its_head_first_and_one_conversation_a_line() -> None:
    text = dumped([full_conversation(), Conversation(title="empty", created=NOON)])
    data = json.loads(text)
    assert list(data) == ["format", "version", "exported", "conversations"]
    assert (data["format"], data["version"]) == ("parley-transcript", 1)
    assert data["exported"] == "2024-04-25T12:00:00.123456Z"
    assert len(text.splitlines()) == 4  # head, two conversations, the end
    first = data["conversations"][0]
    assert first["created"] == NOON
    assert first["created_at"] == "2024-04-25T12:00:00.123456Z"
    assert first["messages"][1]["signature"] == "sig-abc=="
    assert first["messages"][2]["error"] == {
        "kind": "rate_limit",
        "sentence": "Wait a minute, then ask again.",
        "provider": "OpenAI",
        "status": 429,
        "retry_after": 60.0,
    }
    assert "Всё сразу 🧪" in text  # written as UTF-8, not escaped


def test_what_is_written_follows_the_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    validator = jsonschema.Draft202012Validator(SCHEMA)
    data = json.loads(dumped([full_conversation(), Conversation(created=1e300)]))
    assert list(validator.iter_errors(data)) == []
    data["conversations"][0]["messages"][0]["state"] = "thinking"
    assert list(validator.iter_errors(data))


def test_dump_writes_each_conversation_before_reading_the_next() -> None:
    out = io.StringIO()
    seen: list[int] = []

    def conversations() -> Iterator[Conversation]:
        for number in range(3):
            seen.append(out.getvalue().count('"id"'))
            yield Conversation(title=str(number), created=NOON)

    parley_json.dump(conversations(), out)
    assert seen == [0, 1, 2]


def test_an_empty_export_is_a_valid_transcript() -> None:
    assert loaded(dumped([])) == []
    assert json.loads(dumped([]))["conversations"] == []


def test_a_number_json_cannot_hold_stops_the_export_with_its_conversation() -> None:
    conversation = Conversation(title="odd", created=NOON, options={"t": float("nan")})
    with pytest.raises(TranscriptError) as caught:
        dumped([Conversation(created=NOON), conversation])
    assert caught.value.where == "conversation 2 ('odd')"


def test_the_checked_in_version_1_file_still_reads() -> None:
    with (SAMPLES / "parley-v1.json").open("rb") as stream:
        (conversation,) = list(parley_json.load(stream))
    assert conversation.title == "Sample"
    assert [m.content for m in conversation.messages] == ["Hi", "Hello! 👋"]
    assert [m.content for m in conversation.all_messages()] == ["Hi", "Hello! 👋", "Hey"]
    reply = conversation.messages[1]
    assert (reply.provider, reply.model, reply.created) == ("OpenAI", "gpt-4o", 1714046401.5)
    assert reply.usage == {"prompt_tokens": 3, "completion_tokens": 4}
    assert conversation.options == {"temperature": 0.5}


# -- a file that is not right


def _file(conversations: list[Any], **head: Any) -> str:
    data = {"format": "parley-transcript", "version": 1, "exported": None, **head}
    return json.dumps({**data, "conversations": conversations})


def _item(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = json.loads(dumped([full_conversation()]))["conversations"][0]
    item.update(changes)
    return item


def _error(text: str) -> TranscriptError:
    with pytest.raises(TranscriptError) as caught:
        loaded(text)
    return caught.value


def test_a_newer_version_asks_for_a_newer_parley() -> None:
    error = _error(_file([], version=2))
    assert error.sentence == "A newer Parley wrote this transcript: update Parley to import it."
    assert "version 2" in error.detail
    assert "no version" in _error(_file([], version="1")).sentence


def test_other_json_is_not_a_transcript() -> None:
    for text in ('{"format": "other", "conversations": []}', "[]", '{"a": 1, "b": 2, "c": 3}'):
        assert _error(text).sentence.startswith("This file is not a Parley transcript")


def test_a_missing_field_names_the_conversation_and_the_field() -> None:
    item = _item()
    del item["messages"][1]["role"]
    error = _error(_file([_item(), item]))
    assert error.where == "conversation 2 ('Всё сразу 🧪')"
    assert error.detail == "“messages[1].role” should be text, it is missing"


def test_an_ill_typed_field_says_what_was_found() -> None:
    cases = {
        "title": (5, "“title” should be text, found a number"),
        "pinned": ("yes", "“pinned” should be true or false, found text"),
        "created": (None, "“created” should be a number, found null"),
        "options": ([], "“options” should be an object, found a list"),
        "messages": ({}, "“messages” should be a list, found an object"),
    }
    for name, (value, detail) in cases.items():
        error = _error(_file([_item(**{name: value})]))
        assert error.detail == detail
        assert error.where.startswith("conversation 1")
    assert _error(_file([7])).detail == "“it” should be an object, found a number"


def test_ill_typed_message_fields_are_named_with_their_message() -> None:
    def broken(**fields: Any) -> str:
        item = _item()
        item["messages"][1].update(fields)
        return _error(_file([item])).detail

    assert broken(usage={"a": "x"}).startswith("“messages[1].usage” should be an object of")
    assert broken(usage={"a": True}).startswith("“messages[1].usage” should be")
    assert broken(error={"kind": 1}) == "“messages[1].error.kind” should be text, found a number"
    assert broken(error=[]) == "“messages[1].error” should be an object, found a list"
    assert (
        broken(first_token_s="1")
        == "“messages[1].first_token_s” should be a number or null, found text"
    )
    assert broken(created=10**400) == "“messages[1].created” should be a number, found a number"
    assert broken(parent_id=3) == "“messages[1].parent_id” should be text or null, found a number"


def test_a_message_whose_parent_is_not_there_is_an_error() -> None:
    item = _item()
    item["messages"][1]["parent_id"] = "nobody"
    assert "follows “nobody”, which is not in the conversation" in _error(_file([item])).detail


def test_a_loop_of_parents_is_an_error_not_a_hang() -> None:
    item = _item()
    first, second = item["messages"][1], item["messages"][2]
    first["parent_id"], second["parent_id"] = second["id"], first["id"]
    assert "which is not in the conversation" in _error(_file([item])).detail


def test_two_messages_with_one_id_are_an_error() -> None:
    item = _item()
    item["messages"][2]["id"] = item["messages"][1]["id"]
    assert "two messages have the id" in _error(_file([item])).detail


def test_a_leaf_that_is_not_a_message_is_an_error() -> None:
    detail = _error(_file([_item(leaf_id="gone")])).detail
    assert detail == "“leaf_id” should be the id of one of its messages, found text"


def test_messages_may_come_in_any_order() -> None:
    original = full_conversation()
    item = json.loads(dumped([original]))["conversations"][0]
    question, first, second = item["messages"]
    item["messages"] = [first, second, question]
    (back,) = loaded(_file([item]))
    assert shape(back) == shape(original)
    item["messages"] = [second, question, first]  # replies keep the order of the file
    (back,) = loaded(_file([item]))
    first, second = (m.id for m in original.all_messages()[1:])
    assert [m.id for m in back.siblings(back.get(first))] == [second, first]  # type: ignore[arg-type]


def test_fields_left_out_take_a_new_conversations_defaults() -> None:
    item = {
        "id": "c1",
        "title": "short",
        "created": NOON,
        "messages": [
            {"id": "m1", "parent_id": None, "role": "user", "content": "hi", "created": NOON},
            {
                "id": "m2",
                "parent_id": "m1",
                "role": "assistant",
                "content": "yo",
                "created": 2.0,
                "state": "from-the-future",
                "extra": "ignored",
            },
        ],
    }
    (back,) = loaded(_file([item]))
    assert (back.updated, back.pinned, back.system_prompt, back.options) == (NOON, False, "", {})
    assert back.leaf_id == "m2"  # no leaf named: the last message
    assert back.get("m2") == Message(
        "assistant", "yo", id="m2", parent_id="m1", created=2.0, state=MessageState.INTERRUPTED
    )


def test_a_null_leaf_means_before_the_first_message() -> None:
    (back,) = loaded(_file([_item(leaf_id=None)]))
    assert back.leaf_id is None
    assert back.messages == []


# -- any conversation


_texts = st.text(  # halves of characters too, alone or in pairs
    st.characters(exclude_categories=[]) | st.sampled_from("\ud83d\ude00\udc00"), max_size=30
)
_ids = st.text("abcdef0123456789", min_size=1, max_size=8)
_floats = st.floats(allow_nan=False, allow_infinity=False)
_errors = st.none() | st.builds(
    ReplyError,
    kind=_texts,
    sentence=_texts,
    provider=st.none() | _texts,
    status=st.none() | st.integers(100, 599),
    retry_after=st.none() | _floats,
)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | _floats | _texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_texts, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def _conversations(draw: st.DrawFn) -> Conversation:
    conversation = Conversation(
        title=draw(_texts),
        id=draw(_ids),
        created=draw(_floats),
        system_prompt=draw(_texts),
        pinned=draw(st.booleans()),
        provider=draw(st.none() | _texts),
        model=draw(st.none() | _texts),
        options=draw(st.dictionaries(_texts, _json, max_size=3)),
        title_set=draw(st.booleans()),
    )
    conversation.updated = draw(_floats)
    added: list[Message] = []
    for number in range(draw(st.integers(0, 8))):
        parent = draw(st.none() | st.sampled_from(added)) if added else None
        message = Message(
            draw(st.sampled_from(["user", "assistant", "system"])),
            draw(_texts),
            id=f"m{number}",
            parent_id=parent.id if parent else None,
            created=draw(_floats),
            state=draw(st.sampled_from(list(MessageState))),
            provider=draw(st.none() | _texts),
            model=draw(st.none() | _texts),
            reasoning=draw(_texts),
            signature=draw(_texts),
            finish_reason=draw(st.none() | _texts),
            error=draw(_errors),
            note=draw(_texts),
            usage=draw(st.dictionaries(_texts, st.none() | st.integers(-(2**63), 2**63))),
            first_token_s=draw(st.none() | _floats),
            duration_s=draw(st.none() | _floats),
        )
        conversation.attach(message)
        added.append(message)
    leaf = draw(st.none() | st.sampled_from(added)) if added else None
    conversation.leaf_id = leaf.id if leaf else None
    return conversation


def _cleaned_shape(conversation: Conversation) -> dict[str, Any]:
    """The shape after the store's cleaning of text (what the file holds)."""
    found = shape(conversation)
    found["fields"] = cleaned(found["fields"])
    found["messages"] = [_cleaned_message(m) for m in found["messages"]]
    return found


def _cleaned_message(message: Message) -> Message:
    error = message.error
    return Message(
        message.role if message.role.isascii() else clean(message.role),
        clean(message.content),
        id=message.id,
        parent_id=message.parent_id,
        created=message.created,
        state=message.state,
        provider=cleaned(message.provider),
        model=cleaned(message.model),
        reasoning=clean(message.reasoning),
        signature=clean(message.signature),
        finish_reason=cleaned(message.finish_reason),
        error=error
        and ReplyError(
            *cleaned([error.kind, error.sentence, error.provider]), error.status, error.retry_after
        ),
        note=clean(message.note),
        usage=cleaned(message.usage),
        first_token_s=message.first_token_s,
        duration_s=message.duration_s,
    )


@pytest.mark.fuzz
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(conversations=st.lists(_conversations(), max_size=3))
def test_any_conversations_read_back_as_written(conversations: list[Conversation]) -> None:
    text = dumped(conversations)
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in text)  # writable as UTF-8
    back = loaded(text)
    assert [shape(c) for c in back] == [_cleaned_shape(c) for c in conversations]
    assert list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(json.loads(text))) == []


@pytest.mark.fuzz
@given(items=st.lists(_json, max_size=3))
def test_any_json_as_conversations_raises_only_a_transcript_error(items: list[Any]) -> None:
    only_raises(lambda: loaded(_file(items)), TranscriptError)


@pytest.mark.fuzz
@given(data=st.data())
def test_any_damage_to_a_field_raises_only_a_transcript_error(data: st.DataObject) -> None:
    item = _item()
    target = data.draw(st.sampled_from([item, *item["messages"]]))
    name = data.draw(st.sampled_from(sorted(target)))
    target[name] = data.draw(_json)
    only_raises(lambda: loaded(_file([item])), TranscriptError)


def test_lone_surrogates_in_the_file_are_cleaned_on_the_way_in() -> None:
    item = _item(title="\\ud800 half")
    text = _file([item]).replace("\\\\ud800", "\\ud800")
    (back,) = loaded(text)
    assert back.title == "\ufffd half"
