"""Hostile input to ChatGpt's turnstile interpreter and reply decoder: only documented errors."""

from __future__ import annotations

import base64
import copy
import functools
import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from providers.seeds.chatgpt_events import (
    FINISH_PATH,
    METADATA_PATH,
    TEXT_PATH,
    ReplyDecoder,
    ReplyError,
)
from providers.seeds.chatgpt_turnstile import (
    MAX_PRODUCED_CHARS,
    Machine,
    TurnstileError,
    decode_program,
    solve_turnstile,
)
from providers.seeds.chatgpt_values import xor
from tests.providers.test_chatgpt_turnstile import (
    URL,
    comparing_forever,
    doubling,
    hide,
    nested_json,
    repeated_base64,
    shared_halves,
    xor_many,
)
from tests.support.fuzz import only_raises

pytestmark = pytest.mark.fuzz

OPERATIONS = [1, 2, 3, 5, 6, 7, 8, 14, 15, 17, 18, 19, 20, 21, 23, 24]
NAMES = [
    "window",
    "document",
    "location",
    "localStorage",
    "window.document.location",
    "window.localStorage",
    "window.performance.now",
    "window.Object.create",
    "window.Object.keys",
    "window.Math.random",
    "window.Reflect.set",
    "window.fetch",
]
TOKENS = st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=40)

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(NAMES),
)
json_values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
registers = st.integers(0, 40) | st.sampled_from([9, 10, 16, 30, 31, 32])
operands = st.one_of(registers, registers, registers, json_values)
instructions = st.builds(
    lambda code, args: [code, *args],
    st.sampled_from(OPERATIONS) | registers | json_values,
    st.lists(operands, max_size=6),
)
programs = st.lists(st.one_of(instructions, instructions, instructions, json_values), max_size=40)


def run(program: list[Any], token: str = "gAAAAACtoken") -> str | BaseException:
    """The program's result or its TurnstileError; anything else, or too long, fails.

    A program changes its own lists: pass a copy of one hypothesis may show again.
    """
    machine = Machine(token, URL, 0.0)
    result = only_raises(lambda: machine.run(program), TurnstileError)
    assert machine.produced <= MAX_PRODUCED_CHARS
    return result


@given(programs)
def test_random_programs_raise_only_turnstile_errors(program: list[Any]) -> None:
    run(copy.deepcopy(program))


@given(programs, TOKENS)
def test_random_hidden_programs_raise_only_turnstile_errors(program: list[Any], token: str) -> None:
    dx = hide(program, token)
    only_raises(lambda: solve_turnstile(dx, token, URL, 0.0), TurnstileError)


@given(st.text() | st.binary().map(lambda data: base64.b64encode(data).decode()), TOKENS)
def test_random_dx_raises_only_turnstile_errors(dx: str, token: str) -> None:
    only_raises(lambda: decode_program(dx, token), TurnstileError)


growing_programs = st.one_of(  # each grows past a bound: by value, in all, or in items
    st.integers(17, 40).map(doubling),
    st.integers(50, 150).map(repeated_base64),
    st.integers(15, 99_000).map(xor_many),
    st.integers(15, 60).map(shared_halves),
)


@pytest.mark.slow
@settings(max_examples=25)  # each runs up to a few hundred milliseconds
@given(growing_programs)
def test_growing_programs_are_refused_in_bounded_time(program: list[Any]) -> None:
    assert isinstance(run(program), TurnstileError)


def cycle(times: int) -> list[Any]:
    """A list that holds itself, written as JSON ``times`` times."""
    return [[2, 30, []], [5, 30, 30], *([15, 31, 30] for _ in range(times)), [20, 31, 31, 3, 31]]


def deep_parse(depth: int) -> list[Any]:
    return [[2, 30, nested_json(depth)], [14, 31, 30], [15, 32, 31], [20, 32, 32, 3, 32]]


def huge_numbers(times: int) -> list[Any]:
    """An integer near Python's digit limit, doubled, then written every way it can be."""
    grow = [[2, 30, 10**4000], *([5, 30, 30] for _ in range(times))]
    write = [[2, 31, [30]], [8, 32, 30], [19, 32], [15, 33, 30], [1, 30, 31], [5, 31, 30]]
    return [*grow, *write, [2, 34, 0.5], [5, 34, 30], [20, 33, 33, 3, 33], [4, 30]]


odd_programs = st.one_of(
    st.integers(1, 1000).map(cycle),
    st.integers(1, 5000).map(deep_parse),
    st.integers(0, 40).map(huge_numbers),
)


@settings(max_examples=25)
@given(odd_programs)
def test_odd_programs_raise_only_turnstile_errors(program: list[Any]) -> None:
    run(program)


@pytest.mark.slow
def test_a_program_of_cheap_steps_ends_at_the_default_deadline() -> None:
    error = run(comparing_forever())
    assert isinstance(error, TurnstileError)
    assert "ran for over" in str(error)


@given(st.integers(900, 5000), st.sampled_from(["[", '{"a":']), TOKENS)
def test_deeply_nested_programs_raise_only_turnstile_errors(
    depth: int, opening: str, token: str
) -> None:
    closing = "]" if opening == "[" else "}"
    nested = opening * depth + "1" + closing * depth
    dx = base64.b64encode(xor(nested, token).encode()).decode()
    program = only_raises(lambda: decode_program(dx, token), TurnstileError)
    if isinstance(program, list):  # shallow enough for json: it must still run or fail cleanly
        run(program, token)


@given(st.text(), st.text(min_size=1))
def test_xor_is_the_per_character_xor(text: str, key: str) -> None:
    try:
        expected = "".join(chr(ord(c) ^ ord(key[i % len(key)])) for i, c in enumerate(text))
    except ValueError:
        with pytest.raises(ValueError, match="beyond U\\+10FFFF"):
            xor(text, key)
    else:
        assert xor(text, key) == expected


# The reply decoder: any JSON value, the shapes it looks for, and nesting as deep as it comes.

EVENT_KEYS = ["message", "v", "p", "o", "error", "author", "role", "content", "parts"]
EVENT_KEYS += ["metadata", "finish_details", "type", "id", "detail", "conversation_id"]
event_keys = st.sampled_from(EVENT_KEYS)
event_leaves = st.one_of(
    leaves,
    st.sampled_from(["", "/", TEXT_PATH, METADATA_PATH, FINISH_PATH, "/message/status"]),
    st.sampled_from(["append", "replace", "patch", "add", "assistant", "user", "stop"]),
)
events = st.recursive(
    event_leaves,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(event_keys | st.text(max_size=5), inner, max_size=6)
    ),
    max_leaves=30,
)


def feed_all(decoder: ReplyDecoder, stream: list[Any]) -> None:
    for event in stream:
        only_raises(functools.partial(decoder.feed, event), ReplyError)


@given(st.lists(events, max_size=20))
def test_random_events_raise_only_reply_errors(stream: list[Any]) -> None:
    feed_all(ReplyDecoder("ChatGpt"), stream)


def nest(kind: str, depth: int) -> Any:
    """A value ``depth`` deep where the decoder reads: patch lists, paths, messages, errors."""
    value: Any = "x"
    for _ in range(depth):
        if kind == "patches":
            value = [{"p": TEXT_PATH, "o": "append", "v": value}]
        elif kind == "lists":
            value = [value]
        else:
            value = {kind: value}
    return value


def hostile_event(kind: str, depth: int, where: str) -> dict[str, Any]:
    value = nest(kind, depth)
    shapes: dict[str, dict[str, Any]] = {
        "v": {"p": "", "o": "patch", "v": value},
        "p": {"p": value, "o": value, "v": value},
        "error": {"error": value},
        "message": {"message": {"author": value, "content": {"parts": value}, "id": value}},
        "opening": {"v": {"message": value}},
    }
    return shapes[where]


@given(
    st.sampled_from(["patches", "lists", "message", "v", "detail"]),
    st.integers(1000, 5000),
    st.sampled_from(["v", "p", "error", "message", "opening"]),
)
def test_deeply_nested_events_raise_only_reply_errors(kind: str, depth: int, where: str) -> None:
    decoder = ReplyDecoder("ChatGpt")
    decoder.feed({"v": {"message": {"author": {"role": "assistant"}, "id": "a"}}})
    feed_all(decoder, [hostile_event(kind, depth, where), {"v": "after"}])


patch_trees = st.recursive(
    st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4),
    max_leaves=20,
)


def as_patches(tree: Any) -> Any:
    """Text appends for a tree's leaves; a nested list becomes a nested patch list."""
    if isinstance(tree, str):
        return {"p": TEXT_PATH, "o": "append", "v": tree}
    return {"p": TEXT_PATH, "o": "patch", "v": [as_patches(branch) for branch in tree]}


def leaves_in_order(tree: Any) -> str:
    return tree if isinstance(tree, str) else "".join(map(leaves_in_order, tree))


@given(st.lists(patch_trees, max_size=6))
def test_nested_patch_lists_yield_their_text_in_order(trees: list[Any]) -> None:
    decoder = ReplyDecoder("ChatGpt")
    decoder.feed({"v": {"message": {"author": {"role": "assistant"}, "id": "a"}}})
    event = {"p": "", "o": "patch", "v": [as_patches(tree) for tree in trees]}
    assert decoder.feed(event) == "".join(map(leaves_in_order, trees))
