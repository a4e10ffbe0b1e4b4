"""What ``-o`` hands ``parley ask``: a value is read as JSON only when it is a number or a
boolean; anything else is checked as the text it is."""

from __future__ import annotations

import pytest

from chat.cli_input import UsageError, parse_options
from providers.contract import Options


@pytest.mark.parametrize(
    ("pair", "said"),
    [
        ('temperature="0.5"', "--option temperature: '\"0.5\"' is not a number."),
        ("temperature=null", "--option temperature: 'null' is not a number."),
        ("seed=[1]", "--option seed: '[1]' is not a whole number."),
    ],
)
def test_a_json_text_or_list_is_not_taken_for_the_number_inside_it(pair: str, said: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_options([pair])
    assert str(caught.value) == said


def test_json_numbers_and_booleans_are_read_as_such() -> None:
    options = parse_options(["temperature=1e-1", "seed=7", "max_tokens=12"])
    assert options == Options(temperature=0.1, seed=7, max_tokens=12)
