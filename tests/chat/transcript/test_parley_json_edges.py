"""Parley's own transcripts at their edges: each error word for word, where ``format`` may
come, and what a file that leaves fields out becomes."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from chat.conversation import Conversation
from chat.transcript import parley_json
from chat.transcript.errors import TranscriptError

_NOT_OURS = (
    "This file is not a Parley transcript: Parley reads the JSON files it exports. "
    "Its “format” should be “parley-transcript”, before its conversations"
)
_DAMAGED = (
    "This Parley transcript has a conversation Parley cannot read: the file was changed or "
    "damaged. Export it again."
)


def _loaded(text: str, **kwargs: Any) -> list[Conversation]:
    return list(parley_json.load(io.BytesIO(text.encode()), **kwargs))


def _said(text: str) -> str:
    with pytest.raises(TranscriptError) as caught:
        _loaded(text)
    return str(caught.value)


def _file(conversations: list[Any], **head: Any) -> str:
    data = {"format": "parley-transcript", "version": 1, "exported": None, **head}
    return json.dumps({**data, "conversations": conversations})


def _message(message_id: str, parent_id: str | None, **fields: Any) -> dict[str, Any]:
    return {"id": message_id, "parent_id": parent_id, "role": "user", "content": "hi"} | {
        "created": 1.0,
        **fields,
    }


def _conversation(*messages: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"id": "c1", "title": "T", "created": 1.0, "messages": list(messages), **fields}


def test_a_number_json_cannot_hold_says_so_word_for_word() -> None:
    odd = Conversation(title="odd", created=1.0, options={"t": float("nan")})
    with pytest.raises(TranscriptError) as caught:
        parley_json.dump([Conversation(created=1.0), odd], io.StringIO(), exported=1.0)
    said = str(caught.value)
    assert said.startswith(
        "Parley could not write this conversation: it holds a number JSON cannot hold. "
        "At conversation 2 ('odd'): Out of range float values are not JSON compliant"
    )
    assert caught.value.detail == said.split("('odd'): ", 1)[1]


def test_loading_reports_its_progress_to_the_end() -> None:
    text = _file([_conversation(_message("m1", None))])
    seen: list[int] = []
    assert len(_loaded(text, progress=seen.append)) == 1
    assert seen == [len(text) - 2, len(text)]


def test_the_format_may_come_second_or_third() -> None:
    text = json.dumps({"version": 1, "format": "parley-transcript", "conversations": []})
    assert _loaded(text) == []
    text = json.dumps({"a": 1, "version": 1, "format": "parley-transcript", "conversations": []})
    assert _loaded(text) == []


def test_a_format_after_three_other_members_is_not_a_transcript() -> None:
    head = {"a": 1, "b": 2, "c": 3, "format": "parley-transcript", "version": 1}
    assert _said(json.dumps({**head, "conversations": []})) == _NOT_OURS


def test_a_short_object_without_a_format_is_not_a_transcript() -> None:
    assert _said('{"a": 1}') == _NOT_OURS
    assert _said('{"format": "other", "conversations": []}') == _NOT_OURS


@pytest.mark.parametrize("version", [0, -1, "1", True, None])
def test_a_version_that_is_no_whole_number_from_1_is_unknown(version: Any) -> None:
    assert _said(_file([], version=version)) == (
        "This Parley transcript has no version Parley knows: export it again. "
        "Its “version” should be 1"
    )


def test_a_damaged_conversation_says_so_word_for_word() -> None:
    assert _said(_file([{"id": "c1", "created": 1.0}])) == (
        f"{_DAMAGED} At conversation 1: “title” should be text, it is missing"
    )


def test_a_conversation_without_title_set_was_not_named_by_the_user() -> None:
    (back,) = _loaded(_file([_conversation(_message("m1", None))]))
    assert back.title_set is False


def test_a_message_must_name_its_parent_even_as_null() -> None:
    message = _message("m1", None)
    del message["parent_id"]
    assert _said(_file([_conversation(message)])) == (
        f"{_DAMAGED} At conversation 1 ('T'): “messages[0].parent_id” should be text or "
        "null, it is missing"
    )


def test_long_ids_in_errors_are_cut_at_80_characters() -> None:
    long = "a" * 100
    twice = _conversation(_message(long, None), _message(long, None))
    assert _said(_file([twice])) == (
        f"{_DAMAGED} At conversation 1 ('T'): two messages have the id “{'a' * 80}”"
    )
    orphan = _conversation(_message("b" * 100, "c" * 100))
    assert _said(_file([orphan])) == (
        f"{_DAMAGED} At conversation 1 ('T'): message “{'b' * 80}” follows “{'c' * 80}”, "
        "which is not in the conversation"
    )


def test_without_a_leaf_the_last_message_of_the_file_ends_the_branch() -> None:
    chain = _conversation(_message("m1", None), _message("m2", "m1"), _message("m3", "m2"))
    (back,) = _loaded(_file([chain]))
    assert back.leaf_id == "m3"
    (empty,) = _loaded(_file([_conversation()]))
    assert empty.leaf_id is None
    assert empty.messages == []
