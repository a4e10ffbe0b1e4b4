"""JavaScript values for the turnstile: numbers, JSON text, its bounds, XOR and base64, exactly."""

from __future__ import annotations

import binascii
import json
import math
from typing import Any

import pytest

from providers.seeds.chatgpt_turnstile import Machine
from providers.seeds.chatgpt_values import (
    MAX_JSON_ITEMS,
    MAX_NESTING,
    UNDEFINED,
    TurnstileError,
    ValueTooLarge,
    atob,
    js_number,
    js_stringify,
    text,
    xor,
)

CHUNK = 1 << 16
"""Texts longer than this are written in pieces: the pieces must join up without a seam."""


@pytest.mark.parametrize(
    ("number", "written"),
    [
        (0.5, "0.5"),
        (0.25, "0.25"),
        (-2.5, "-2.5"),
        (-0.5, "-0.5"),
        (123.456, "123.456"),
        (100.0, "100"),
        (-1e-7, "-1e-7"),
        (1.25e-7, "1.25e-7"),
        (1.5e21, "1.5e+21"),
        (-1.5e21, "-1.5e+21"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (5e-324, "5e-324"),
        (10**21, "1e+21"),
        (-(10**21), "-1e+21"),
        (-7, "-7"),
    ],
)
def test_numbers_are_written_as_javascript_writes_them(number: float, written: str) -> None:
    assert js_number(number) == written
    assert js_stringify([number]) == f"[{written}]"


@pytest.mark.parametrize(
    ("number", "written"),
    [
        (math.nan, "NaN"),
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
        (10**400, "Infinity"),
        (-(10**400), "-Infinity"),
    ],
)
def test_numbers_without_a_json_form_are_written_by_string_and_as_null_in_json(
    number: float, written: str
) -> None:
    assert js_number(number) == written
    assert js_stringify({"n": number}) == '{"n":null}'


def test_an_integer_too_large_for_a_double_is_minus_infinity_when_negative() -> None:
    assert text(-(10**400)) == "-inf"
    assert text(10**400) == "inf"


def test_a_function_shows_as_native_code_and_has_no_json() -> None:
    run = Machine("gAAAAACtoken", "https://chat.example", 0.0)
    run.run([[8, 30, 2], [2, 31, "f="], [5, 31, 30], [15, 32, 30], [3, "end"]])
    assert run.registers[31] == "f=function () { [native code] }"
    assert 32 not in run.registers  # JSON.stringify(function) is undefined
    assert text(run.registers[30]) == "function () { [native code] }"
    assert js_stringify([run.registers[30], UNDEFINED]) == "[null,null]"


def test_a_long_text_is_written_in_pieces_that_join_up_exactly() -> None:
    sample = ('ab\n"é\\\x01' * (3 * CHUNK // 7))[: 2 * CHUNK + 5]
    assert js_stringify(sample) == json.dumps(sample, ensure_ascii=False)
    assert js_stringify({"k": sample}) == json.dumps(
        {"k": sample}, ensure_ascii=False, separators=(",", ":")
    )


def test_a_text_of_exactly_one_piece_is_written_whole() -> None:
    sample = "q" * (CHUNK - 1) + '"'
    assert js_stringify(sample) == json.dumps(sample)


def test_the_length_bound_counts_every_piece_written() -> None:
    assert js_stringify(["xxxxx", "yyyyy"], limit=17) == '["xxxxx","yyyyy"]'
    with pytest.raises(ValueTooLarge) as caught:
        js_stringify(["xxxxx", "yyyyy"], limit=16)
    assert caught.value.message == (
        "The site's turnstile program tried to write a value whose JSON is over 16 characters long."
    )


def test_the_item_bound_allows_exactly_its_number_of_items() -> None:
    assert js_stringify([0] * (MAX_JSON_ITEMS - 1)) == "[" + ",".join("0" * 19_999) + "]"
    with pytest.raises(TurnstileError) as caught:
        js_stringify([0] * MAX_JSON_ITEMS)
    assert caught.value.message == (
        "The site's turnstile program tried to write a value of over 20,000 items as JSON."
    )


def test_nesting_up_to_the_bound_is_written() -> None:
    deep: list[Any] = []
    for _ in range(MAX_NESTING - 1):
        deep = [deep]
    assert js_stringify(deep) == "[" * MAX_NESTING + "]" * MAX_NESTING
    with pytest.raises(ValueError, match=r"^a value nested over 100 deep is not written as JSON$"):
        js_stringify([deep])


def test_the_same_list_twice_side_by_side_is_written_twice() -> None:
    shared = [1, {"a": [2]}]
    assert js_stringify([shared, shared, {"b": shared}]) == (
        '[[1,{"a":[2]}],[1,{"a":[2]}],{"b":[1,{"a":[2]}]}]'
    )


@pytest.mark.parametrize("container", ["list", "dict"])
def test_a_value_that_contains_itself_is_refused_with_a_reason(container: str) -> None:
    loop: Any = [] if container == "list" else {}
    if container == "list":
        loop.append(loop)
    else:
        loop["self"] = loop
    with pytest.raises(ValueError, match=r"^a value that contains itself has no JSON text$"):
        js_stringify(loop)


def test_xor_with_an_empty_key_says_so() -> None:
    with pytest.raises(ValueError, match=r"^XOR with an empty key$"):
        xor("abc", "")


def test_xor_past_the_last_code_point_says_so() -> None:
    with pytest.raises(ValueError, match=r"^XOR made a character beyond U\+10FFFF$"):
        xor("a\U0010ffff", "a\U000fffff")


@pytest.mark.parametrize("encoded", ["Y$Q==", "aGk*", "aGVs bG8=!"])
def test_atob_refuses_characters_outside_base64(encoded: str) -> None:
    with pytest.raises(binascii.Error):
        atob(encoded)


def test_atob_decodes_utf8() -> None:
    assert atob("w6k") == "é"


@pytest.mark.parametrize(("value", "kind"), [({1}, "set"), ([b"x"], "bytes")])
def test_a_value_with_no_json_form_is_refused_naming_its_type(value: Any, kind: str) -> None:
    with pytest.raises(TypeError, match=f"^cannot serialise {kind}$"):
        js_stringify(value)


def test_an_integer_beyond_double_precision_is_written_as_javascripts_double() -> None:
    assert js_stringify([2**53, 2**53 + 1, -(2**53) - 1, 2**60]) == (
        "[9007199254740992,9007199254740992,-9007199254740992,1152921504606847000]"
    )
