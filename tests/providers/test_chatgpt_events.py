"""ChatGpt's reply decoder on hand-built events: both encodings, decided per event."""

from __future__ import annotations

from typing import Any

import pytest

from providers.seeds.chatgpt_events import ReplyDecoder, ReplyError
from tests.support.fuzz import ends_within

TEXT = "/message/content/parts/0"


def msg(role: str, text: str = "", mid: str = "m1", finish: str | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"message_type": "next"}
    if finish:
        metadata["finish_details"] = {"type": finish}
    return {
        "id": mid,
        "author": {"role": role},
        "content": {"content_type": "text", "parts": [text]},
        "status": "in_progress",
        "metadata": metadata,
        "recipient": "all",
    }


def feed(*events: Any) -> tuple[list[str], ReplyDecoder]:
    decoder = ReplyDecoder("ChatGpt")
    return [decoder.feed(event) for event in events], decoder


def test_cumulative_yields_the_new_suffix_by_length() -> None:
    texts = ["ab", "abab", "ababab", "ababab", "ababab!"]
    out, decoder = feed(*({"message": msg("assistant", t)} for t in texts))
    assert out == ["ab", "ab", "ab", "", "!"]  # str.replace would have lost the repeats
    assert decoder.finish_reason is None


def test_cumulative_only_assistant_counts_and_finish_is_recorded() -> None:
    out, decoder = feed(
        {"message": msg("user", "Hi", mid="u")},
        {"message": msg("system", "rules", mid="s")},
        {"message": msg("assistant", "Hel", mid="a")},
        {"message": msg("assistant", "Hello", mid="a", finish="stop")},
        {"type": "title_generation", "title": "x"},
    )
    assert out == ["", "", "Hel", "lo", ""]
    assert decoder.finish_reason == "stop"


def test_each_assistant_message_has_its_own_length() -> None:
    out, _ = feed(
        {"message": msg("assistant", "first", mid="a")},
        {"message": msg("tool", "tool output", mid="t")},
        {"message": msg("assistant", "second", mid="b")},
    )
    assert out == ["first", "", "second"]


def test_delta_appends_and_bare_values_repeat_path_and_op() -> None:
    out, decoder = feed(
        "v1",
        {"message": msg("user", "Hi", mid="u")},  # the echo, in the cumulative form
        {"p": "", "o": "add", "v": {"message": msg("assistant"), "conversation_id": "c"}},
        {"p": TEXT, "o": "append", "v": "He"},
        {"v": "l"},
        {"v": "lo"},
        {"p": "/message/status", "o": "replace", "v": "finished_successfully"},
        {"v": "ignored: the previous path is the status"},
    )
    assert out == ["", "", "", "He", "l", "lo", "", ""]
    assert decoder.finish_reason is None


def test_patch_lists_carry_text_and_finish_details() -> None:
    out, decoder = feed(
        {"v": {"message": msg("assistant")}},  # a bare message opening
        {"p": TEXT, "o": "append", "v": "a"},
        {
            "p": "",
            "o": "patch",
            "v": [
                {"p": TEXT, "o": "append", "v": "b"},
                {"p": "/message/status", "o": "replace", "v": "finished_successfully"},
                {
                    "p": "/message/metadata",
                    "o": "append",
                    "v": {"finish_details": {"type": "max_tokens"}},
                },
            ],
        },
        {"v": [{"p": TEXT, "o": "append", "v": "c"}]},  # a bare patch list
    )
    assert out == ["", "a", "b", "c"]
    assert decoder.finish_reason == "max_tokens"


def test_delta_role_gating_follows_the_last_opened_message() -> None:
    out, _ = feed(
        {"v": {"message": msg("tool", mid="t")}},
        {"p": TEXT, "o": "append", "v": "tool text"},
        {"v": " more"},
        {"p": "", "o": "add", "v": {"message": msg("assistant", mid="a")}},
        {"p": TEXT, "o": "append", "v": "answer"},
        {"v": {"message": msg("user", mid="u2")}},
        {"p": TEXT, "o": "append", "v": "not mine"},
    )
    assert out == ["", "", "", "", "answer", "", ""]


def test_encodings_mix_per_event_in_one_stream() -> None:
    out, _ = feed(
        {"message": msg("assistant", "Hi", mid="a")},
        {"p": TEXT, "o": "append", "v": " there"},
        {"message": msg("assistant", "Hi there!", mid="a")},
        {"v": "?"},
    )
    assert out == ["Hi", " there", "!", "?"]


def test_delta_replace_of_the_text_yields_only_what_is_new() -> None:
    out, _ = feed(
        {"v": {"message": msg("assistant")}},
        {"p": TEXT, "o": "append", "v": "abc"},
        {"p": TEXT, "o": "replace", "v": "abcdef"},
    )
    assert out == ["", "abc", "def"]


def test_opening_message_with_text_counts() -> None:
    out, _ = feed({"p": "", "o": "add", "v": {"message": msg("assistant", "Start")}})
    assert out == ["Start"]


@pytest.mark.parametrize("event", ["v1", 3, None, [1, 2], {"type": "message_stream_complete"}])
def test_non_objects_and_other_events_are_not_text(event: Any) -> None:
    assert feed(event)[0] == [""]


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        ("Something went wrong.", "Something went wrong."),
        (
            {"message": "Too many requests in 1 hour.", "code": "rate"},
            "Too many requests in 1 hour.",
        ),
    ],
)
def test_error_event_raises_a_clear_error(error: Any, shown: str) -> None:
    decoder = ReplyDecoder("ChatGpt")
    assert decoder.feed({"message": msg("assistant", "partial")}) == "partial"
    with pytest.raises(ReplyError) as caught:
        decoder.feed({"message": None, "conversation_id": "c", "error": error})
    assert str(caught.value).startswith(f"ChatGpt: The site reported an error: {shown}")
    assert "The text received so far is kept" in str(caught.value)


def test_error_null_is_not_an_error() -> None:
    assert feed({"message": msg("assistant", "ok"), "error": None})[0] == ["ok"]


def nested_patches(depth: int, innermost: Any) -> dict[str, Any]:
    """An event whose patch list holds a patch list, ``depth`` deep: it raised RecursionError."""
    value = innermost
    for _ in range(depth):
        value = [{"p": TEXT, "o": "append", "v": value}]
    return {"p": "", "o": "patch", "v": value}


def opened() -> ReplyDecoder:
    decoder = ReplyDecoder("ChatGpt")
    assert decoder.feed({"v": {"message": msg("assistant")}}) == ""
    return decoder


def test_deeply_nested_patch_lists_are_read_without_recursion() -> None:
    assert opened().feed(nested_patches(5000, "deep")) == "deep"


def test_nested_patch_lists_are_read_in_order() -> None:
    inner = [{"p": TEXT, "o": "append", "v": "b"}, {"p": TEXT, "o": "append", "v": "c"}]
    event = {
        "v": [
            {"p": TEXT, "o": "append", "v": "a"},
            {"p": TEXT, "o": "patch", "v": inner},
            {"p": "", "v": "skipped: not an object at the root"},
            "not a patch",
            {"p": TEXT, "o": "append", "v": "d"},
        ]
    }
    assert opened().feed(event) == "abcd"


def test_many_appends_take_linear_time() -> None:
    decoder = opened()
    # Quadratic before: 40,000 appends took 30 s. Linear, these take well under 0.1 s; the
    # shared bound (5 s) is generous for a loaded machine and still far below quadratic.
    appends = [{"p": TEXT, "o": "append", "v": "x" * 50}] * 50_000
    with ends_within():
        assert len(decoder.feed({"p": "", "o": "patch", "v": appends})) == 2_500_000
        assert decoder.feed({"message": msg("assistant", "x" * 2_500_001)}) == "x"


@pytest.mark.parametrize(
    "event",
    [
        {"p": nested_patches(5000, "x")["v"], "o": "append", "v": "x"},  # str() of a deep path
        {"p": TEXT, "o": [[[["append"]]]] * 3, "v": "x"},
        {"message": {"author": nested_patches(5000, "x"), "content": nested_patches(5000, "")}},
        {"v": {"message": {"id": [[[]]], "author": {"role": "assistant"}}}},
    ],
)
def test_hostile_fields_are_not_text(event: dict[str, Any]) -> None:
    assert opened().feed(event) == ""


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (nested_patches(5000, "x"), "{'p': '', 'o': 'patch', 'v': [{'p': "),  # str() recursed
        ({"code": 10**4000}, "{'code': a huge number}"),  # str() of it raised ValueError
        ({"message": "<" * 1_000_000}, "<<<"),  # a long text is cut before it is excerpted
        (list(range(10_000)), "[0, 1, 2, 3, 4, …]"),
    ],
)
def test_hostile_error_events_are_reply_errors_in_short(error: Any, shown: str) -> None:
    with ends_within(), pytest.raises(ReplyError) as caught:
        opened().feed({"error": error})
    assert f"The site reported an error: {shown}" in str(caught.value)
    assert len(str(caught.value)) < 400


def reported(error: Any) -> str:
    """What the decoder says of an error event carrying ``error``."""
    with pytest.raises(ReplyError) as caught:
        ReplyDecoder("ChatGpt").feed({"message": None, "error": error})
    assert caught.value.provider == "ChatGpt"
    return caught.value.message.removeprefix("The site reported an error: ")


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        ({"detail": "Conversation not found"}, "Conversation not found"),
        ({"message": "Too many requests", "detail": "x"}, "Too many requests"),
        ({"a": {"b": {"c": {"d": 1}}}}, "{'a': {'b': {'c': {…}}}}"),
        ([[[[1]]]], "[[[[…]]]]"),
        ([1, 2, 3, 4, 5], "[1, 2, 3, 4, 5]"),
        ([1, 2, 3, 4, 5, 6], "[1, 2, 3, 4, 5, …]"),
        ({f"k{i}": i for i in range(6)}, "{'k0': 0, 'k1': 1, 'k2': 2, 'k3': 3, 'k4': 4, …}"),
        ([2**64 - 1], "[18446744073709551615]"),
        ([2**64], "[a huge number]"),
    ],
    ids=[
        "detail",
        "message first",
        "deep object",
        "deep list",
        "five items",
        "six items",
        "six keys",
        "64 bits",
        "65 bits",
    ],
)
def test_an_error_object_is_shown_briefly(error: Any, shown: str) -> None:
    assert reported(error) == shown
