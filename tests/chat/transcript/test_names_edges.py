"""File names from titles at their edges: the letter X at either end, reserved names with a
space or a long rest, and a cut after the underscore."""

from __future__ import annotations

import pytest

from chat.transcript.names import file_name


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Xylophone", "Xylophone.md"),
        ("Box X", "Box X.md"),
        ("conX", "conX.md"),
        ("AUX", "AUX_.md"),
        ("COM1 .x", "COM1_.x.md"),
        ("con." + "a" * 200, "con_." + "a" * 95 + ".md"),
    ],
)
def test_a_title_at_the_edges_becomes_this_name(title: str, expected: str) -> None:
    assert file_name(title, ".md", set()) == expected
