"""The turnstile interpreter on hand-built programs: each operation, its bounds, JSON.stringify."""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any

import pytest

from providers.errors import ProviderError
from providers.seeds.chatgpt_turnstile import (
    DEADLINE_SECONDS,
    LOCAL_STORAGE_KEYS,
    MAX_PRODUCED_CHARS,
    Machine,
    TurnstileError,
    decode_program,
    solve_turnstile,
)
from providers.seeds.chatgpt_values import (
    MAX_JSON_ITEMS,
    MAX_NESTING,
    MAX_VALUE_CHARS,
    UNDEFINED,
    ValueTooLarge,
    atob,
    js_stringify,
    text,
    xor,
)

TOKEN = "gAAAAACtoken"
URL = "https://chat.example"


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def machine(*program: list[Any], token: str = TOKEN) -> Machine:
    """A machine that ran ``program`` followed by a result, so it always ends cleanly."""
    run = Machine(token, URL, time.perf_counter())
    run.run([*program, [3, "end"]])
    return run


def value(run: Machine, register: int) -> Any:
    return run.registers.get(register, UNDEFINED)


def hide(program: list[Any], token: str) -> str:
    """What the site sends as ``dx``: the JSON XOR-ed with the token, then base64."""
    return b64(xor(json.dumps(program), token))


def test_initial_registers() -> None:
    run = machine()
    assert value(run, 10) == "window"
    assert value(run, 16) == TOKEN
    assert value(run, 9) == [[3, "end"]]


def test_op1_xor_of_texts() -> None:
    run = machine([2, 30, "abc"], [2, 31, "k"], [1, 30, 31])
    assert value(run, 30) == "".join(chr(ord(c) ^ ord("k")) for c in "abc")
    run = machine([2, 30, 12], [2, 31, "xy"], [1, 30, 31])  # a number XORs as its text
    assert value(run, 30) == xor("12", "xy")


def test_op2_literal_and_op3_result() -> None:
    run = Machine(TOKEN, URL, time.perf_counter())
    assert run.run([[2, 30, {"a": [1]}], [3, "first"], [3, "héllo"]]) == b64("héllo")
    assert value(run, 30) == {"a": [1]}


def test_op3_is_the_last_executed() -> None:
    program = [[3, "one"], [2, 40, 1], [2, 41, 1], [2, 42, "unused"], [20, 40, 41, 3, 43]]
    run = Machine(TOKEN, URL, 0.0)
    run.put(43, "computed")
    assert run.run(program) == b64("computed")


def test_op5_append_concat_sum_nan() -> None:
    run = machine(
        [5, 30, 10],  # unset + "window" → "window"
        [2, 31, [1]],
        [2, 32, 2],
        [5, 31, 32],  # list: append
        [5, 31, 99],  # list + unset: unchanged
        [2, 33, 1.5],
        [5, 33, 32],  # numbers: sum
        [2, 34, "n="],
        [5, 34, 33],  # string + number: concatenation of texts
        [2, 35, True],
        [2, 36, None],
        [5, 35, 36],  # neither strings nor numbers
        [2, 37, "x"],
        [5, 37, 99],  # string + unset → "xundefined"
    )
    assert value(run, 30) == "window"
    assert value(run, 31) == [1, 2]
    assert value(run, 33) == 3.5
    assert value(run, 34) == "n=3.5"
    assert value(run, 35) == "NaN"
    assert value(run, 37) == "xundefined"


def test_op6_paths_and_location() -> None:
    run = machine(
        [2, 30, "document"],
        [6, 31, 10, 30],
        [2, 32, "location"],
        [6, 33, 31, 32],
        [24, 34, 31, 32],  # 24 builds the path without mapping it
        [2, 35, 5],
        [6, 36, 10, 35],  # not two strings: nothing happens
    )
    assert value(run, 31) == "window.document"
    assert value(run, 33) == URL + "/"
    assert value(run, 34) == "window.document.location"
    assert value(run, 36) is UNDEFINED


def test_op7_reflect_set_on_a_new_object() -> None:
    run = machine(
        [2, 30, "window.Object.create"],
        [17, 31, 30, 99],
        [2, 32, "window.Reflect.set"],
        [2, 33, 7],
        [2, 34, [1, "two"]],
        [7, 32, 31, 33, 34],  # key 7 becomes the text "7"
        [15, 35, 31],
    )
    assert value(run, 31) == {"7": [1, "two"]}
    assert value(run, 35) == '{"7":[1,"two"]}'


def test_op8_copy_and_op14_parse() -> None:
    run = machine(
        [2, 30, '{"a": [1, 2.5, "é"]}'],
        [14, 31, 30],
        [8, 32, 31],
        [2, 33, "{not json"],
        [2, 34, "left"],
        [14, 34, 33],  # failure: the destination becomes unset
        [2, 35, "NaN"],
        [14, 36, 35],  # JavaScript's JSON.parse has no NaN
    )
    assert value(run, 31) == {"a": [1, 2.5, "é"]}
    assert value(run, 32) is value(run, 31)
    assert value(run, 34) is UNDEFINED
    assert value(run, 36) is UNDEFINED


def test_op15_stringify_is_compact_like_javascript() -> None:
    run = machine([2, 30, {"b": [1.0, None, True, "ü\n"], "a": 1e21}], [15, 31, 30], [15, 32, 99])
    assert value(run, 31) == '{"b":[1,null,true,"ü\\n"],"a":1e+21}'
    assert value(run, 32) is UNDEFINED  # JSON.stringify(undefined) is undefined


def test_op17_browser_functions() -> None:
    started = time.perf_counter() - 2.0
    run = Machine(TOKEN, URL, started)
    run.run(
        [
            [2, 30, "window.performance.now"],
            [17, 31, 30],
            [2, 32, "window.Object.keys"],
            [2, 33, "window.localStorage"],
            [17, 34, 32, 33],
            [2, 35, "window.Math.random"],
            [17, 36, 35],
            [3, "x"],
        ]
    )
    assert 2000 <= value(run, 31) < 60_000
    assert isinstance(value(run, 31), float)
    assert value(run, 34) == LOCAL_STORAGE_KEYS
    assert 0 <= value(run, 36) < 1


def test_op18_op19_base64_both_ways() -> None:
    run = machine([2, 30, "héllo"], [19, 30], [8, 31, 30], [18, 31], [2, 32, " YQ"], [18, 32])
    assert value(run, 30) == b64("héllo")
    assert value(run, 31) == "héllo"
    assert value(run, 32) == "a"  # like atob: unpadded input and spaces are accepted


def test_op20_calls_when_equal_only() -> None:
    run = machine(
        [2, 30, "window.Object.create"],
        [17, 31, 30],
        [2, 32, "window.Reflect.set"],
        [2, 33, "k"],
        [2, 40, 1],
        [2, 41, 1.0],
        [2, 42, "1"],
        [20, 40, 41, 32, 31, 33, 40],  # 1 === 1.0: set k
        [2, 34, "other"],
        [20, 40, 42, 32, 31, 34, 40],  # 1 !== "1": not called
    )
    assert value(run, 31) == {"k": 1}


def test_op21_nothing_and_op23_calls_when_set() -> None:
    run = machine(
        [21, 1, 2, 3],
        [2, 30, "window.Object.create"],
        [17, 31, 30],
        [2, 32, "window.Reflect.set"],
        [2, 33, "k"],
        [23, 99, 32, 31, 33, 30],  # 99 unset: not called
        [23, 30, 32, 31, 33, 30],
    )
    assert value(run, 31) == {"k": "window.Object.create"}


def test_overwritten_operation_register_does_nothing() -> None:
    run = machine([2, 2, "no longer an operation"], [2, 30, "x"])
    assert value(run, 30) is UNDEFINED


def test_float_register_names_are_the_same_register() -> None:
    run = machine([2.0, 30.0, "x"], [8, 31, 30])
    assert value(run, 31) == "x"


@pytest.mark.parametrize(
    ("program", "named"),
    [
        ([[4, 1, 2]], "[4,1,2]: there is no operation 4"),
        ([[2, 30, "window.fetch"], [17, 31, 30]], "[17,31,30]: 'window.fetch' is not a supported"),
        ([[7, 30]], "[7,30]: 'undefined' is not a supported browser function"),
        ([[2, 30, "%%%"], [18, 30]], "[18,30]"),
        ([[2, 30, "YQ"], [18, 30], [2, 31, "/w=="], [18, 31]], "[18,31]"),  # not UTF-8
        ([[2, 30, "x"], [2, 31, ""], [1, 30, 31]], "[1,30,31]: XOR with an empty key"),
        ([[2]], "[2]"),
        ([[2, [1], 3]], "[2,[1],3]"),
        (["not a list"], '"not a list": an instruction must be a non-empty list'),
        (
            [[2, 30, "window.Object.keys"], [17, 31, 30, 10]],
            "[17,31,30,10]: window.Object.keys of 'window'",
        ),
    ],
)
def test_unsupported_or_failing_instruction_is_named(program: list[Any], named: str) -> None:
    with pytest.raises(TurnstileError) as caught:
        Machine(TOKEN, URL, 0.0).run([*program, [3, "x"]])
    assert isinstance(caught.value, ProviderError)
    assert f"cannot run the unsupported turnstile instruction {named}" in str(caught.value)


def test_program_without_a_result_is_a_clear_error() -> None:
    with pytest.raises(TurnstileError, match="ended without a result"):
        Machine(TOKEN, URL, 0.0).run([[2, 30, 1]])


@pytest.mark.slow
def test_program_that_grows_forever_is_stopped() -> None:
    # Register 9 is the running program: appending to it adds instructions.
    program = [[2, 30, [5, 9, 31]], [8, 31, 30], [5, 9, 31]]
    # The step bound is what is tested: the time bound is set out of its way, so a slow or
    # traced run (mutmut, a loaded machine) cannot end it by the deadline first.
    with pytest.raises(TurnstileError, match="ran over"):
        Machine(TOKEN, URL, 0.0, time_limit=60.0).run(program)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (UNDEFINED, "undefined"),
        (3, "3"),
        (3.0, "3"),
        (0.1 + 0.2, "0.3"),  # %.16g: 16 significant digits
        (1 / 3, "0.3333333333333333"),
        (1e21, "1e+21"),
        (-2.5, "-2.5"),
        ("é", "é"),
        ([1, "a", None], '[1,"a",null]'),
        ({"k": [True]}, '{"k":[true]}'),
        (None, "null"),
        (False, "false"),
    ],
)
def test_text_rules(given: Any, expected: str) -> None:
    assert text(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            [1.0, 2.5, 1e-7, 1e-6, 1e20, 1e21, -0.0],
            "[1,2.5,1e-7,0.000001,100000000000000000000,1e+21,0]",
        ),
        ({"a": UNDEFINED, "b": [UNDEFINED]}, '{"b":[null]}'),
        ('tab\there "q" \\ \u2212 \x01', '"tab\\there \\"q\\" \\\\ \u2212 \\u0001"'),
        (float("nan"), "null"),
    ],
)
def test_js_stringify_matches_javascript(given: Any, expected: str) -> None:
    assert js_stringify(given) == expected


def test_decode_program_and_solve() -> None:
    token = "gAAAAACé-token"
    program = [[2, 30, "héllo"], [19, 30], [20, 30, 30, 3, 30]]
    assert decode_program(hide(program, token), token) == program
    assert solve_turnstile(hide(program, token), token, URL, 0.0) == b64(b64("héllo"))


def test_unreadable_program_is_a_clear_error() -> None:
    with pytest.raises(TurnstileError, match="Could not read the site's turnstile program"):
        decode_program(b64("not xor-ed json"), TOKEN)
    with pytest.raises(TurnstileError, match="not a list"):
        decode_program(hide({"a": 1}, TOKEN), TOKEN)  # type: ignore[arg-type]


# Hostile programs from the hardening issue: the server (or a proxy) chooses the program.


RESOLVE_30 = [20, 30, 30, 3, 30]
"""Operation 3 called with register 30's value: the program's result is what it built."""


def doubling(times: int, seed: str = "a 620-byte program") -> list[Any]:
    """A string doubled ``times`` times: 34 reached 3 GB in 7 s before values were bounded."""
    return [[2, 30, seed], *([5, 30, 30] for _ in range(times)), RESOLVE_30]


def repeated_base64(times: int, seed: str = "x") -> list[Any]:
    """A string base64-encoded ``times`` times (a third longer each time): it reached 5 GB."""
    return [[2, 30, seed], *([19, 30] for _ in range(times)), RESOLVE_30]


def xor_many(times: int) -> list[Any]:
    """A 1 MiB string XOR-ed ``times`` times: 99,000 ran for about two hours."""
    mib = [[2, 30, "a"], *([5, 30, 30] for _ in range(20)), [2, 31, "key"]]
    return [*mib, *([1, 30, 31] for _ in range(times)), RESOLVE_30]


def comparing_forever() -> list[Any]:
    """Two equal 2 Mi-character strings compared at every step by a program that appends
    itself one more step each time: every step builds nothing, all of them take seconds."""
    build = [[2, 40, "a"], *([5, 40, 40] for _ in range(21))]
    build += [[2, 41, "a"], *([5, 41, 41] for _ in range(21))]
    again = [[2, 60, 9], [2, 61, 31], [2, 31, [20, 40, 41, 5, 60, 61]], [5, 9, 31]]
    return build + again


def nested_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def shared_halves(levels: int) -> list[Any]:
    """A list holding the previous one twice, ``levels`` times: its JSON doubles each level."""
    program: list[Any] = [[2, 30, ["leaf"]]]
    for _ in range(levels):
        program += [[2, 31, []], [5, 31, 30], [5, 31, 30], [8, 30, 31]]
    return [*program, [15, 30, 30], RESOLVE_30]


def refused(program: list[Any], match: str, **kwargs: Any) -> Machine:
    """The machine that ran ``program`` and raised a TurnstileError matching ``match``."""
    run = Machine(TOKEN, URL, 0.0, **kwargs)
    start = time.perf_counter()
    with pytest.raises(TurnstileError, match=match):
        run.run(program)
    assert time.perf_counter() - start < DEADLINE_SECONDS + 1
    assert run.produced <= MAX_PRODUCED_CHARS
    return run


def test_a_string_doubled_34_times_is_refused_before_it_is_built() -> None:
    run = refused(doubling(34), "tried to build a value longer than Parley's limit of 2,097,152")
    longest = max(len(v) for v in run.registers.values() if isinstance(v, str))
    assert MAX_VALUE_CHARS // 2 < longest <= MAX_VALUE_CHARS


def test_repeated_base64_is_refused_before_it_is_built() -> None:
    run = refused(repeated_base64(100), "tried to build a value longer than")
    assert len(value(run, 30)) <= MAX_VALUE_CHARS


def test_base64_of_wide_characters_counts_their_utf8() -> None:
    wide = "€" * (MAX_VALUE_CHARS // 2)  # 3 bytes each: its base64 is twice its length
    refused([[2, 30, wide], [19, 30], RESOLVE_30], "tried to build a value longer than")


def test_xor_of_a_mebibyte_many_times_stops_at_the_total_bound() -> None:
    refused(xor_many(99_000), "built over 16,777,216 characters in all")


def test_a_program_of_cheap_steps_stops_at_the_deadline() -> None:
    run = refused(comparing_forever(), "ran for over 0.3 s", time_limit=0.3)
    assert len(value(run, 9)) < 100_000  # it did not get to the step bound


@pytest.mark.slow
def test_the_deadline_is_a_few_seconds_by_default() -> None:
    assert 1 <= DEADLINE_SECONDS <= 5
    assert Machine(TOKEN, URL, 0.0).time_limit == DEADLINE_SECONDS


def test_a_list_holding_itself_twice_over_is_refused_while_written() -> None:
    refused(shared_halves(40), f"a value of over {MAX_JSON_ITEMS:,} items as JSON")


def test_a_stopped_machine_ends_before_its_next_step() -> None:
    stop = threading.Event()
    stop.set()
    refused([[3, "x"]], "stopped before it ended", stop=stop)


def test_stop_from_another_thread_ends_a_long_program_promptly() -> None:
    stop = threading.Event()
    timer = threading.Timer(0.2, stop.set)
    timer.start()
    start = time.perf_counter()
    refused(comparing_forever(), "stopped before it ended", stop=stop)
    assert time.perf_counter() - start < 1.0
    timer.join()


def test_deeply_nested_program_is_a_clear_error() -> None:
    dx = b64(xor(nested_json(5000), TOKEN))  # json.loads raised RecursionError
    with pytest.raises(TurnstileError, match="Could not read the site's turnstile program"):
        decode_program(dx, TOKEN)


@pytest.mark.parametrize(
    "dx",
    [
        "%%%",  # not base64 (binascii.Error)
        b64("") + "é",  # not ASCII
        base64.b64encode(b"\xff\xfe").decode(),  # not UTF-8
        b64(xor(json.dumps([[2, 30, 1]]), "other token")),  # hidden with another token
        b64(xor("[" + "9" * 5000 + "]", TOKEN)),  # an integer over Python's digit limit
    ],
)
def test_unreadable_dx_is_a_turnstile_error(dx: str) -> None:
    with pytest.raises(TurnstileError, match="Could not read"):
        decode_program(dx, TOKEN)


def test_program_over_the_value_bound_is_not_decoded() -> None:
    with pytest.raises(TurnstileError, match="characters long, over Parley's limit"):
        decode_program("A" * (MAX_VALUE_CHARS + 4), TOKEN)


@pytest.mark.parametrize(
    "program",
    [
        [[4, 10**4000]],  # its error message overflowed float() (OverflowError escaped)
        [[2, 30, 10**4000], [2, 31, 0.5], [5, 30, 31]],  # int + float overflows
        [[2, 30, []], [5, 30, 30], [15, 31, 30]],  # a list that contains itself
        [[2, 30, []], [5, 30, 30], [2, 31, "x"], [5, 31, 30]],  # ... concatenated as text
        [[2, 30, [1]], [7, 30]],  # a register that holds no function
        [[2, 30, {"a": 1}], [20, 30, 30, 30]],  # ... called when equal
        [[5, 9, 9]],  # the program appended to itself
        [[5, 9, 1]],  # an operation appended to the program
        [[2, 30, nested_json(3000)], [14, 31, 30]],  # JSON.parse of deep text
        [[2, 30, nested_json(MAX_NESTING + 1)], [14, 31, 30], [15, 32, 31]],
        [[2, 30, "\U0010ffff"], [2, 31, "\U000fffff"], [1, 30, 31]],  # XOR past U+10FFFF
        [[2, 30, "\ud800"], [19, 30]],  # a lone surrogate has no UTF-8
        [[2, 30, "window.Reflect.set"], [7, 30, 31, 32, 33]],  # Reflect.set on undefined
        [[2, 30, ["x" * 500]], [17, 31, 30]],  # a long name in the message
        [[float("nan"), 1]],
        [[[1, 2], 1]],
        [[True]],
    ],
)
def test_hostile_operands_raise_only_turnstile_errors(program: list[Any]) -> None:
    with pytest.raises(TurnstileError) as caught:
        Machine(TOKEN, URL, 0.0).run([*program, [3, "x"]])
    assert len(caught.value.message) < 400


def test_xor_is_per_character_for_every_code_point() -> None:
    sample = "aé€\U0001f600\ud800\udfff\x00" * 3
    for key in ("k", "é€", "\U0001f600x", sample):
        expected = "".join(chr(ord(c) ^ ord(key[i % len(key)])) for i, c in enumerate(sample))
        assert xor(sample, key) == expected
    long = "abc" * 100_000
    assert xor(xor(long, "key!"), "key!") == long
    with pytest.raises(ValueError, match="beyond U\\+10FFFF"):
        xor("\U0010ffff", "\U000fffff")


def test_js_stringify_is_bounded() -> None:
    assert js_stringify("x" * 10, limit=12) == '"xxxxxxxxxx"'
    with pytest.raises(ValueTooLarge):
        js_stringify("x" * 11, limit=12)
    with pytest.raises(TurnstileError, match="items as JSON"):
        js_stringify([0] * MAX_JSON_ITEMS)
    deep: list[Any] = []
    for _ in range(MAX_NESTING):
        deep = [deep]
    with pytest.raises(ValueError, match="nested over"):
        js_stringify(deep)
    assert js_stringify(10**400) == "null"  # too large for a double: Infinity in JavaScript
    assert text(10**400) == "inf"


def result_of(*program: list[Any], started: float | None = None) -> str:
    """The decoded result of ``program``; ``[7, 3, r]`` hands register r's value to op 3."""
    clock = time.perf_counter() if started is None else started
    return base64.b64decode(Machine(TOKEN, URL, clock).run(list(program))).decode()


def path(register: int, *names: str) -> list[list[Any]]:
    """Instructions leaving ``window.<names...>`` in ``register`` (scratch from 200 on)."""
    steps: list[list[Any]] = []
    last = 10
    for i, name in enumerate(names):
        steps.append([2, 200 + i, name])
        target = register if i == len(names) - 1 else 210 + i
        steps.append([24, target, last, 200 + i])
        last = target
    return steps


@pytest.mark.parametrize(
    ("left", "right", "called"),
    [(1, True, False), ("a", "b", False), (None, False, False), (1, 1.0, True), ("a", "a", True)],
)
def test_op20_compares_like_javascripts_strict_equality(
    left: Any, right: Any, called: bool
) -> None:
    program = [[3, "unequal"], [2, 30, left], [2, 31, right], [2, 32, "equal"]]
    assert result_of(*program, [20, 30, 31, 3, 32]) == ("equal" if called else "unequal")


def test_calling_a_register_holding_a_list_names_the_instruction() -> None:
    with pytest.raises(TurnstileError) as caught:
        result_of([2, 30, [1, 2]], [7, 30], [3, "end"])
    assert str(caught.value).startswith(
        "Parley cannot run the unsupported turnstile instruction [7,30]: '[1,2]' is not a "
        "supported browser function."
    )


def test_object_keys_reflect_set_and_its_result() -> None:
    program = [*path(40, "Object", "create"), *path(41, "Reflect", "set")]
    program += [*path(42, "Object", "keys"), [17, 50, 40], [2, 51, "a"], [2, 52, 1]]
    program += [[17, 53, 41, 50, 51, 52], [17, 54, 42, 50], [2, 60, "|"]]
    program += [[8, 61, 53], [5, 61, 60], [5, 61, 54], [5, 61, 60], [5, 61, 50], [7, 3, 61]]
    assert result_of(*program) == 'true|["a"]|{"a":1}'


def test_reflect_set_on_a_string_names_what_it_got() -> None:
    with pytest.raises(TurnstileError) as caught:
        result_of(*path(41, "Reflect", "set"), [2, 30, "abc"], [7, 41, 30, 30, 30])
    assert "window.Reflect.set needs an object, not 'abc'." in str(caught.value)


def test_performance_now_counts_milliseconds_since_the_session_started() -> None:
    started = time.perf_counter() - 2.0
    program = [*path(45, "performance", "now"), [17, 46, 45], [7, 3, 46]]
    now = float(result_of(*program, started=started))
    assert 2000 <= now < 2001


@pytest.mark.parametrize("extra", [-1, 0])
def test_a_property_path_is_counted_with_its_dot(extra: int) -> None:
    """``owner.name`` is len(owner) + 1 + len(name) characters, refused past the bound."""
    owner = "w" * (MAX_VALUE_CHARS - 1 + extra)
    program = [[2, 30, owner], [2, 31, "x"], [24, 32, 30, 31], [3, "built"]]
    if extra < 0:
        assert result_of(*program) == "built"
    else:
        with pytest.raises(TurnstileError, match="value longer than Parley's limit"):
            result_of(*program)


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [("aGVs bG8=", "hello"), ("aGVs\nbG8", "hello"), ("aGk", "hi"), ("aGVsbA", "hell")],
)
def test_atob_skips_whitespace_and_restores_the_padding(encoded: str, decoded: str) -> None:
    assert atob(encoded) == decoded


def test_an_unset_value_shows_as_javascripts_undefined() -> None:
    assert repr(UNDEFINED) == "undefined"
    assert text(UNDEFINED) == "undefined"
