"""The turnstile interpreter's refusal of a program that has built all it may: for that, first."""

from __future__ import annotations

from typing import Any

import pytest

from providers.seeds.chatgpt_turnstile import MAX_PRODUCED_CHARS, Machine
from providers.seeds.chatgpt_values import MAX_VALUE_CHARS, TurnstileError

TOKEN = "gAAAAACtoken"
URL = "https://chat.example"
BUILT_IN_ALL = (
    "The site's turnstile program built over 16,777,216 characters in all, far more than a "
    "browser check needs."
)


def filled() -> list[list[Any]]:
    """Instructions building eight values of 2 Mi characters: 16 Mi, the total bound."""
    program: list[list[Any]] = [[2, 31, "a" * (MAX_VALUE_CHARS // 2)]]
    for _ in range(8):
        program += [[8, 30, 31], [5, 30, 30]]
    return program


@pytest.mark.parametrize(
    "value",
    [
        [[2, 36, []], [5, 36, 36]],  # a list that holds itself
        [[2, 36, [0] * 20_001]],  # more items than JSON is written for
    ],
    ids=["holding itself", "too many items"],
)
def test_a_program_with_nothing_left_to_build_is_refused_for_that_before_its_json_is_read(
    value: list[list[Any]],
) -> None:
    """Past the total, not a character more is written: the JSON's own faults, found further
    in, are never reached."""
    machine = Machine(TOKEN, URL, 0.0)
    with pytest.raises(TurnstileError) as caught:
        machine.run([*filled(), *value, [15, 37, 36], [3, 37]])
    assert caught.value.message == BUILT_IN_ALL
    assert machine.produced == MAX_PRODUCED_CHARS
