"""The turnstile interpreter's exact refusals, its bounds at their edges, and solve_turnstile."""

from __future__ import annotations

import base64
import copy
import json
import threading
import time
from typing import Any

import pytest

from providers.seeds.chatgpt_turnstile import (
    MAX_PRODUCED_CHARS,
    MAX_STEPS,
    Machine,
    decode_program,
    solve_turnstile,
)
from providers.seeds.chatgpt_values import MAX_VALUE_CHARS, TurnstileError, xor

TOKEN = "gAAAAACtoken"
URL = "https://chat.example"
RESOLVE_30 = [20, 30, 30, 3, 30]
"""Operation 3 called with register 30's value: the program's result is what it built."""
CANNOT = "Parley cannot run the unsupported turnstile instruction "
BUILT_IN_ALL = (
    "The site's turnstile program built over 16,777,216 characters in all, far more than a "
    "browser check needs."
)
TOO_LONG = (
    "The site's turnstile program tried to build a value longer than Parley's limit of "
    "2,097,152 characters."
)


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def hide(program: Any, token: str = TOKEN) -> str:
    """What the site sends as ``dx``: the JSON XOR-ed with the token, then base64."""
    return b64(xor(json.dumps(program), token))


def result(program: list[Any], url: str = URL) -> str:
    """The decoded result of running (a copy of: programs change their values) ``program``."""
    return base64.b64decode(Machine(TOKEN, url, 0.0).run(copy.deepcopy(program))).decode()


def refusal(program: list[Any], **kwargs: Any) -> str:
    """The message of the TurnstileError that running (a copy of) ``program`` raised."""
    with pytest.raises(TurnstileError) as caught:
        Machine(TOKEN, URL, 0.0, **kwargs).run(copy.deepcopy(program))
    return caught.value.message


def long_name(length: int) -> str:
    return ("window." + "x" * length)[:length]


@pytest.mark.parametrize(
    ("program", "message"),
    [
        ([[True]], "[true]: true is not a register name."),
        ([[[1, 2], 1]], "[[1,2],1]: [1,2] is not a register name."),
        ([[float("nan"), 1]], "[null,1]: nan is not a register name."),
        ([[]], "[]: an instruction must be a non-empty list."),
        ([[5, 9, 1], [3, "x"]], "Operation(1): an instruction must be a non-empty list."),
        ([[4, "x" * 200]], '[4,"' + "x" * 115 + "…: there is no operation 4."),
        (
            [[2, 30, []], [5, 30, 30], [7, 30]],
            "[7,30]: '[…' is not a supported browser function.",
        ),
        (
            [
                [2, 30, {}],
                [2, 31, "self"],
                [2, 32, "window.Reflect.set"],
                [7, 32, 30, 31, 30],
                [15, 33, 30],
            ],
            "[15,33,30]: a value that contains itself has no JSON text.",
        ),
        (
            [[2, 30, long_name(120)], [17, 31, 30]],
            f"[17,31,30]: '{long_name(120)}' is not a supported browser function.",
        ),
        (
            [[2, 30, long_name(121)], [17, 31, 30]],
            f"[17,31,30]: '{long_name(119)}…' is not a supported browser function.",
        ),
        (
            [[2, 30, "\U0010ffff"], [2, 31, "\U000fffff"], [1, 30, 31]],
            "[1,30,31]: XOR made a character beyond U+10FFFF.",
        ),
    ],
)
def test_an_instruction_that_cannot_run_is_named_with_the_reason(
    program: list[Any], message: str
) -> None:
    assert refusal(program) == CANNOT + message


def test_a_program_without_a_result_says_so() -> None:
    assert refusal([[2, 30, 1]]) == "The site's turnstile program ended without a result."


def test_a_stopped_program_says_so() -> None:
    stop = threading.Event()
    stop.set()
    assert refusal([[3, "x"]], stop=stop) == "The turnstile program was stopped before it ended."


def test_a_program_past_its_time_says_how_long_it_ran() -> None:
    build = [[2, 40, "a"], *([5, 40, 40] for _ in range(21))]
    build += [[2, 41, "a"], *([5, 41, 41] for _ in range(21))]
    again = [[2, 60, 9], [2, 61, 31], [2, 31, [20, 40, 41, 5, 60, 61]], [5, 9, 31]]
    assert refusal(build + again, time_limit=0.05) == (
        "The site's turnstile program ran for over 0.05 s, where a browser check takes "
        "milliseconds."
    )


def test_a_value_whose_json_is_too_long_is_refused_by_the_value_bound() -> None:
    program = [[2, 30, "a" * MAX_VALUE_CHARS], [15, 31, 30], [3, "x"]]
    assert refusal(program) == TOO_LONG


def test_calling_a_register_that_holds_a_string_does_nothing() -> None:
    assert result([[2, 30, "window.Math.random"], [30], [3, "done"]]) == "done"


@pytest.mark.parametrize(
    ("checked", "called"), [([10], "set"), ([99], "start"), ([99, 10], "set"), ([10, 99], "set")]
)
def test_op23_calls_only_when_its_register_is_set(checked: list[int], called: str) -> None:
    """Register 10 holds "window", 99 nothing; op 23 hands the text it calls with to op 3."""
    program: list[list[Any]] = [[3, "start"], [2, 40, "set"], [2, 41, "unset"]]
    for register in checked:
        program.append([23, register, 3, 40 if register == 10 else 41])
    assert result(program) == called


@pytest.mark.parametrize(("left", "right"), [(1, True), ({}, 1), (1, None)])
def test_adding_a_number_to_what_is_neither_number_nor_text_is_nan(left: Any, right: Any) -> None:
    assert result([[2, 30, left], [2, 31, right], [5, 30, 31], RESOLVE_30]) == "NaN"


def test_solve_turnstile_gives_the_program_the_token_the_location_and_the_clock() -> None:
    program = [[8, 30, 16], [2, 41, "|"], [5, 30, 41]]
    program += [[2, 42, "document"], [6, 43, 10, 42], [2, 44, "location"], [6, 45, 43, 44]]
    program += [[5, 30, 45], [5, 30, 41], [2, 46, "window.performance.now"], [17, 47, 46]]
    program += [[5, 30, 47], RESOLVE_30]
    started = time.perf_counter() - 5.0
    answer = base64.b64decode(solve_turnstile(hide(program), TOKEN, URL, started)).decode()
    token, location, now = answer.split("|")
    assert (token, location) == (TOKEN, URL + "/")
    assert 5000 <= float(now) < 60_000


def test_solve_turnstile_honours_its_stop_event() -> None:
    stop = threading.Event()
    stop.set()
    with pytest.raises(TurnstileError) as caught:
        solve_turnstile(hide([[3, "x"]]), TOKEN, URL, 0.0, stop=stop)
    assert caught.value.message == "The turnstile program was stopped before it ended."


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("https://mirror.example/ChatX", "https://mirror.example/ChatX/"),
        ("https://mirror.example/ChatX/", "https://mirror.example/ChatX/"),
        ("https://mirror.example//", "https://mirror.example/"),
    ],
)
def test_the_document_location_is_the_site_url_with_one_slash(url: str, location: str) -> None:
    program = [[2, 42, "document"], [6, 43, 10, 42], [2, 44, "location"], [6, 30, 43, 44]]
    assert result([*program, RESOLVE_30], url=url) == location


def test_the_program_is_hidden_with_the_token_it_is_given() -> None:
    program = [[2, 30, "héllo"], [19, 30], RESOLVE_30]
    token = "gAAAAACother"
    assert decode_program(hide(program, token), token) == program
    with pytest.raises(TurnstileError) as caught:
        decode_program(b64(xor("[[3, ", TOKEN)), TOKEN)  # a program cut short
    assert caught.value.message == (
        "Could not read the site's turnstile program (Expecting value: line 1 column 6 (char 5))."
    )


def test_a_program_that_is_no_list_says_so() -> None:
    with pytest.raises(TurnstileError) as caught:
        decode_program(hide({"a": 1}), TOKEN)
    assert caught.value.message == "The site's turnstile program is not a list of instructions."


def test_a_program_of_exactly_the_length_bound_is_read() -> None:
    program: list[Any] = [[2, 30, ""], [3, "x"]]
    program[0][2] = "a" * (MAX_VALUE_CHARS // 4 * 3 - len(json.dumps(program)))
    dx = hide(program)
    assert len(dx) == MAX_VALUE_CHARS
    assert decode_program(dx, TOKEN) == program
    with pytest.raises(TurnstileError) as caught:
        decode_program(dx + "AAAA", TOKEN)
    assert caught.value.message == (
        "The site's turnstile program is 2,097,156 characters long, over Parley's limit of "
        "2,097,152."
    )


@pytest.mark.parametrize(("extra", "refused"), [(0, False), (1, True)])
def test_base64_up_to_the_value_bound_is_built(extra: int, refused: bool) -> None:
    """Base64 of 3n characters is 4n long: 1,572,864 ASCII characters give the bound exactly."""
    program = [[2, 30, "a" * (MAX_VALUE_CHARS // 4 * 3 + extra)], [19, 30], [3, "built"]]
    if refused:
        assert refusal(program) == TOO_LONG
    else:
        assert result(program) == "built"


def filled(steps: int = 8) -> list[list[Any]]:
    """Instructions building ``steps`` values of 2 Mi characters: 16 Mi, the total bound, at 8.

    A program that ends there must end with an empty result: the result's base64 is counted too.
    """
    program: list[list[Any]] = [[2, 31, "a" * (MAX_VALUE_CHARS // 2)], [2, 34, ""]]
    for _ in range(steps):
        program += [[8, 30, 31], [5, 30, 30]]
    return program


def test_a_program_may_build_exactly_the_total_bound() -> None:
    run = Machine(TOKEN, URL, 0.0)
    assert run.run([*filled(), [5, 34, 34], [3, ""]]) == ""
    assert run.produced == MAX_PRODUCED_CHARS


def test_one_character_past_the_total_bound_is_refused() -> None:
    assert refusal([*filled(), [2, 35, "b"], [5, 34, 35], [3, "done"]]) == BUILT_IN_ALL


def test_base64_is_counted_once_against_the_total_bound() -> None:
    wide = "a" * (MAX_VALUE_CHARS // 4 * 3)  # its base64 is the last 2 Mi of the total
    program = [*filled(7), [2, 36, wide], [19, 36], [5, 34, 34], [3, ""]]
    run = Machine(TOKEN, URL, 0.0)
    assert run.run(program) == ""
    assert run.produced == MAX_PRODUCED_CHARS


def test_json_longer_than_what_is_left_of_the_total_is_refused_by_the_total_bound() -> None:
    """Less than a value's worth is left: the total is the bound the JSON passes first."""
    program = [*filled(7), [2, 35, "b"], [5, 34, 35], [2, 36, "a" * MAX_VALUE_CHARS]]
    assert refusal([*program, [15, 37, 36], [3, ""]]) == BUILT_IN_ALL


def test_a_program_past_its_step_bound_says_so() -> None:
    program = [[21]] * MAX_STEPS + [[3, "x"]]
    message = refusal(program, time_limit=60.0)
    assert message == "The site's turnstile program ran over 100000 steps."
