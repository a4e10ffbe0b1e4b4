"""format_prompt and format_conversation, as ../shared/specs/seed-sites.md defines them."""

from __future__ import annotations

import time
import uuid

from providers.helpers import content_text, format_conversation, format_prompt

SPEC_EXAMPLE = [
    {"role": "system", "content": "S"},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello"},
    {"role": "user", "content": "Q"},
]


def test_format_prompt_the_spec_example() -> None:
    assert (
        format_prompt(SPEC_EXAMPLE) == "System: S\nUser: Hi\nAssistant: Hello\nUser: Q\nAssistant:"
    )


def test_format_prompt_single_message_is_its_content_alone() -> None:
    assert format_prompt([{"role": "user", "content": "Just this"}]) == "Just this"
    assert format_prompt([{"role": "system", "content": ""}]) == ""
    parts = [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]
    assert format_prompt([{"role": "user", "content": parts}]) == "ab"


def test_format_prompt_leaves_blank_messages_out() -> None:
    messages = [
        {"role": "system", "content": "   "},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": ""},
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]},
        {"role": "user", "content": "Q"},
    ]
    assert format_prompt(messages) == "User: Hi\nUser: Q\nAssistant:"


def test_format_prompt_joins_text_parts_without_separator() -> None:
    parts = [
        {"type": "text", "text": "Look "},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
        {"type": "text", "text": "here"},
    ]
    messages = [{"role": "user", "content": parts}, {"role": "assistant", "content": "Ok"}]
    assert format_prompt(messages) == "User: Look here\nAssistant: Ok\nAssistant:"


def test_content_text_of_odd_values() -> None:
    assert content_text(None) == ""
    assert content_text(3) == "3"
    assert content_text(["not a part", {"type": "text"}]) == ""


def test_format_conversation_shape() -> None:
    before = time.time()
    converted = format_conversation(SPEC_EXAMPLE)
    assert [m["author"] for m in converted] == [
        {"role": "system"},
        {"role": "user"},
        {"role": "assistant"},
        {"role": "user"},
    ]
    first = converted[0]
    assert set(first) == {"id", "author", "content", "metadata", "create_time"}
    assert first["content"] == {"content_type": "text", "parts": ["S"]}
    assert first["metadata"] == {"serialization_metadata": {"custom_symbol_offsets": []}}
    assert uuid.UUID(first["id"]).version == 4
    assert isinstance(first["create_time"], float)
    assert before <= first["create_time"] <= time.time()
    assert len({m["id"] for m in converted}) == 4


def test_format_conversation_of_parts_gives_their_text() -> None:
    parts = [{"type": "text", "text": "a"}, {"type": "image_url"}, {"type": "text", "text": "b"}]
    converted = format_conversation([{"role": "user", "content": parts}])
    assert converted[0]["content"]["parts"] == ["ab"]


def test_a_message_without_a_role_is_the_users() -> None:
    messages = [{"content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    assert format_prompt(messages) == "User: Hi\nAssistant: Hello\nAssistant:"
    converted = format_conversation(messages)
    assert [m["author"] for m in converted] == [{"role": "user"}, {"role": "assistant"}]
