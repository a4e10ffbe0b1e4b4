"""The seed providers' edges: ChatGpt's reply events in the shapes the site may send them."""

from __future__ import annotations

from typing import Any

import pytest

from providers.seeds.chatgpt_events import FINISH_PATH, TEXT_PATH, ReplyDecoder


def message(role: str, text: str = "", mid: Any = "m1") -> dict[str, Any]:
    return {
        "id": mid,
        "author": {"role": role},
        "content": {"content_type": "text", "parts": [text]},
        "status": "in_progress",
        "metadata": {"message_type": "next"},
        "recipient": "all",
    }


def opened(role: str = "assistant") -> ReplyDecoder:
    """A decoder whose stream opened a message of ``role`` (path "", operation "add")."""
    decoder = ReplyDecoder("ChatGpt")
    assert decoder.feed({"p": "", "o": "add", "v": {"message": message(role)}}) == ""
    return decoder


def test_a_patch_list_may_open_the_message_its_text_belongs_to() -> None:
    decoder = opened("user")
    event = {
        "p": "",
        "o": "patch",
        "v": [
            {"p": "", "o": "add", "v": {"message": message("assistant", mid="a")}},
            {"p": TEXT_PATH, "o": "append", "v": "Hi"},
        ],
    }
    assert decoder.feed(event) == "Hi"


def test_a_replace_inside_a_patch_list_yields_only_what_is_new() -> None:
    decoder = opened()
    assert decoder.feed({"p": TEXT_PATH, "o": "append", "v": "Hello"}) == "Hello"
    patch = {"p": TEXT_PATH, "o": "replace", "v": "Hello world"}
    assert decoder.feed({"v": [patch]}) == " world"


def test_an_event_naming_a_path_but_no_operation_appends() -> None:
    decoder = opened()
    assert decoder.feed({"p": TEXT_PATH, "v": "Hi"}) == "Hi"
    assert decoder.feed({"v": "!"}) == "!"


def test_an_event_naming_an_operation_but_no_path_is_at_the_root_and_not_text() -> None:
    decoder = opened()
    assert decoder.feed({"p": TEXT_PATH, "o": "append", "v": "Hi"}) == "Hi"
    assert decoder.feed({"o": "append", "v": " (not text)"}) == ""


@pytest.mark.parametrize("value", [None, "text", 3])
def test_a_message_that_is_no_object_is_not_text(value: Any) -> None:
    assert opened().feed({"message": value, "conversation_id": "c"}) == ""


@pytest.mark.parametrize("mid", [None, 7, ["a"], {"x": 1}])
def test_a_message_without_a_text_id_still_yields_its_new_text(mid: Any) -> None:
    decoder = ReplyDecoder("ChatGpt")
    assert decoder.feed({"message": message("assistant", "Hel", mid)}) == "Hel"
    assert decoder.feed({"message": message("assistant", "Hello", mid)}) == "lo"


@pytest.mark.parametrize("parts", [[], [5], [{"text": "x"}], "Hello", None])
def test_an_assistant_message_whose_first_part_is_no_text_is_not_text(parts: Any) -> None:
    event = message("assistant")
    event["content"]["parts"] = parts
    assert ReplyDecoder("ChatGpt").feed({"message": event}) == ""


def test_a_patch_of_the_finish_details_records_the_finish_reason() -> None:
    decoder = opened()
    decoder.feed({"p": FINISH_PATH, "o": "replace", "v": {"type": "max_tokens"}})
    assert decoder.finish_reason == "max_tokens"


def test_an_object_patched_elsewhere_than_the_metadata_is_no_finish() -> None:
    decoder = opened()
    decoder.feed({"p": "/message/content", "o": "replace", "v": {"finish_details": {"type": "x"}}})
    decoder.feed({"p": "/message/status", "o": "replace", "v": {"type": "stop"}})
    assert decoder.finish_reason is None
