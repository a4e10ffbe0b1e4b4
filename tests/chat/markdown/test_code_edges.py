"""Code blocks at their edges: the language a fence names, where a long block is cut into
chunks (at a blank line past so many characters, or at a line end past so many more), and
the background of each theme's code."""

from __future__ import annotations

from chat.markdown.code import background, chunk_end, chunks, highlighted, language_of
from chat.markdown.theme import DARK_STYLE, LIGHT_STYLE

CODE = "ab\n\ncd\n\nef\n"


def test_a_fences_language_is_its_first_word() -> None:
    assert language_of("python title='x' more") == "python"
    assert language_of("  rust  ") == "rust"
    assert language_of("c\\+\\+") == "c++"  # its backslash escapes undone
    assert language_of("") == ""
    assert language_of("   ") == ""


def test_code_in_no_known_language_is_escaped_with_its_quotes_as_typed() -> None:
    assert highlighted("a < \"b\" & 'c'", "", inline_styles=False) == ("a &lt; \"b\" &amp; 'c'")


def test_a_chunk_ends_after_its_first_blank_line_past_so_many_characters() -> None:
    assert chunk_end(CODE, 0, 3, 100) == 4  # "ab\n" is 3 characters, but not blank
    assert chunk_end(CODE, 4, 3, 100) == 8  # counted from where the chunk starts
    assert chunk_end("ab\n\n", 0, 4, 100) == 4  # blank at exactly 4
    assert chunk_end("x\n\n", 2, 1, 100) == 3  # its first line is blank
    assert chunk_end("x \n", 1, 1, 100) == 3  # from mid-line: the rest of it is blank
    assert chunk_end("\nabc\n", 0, 3, 100) is None  # blank, but too soon
    assert chunk_end("ab\ncd", 0, 1, 100) is None  # no blank line yet


def test_a_chunk_ends_at_a_line_end_past_the_longest_blank_line_or_not() -> None:
    assert chunk_end("abcd\nx\n", 0, 100, 5) == 5  # exactly the longest
    assert chunk_end("abcdef\nx\n", 0, 100, 5) == 7
    assert chunk_end(CODE, 4, 3, 5) == 8  # counted from where the chunk starts
    assert chunk_end("abcdefgh", 0, 1, 5) is None  # the line is not whole yet


def test_a_block_is_cut_at_every_chunk_end_the_rest_last() -> None:
    assert chunks("ab\n\ncd\n\nef", 3, 100) == ["ab\n\n", "cd\n\n", "ef"]
    assert chunks("abcdef\nghijkl\n", 100, 5) == ["abcdef\n", "ghijkl\n", ""]
    assert chunks("short\n") == ["short\n"]


def test_each_theme_has_the_background_of_its_code_style() -> None:
    assert background(LIGHT_STYLE) == "#f8f8f8"
    assert background(DARK_STYLE) == "#0d1117"
    assert background() == "#f8f8f8"
