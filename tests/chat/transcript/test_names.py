"""File names from titles: safe on Windows, macOS and Linux, and unique in a folder."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat.transcript.names import MAX_BYTES, file_name
from tests.support.fuzz import ends_within

FORBIDDEN = set('/\\:*?"<>|')
RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{p}{d}" for p in ("com", "lpt") for d in "0123456789¹²³"
}


def check_safe(name: str, suffix: str) -> None:
    """What every operating system accepts, and shows as written."""
    assert name.endswith(suffix)
    stem = name[: len(name) - len(suffix)] if suffix else name
    assert stem
    assert len(stem.encode()) <= MAX_BYTES
    assert not FORBIDDEN & set(name)
    assert all(unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn") for c in name)
    assert stem[-1] not in " ."
    assert stem[0] not in " .-"
    assert stem.split(".")[0].rstrip(" ").lower() not in RESERVED
    assert unicodedata.normalize("NFC", name) == name


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Sorting in Python", "Sorting in Python.md"),
        ('What is 2/3? And a\\b: <x> | "y" *', "What is 2-3 And a-b x - y.md"),
        ("  trailing dots...  ", "trailing dots.md"),
        ("...hidden", "hidden.md"),
        ("line\nbreak\ttab", "line break tab.md"),
        ("", "Conversation.md"),
        ("???", "Conversation.md"),
        ("\u202eexe.gpj", "exe.gpj.md"),  # a right-to-left override cannot disguise it
        ("CON", "CON_.md"),
        ("nul.txt", "nul_.txt.md"),
        ("com1 ", "com1_.md"),
        ("LPT9.tar.gz", "LPT9_.tar.gz.md"),
        ("COM¹", "COM¹_.md"),
        ("Console", "Console.md"),
        ("Привет, мир", "Привет, мир.md"),
    ],
)
def test_a_title_becomes_a_safe_name(title: str, expected: str) -> None:
    assert file_name(title, ".md", set()) == expected


def test_a_long_title_is_cut_on_a_character_boundary() -> None:
    name = file_name("語" * 200, ".html", set())
    assert name == "語" * 33 + ".html"  # 3 bytes each: 99 of the 100
    assert len(file_name("a" * 300, ".md", set())) == MAX_BYTES + 3


def test_a_name_taken_in_any_case_gets_a_number() -> None:
    taken = {"notes.md"}
    assert file_name("Notes", ".md", taken) == "Notes (2).md"
    assert file_name("NOTES", ".md", taken) == "NOTES (3).md"
    assert file_name("Notes", ".txt", taken) == "Notes.txt"
    assert taken == {"notes.md", "notes (2).md", "notes (3).md", "notes.txt"}


def test_a_numbered_long_name_still_fits() -> None:
    taken: set[str] = set()
    names = [file_name("x" * 300, ".md", taken) for _ in range(12)]
    assert len(set(names)) == 12
    assert names[11] == "x" * (MAX_BYTES - 5) + " (12).md"
    for name in names:
        check_safe(name, ".md")


def test_composed_and_decomposed_accents_are_one_name() -> None:
    taken: set[str] = set()
    first = file_name("Cafe\u0301", ".md", taken)  # decomposed, as macOS stores it
    assert first == "Café.md"
    assert file_name("Café", ".md", taken) == "Café (2).md"


TITLES = st.text(st.characters(exclude_categories=()), max_size=200) | st.sampled_from(
    ["CON", "con.txt", "Aux ", "LPT1.x", " . ", "-", "a" * 500, "é" * 120, "\x00", "NUL . md"]
)


@pytest.mark.fuzz
@given(titles=st.lists(TITLES, min_size=1, max_size=12), suffix=st.sampled_from([".md", ""]))
def test_any_titles_give_safe_names_unique_ignoring_case(titles: list[str], suffix: str) -> None:
    taken: set[str] = set()
    names = []
    with ends_within():
        for title in titles:
            names.append(file_name(title, suffix, taken))
    for name in names:
        check_safe(name, suffix)
    folded = [unicodedata.normalize("NFC", n).casefold() for n in names]
    assert len(set(folded)) == len(names)
    assert taken == {unicodedata.normalize("NFC", name).casefold() for name in names}
