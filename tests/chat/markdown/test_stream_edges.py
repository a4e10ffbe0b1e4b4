"""The streaming renderer at its edges: every update shows what the text so far renders to,
whatever the cuts; code blocks that open, chunk, close and follow each other; carriage
returns held between pieces; Copy while a later block streams; the work counted."""

from __future__ import annotations

import threading

import pytest

from chat.markdown.code import lexer_for
from chat.markdown.pane import PaneMarkdown
from chat.markdown.stream import MarkdownStream, Update

SMALL = {"chunk_chars": 12, "longest_chunk": 40, "table_rows": 2}
TEXTS = [
    "Intro\n\n```python\nx = 1\n\nyy = 22\n\nzzz = 333\n```\nafter\n",
    "```\nunclosed\n\ncode\n\nstill open",
    "~~~js\na = 1\n~~~\n```python\nb = 2\n```\n",
    "```python\n" + "value = 1\n" * 9 + "```\n\nafter\n",
    "text\n```\ncode\n",
    "````\n```\n````\n",
    "```\n```\n",
    "```python\nx = 1\n```",
    "- one\n- two\n- three\n\nafter\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n| 5 | 6 |\n| 7 | 8 |\n\nend\n",
    "# Title\n\npara *em*\n\n> quote\n\n1. x\n2. y\n",
    "    indented code\n\npara\n",
    "a\r\nb\r\rc\rd\r\n\r\ne\r",
    "x\0y\n\n```\n\0\n```\n",
    "- a\n---\n",
]
LANGUAGES = ("python", "js")


@pytest.fixture(autouse=True)
def _lexers_found() -> None:
    """The lexers found beforehand, so that what streams is coloured as the whole text."""
    for language in LANGUAGES:
        assert lexer_for(language) is not None


def shown_at_each_update(text: str, step: int, **sizes: int) -> list[tuple[str, str]]:
    """``text`` fed ``step`` characters at a time: what each update shows (its pieces for
    good so far, then its tail), beside what the text so far renders to at once."""
    markdown = PaneMarkdown(**sizes)
    renderer = MarkdownStream(markdown, "m")
    shown, seen = "", []
    for end in range(step, len(text) + step, step):
        update = renderer.feed(text[end - step : end])
        shown += "".join(update.frozen)
        whole, _ = markdown.render(text[:end], 0, {}, "m", wait=False)
        seen.append((shown + update.tail, whole))
    done = renderer.finish()
    assert done.tail == ""
    whole, _ = markdown.render(text, 0, {}, "m")
    seen.append((shown + "".join(done.frozen), whole))
    return seen


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("step", [1, 2, 3, 5, 8, 1000])
def test_each_update_shows_what_the_text_so_far_renders_to(text: str, step: int) -> None:
    for sizes in ({}, SMALL):
        for shown, whole in shown_at_each_update(text, step, **sizes):
            assert shown == whole


def test_a_code_block_streams_as_its_label_then_its_chunks() -> None:
    markdown = PaneMarkdown(**SMALL)
    renderer = MarkdownStream(markdown, "m")
    code = "x = 1\n\nyy = 22\n\nzzz = 333\n"
    first = renderer.feed("Intro\n\n```python\n")  # the label, once its line is whole
    assert first.frozen == ("<p>Intro</p>\n", markdown.code_label("python", 0, "m"))
    second = renderer.feed(code[:16])  # the first chunk ends at a blank line past 12
    assert second.frozen == (markdown.code_chunk("x = 1\n\nyy = 22\n\n", "python", last=False),)
    third = renderer.feed(code[16:] + "```\nafter\n")
    assert third.frozen == (markdown.code_chunk("zzz = 333\n", "python", last=True),)
    assert third.tail == "<p>after</p>\n"
    assert renderer.finish().frozen == ("<p>after</p>\n",)
    assert renderer.code(0) == code


def test_an_open_code_block_shows_its_chunks_for_good_and_the_rest_in_its_language() -> None:
    markdown = PaneMarkdown(**SMALL)
    renderer = MarkdownStream(markdown, "m")
    update = renderer.feed("```python\nx = 1\n\nyy = 22\n\nzzz")
    assert update.frozen == (
        markdown.code_label("python", 0, "m"),
        markdown.code_chunk("x = 1\n\nyy = 22\n\n", "python", last=False),
    )
    assert update.tail == markdown.code_chunk("zzz", "python", last=True, wait=False)
    assert renderer.code(0) == "x = 1\n\nyy = 22\n\nzzz"


def test_code_blocks_one_after_another_are_numbered_in_order() -> None:
    markdown = PaneMarkdown()
    renderer = MarkdownStream(markdown, "m")
    text = "```python\na = 1\n```\n~~~js\nb = 2\n~~~\n\n```\nc\n```\n\n    d\n"
    pieces = []
    for start in range(0, len(text), 4):
        pieces.extend(renderer.feed(text[start : start + 4]).frozen)
    pieces.extend(renderer.finish().frozen)
    joined = "".join(pieces)
    for n in range(4):
        assert f'<a href="parley-copy:m/{n}">Copy</a>' in joined
    assert "parley-copy:m/4" not in joined
    assert [renderer.code(n) for n in range(5)] == ["a = 1\n", "b = 2\n", "c\n", "d\n", None]


def test_copy_gives_an_earlier_block_while_a_later_one_streams() -> None:
    renderer = MarkdownStream(PaneMarkdown(**SMALL), "m")
    renderer.feed("```python\na = 1\n```\n\n```python\nb = 2\n")
    assert renderer.code(0) == "a = 1\n"
    assert renderer.code(1) == "b = 2\n"
    renderer.feed("\nccc = 3\n\nd")
    assert renderer.code(0) == "a = 1\n"
    assert renderer.code(1) == "b = 2\n\nccc = 3\n\nd"
    assert renderer.code(2) is None


def test_a_fresh_stream_has_no_code_and_has_done_no_work() -> None:
    renderer = MarkdownStream(PaneMarkdown())
    assert renderer.code(0) is None
    assert renderer.parsed == 0
    assert renderer.unsettled == 0


def test_every_character_is_counted_as_work_at_least_once() -> None:
    text = TEXTS[0] + TEXTS[8] + TEXTS[9]
    for step in (1, 4, 9):
        renderer = MarkdownStream(PaneMarkdown(**SMALL))
        before = 0
        for end in range(step, len(text) + step, step):
            renderer.feed(text[end - step : end])
            assert renderer.parsed >= min(end, len(text))
            assert renderer.parsed >= before
            before = renderer.parsed


def test_a_carriage_return_at_the_end_of_a_piece_waits_for_its_line_feed() -> None:
    markdown = PaneMarkdown()
    renderer = MarkdownStream(markdown)
    first = renderer.feed("a\r")
    assert first.tail == "<p>a</p>\n"
    second = renderer.feed("\nb")
    assert second.tail == "<p>a\nb</p>\n"
    assert renderer.finish().frozen == ("<p>a\nb</p>\n",)


def test_a_text_ending_in_a_carriage_return_keeps_its_last_line() -> None:
    renderer = MarkdownStream(PaneMarkdown())
    assert renderer.feed("a\r").frozen == ()
    done = renderer.finish()
    assert done.frozen == ("<p>a</p>\n",)
    assert done.tail == ""


def test_carriage_returns_alone_end_lines() -> None:
    renderer = MarkdownStream(PaneMarkdown())
    update = renderer.feed("a\r\rb\r\rc\r")
    assert update.frozen == ("<p>a</p>\n",)
    assert update.tail == "<p>b</p>\n<p>c</p>\n"
    assert renderer.finish().frozen == ("<p>b</p>\n", "<p>c</p>\n")


def test_a_carriage_return_held_in_an_open_code_block_ends_its_chunk_in_the_tail() -> None:
    markdown = PaneMarkdown(**SMALL)
    renderer = MarkdownStream(markdown, "m")
    update = renderer.feed("```python\nx = 12345678\n\r")  # its blank line ends a chunk
    assert update.tail == (
        markdown.code_chunk("x = 12345678\n\n", "python", last=False, wait=False)
        + markdown.code_chunk("", "python", last=True, wait=False)
    )
    assert '<span style="color: #666">12345678</span>' in update.tail
    assert renderer.code(0) == "x = 12345678\n\n"


def test_code_blocks_that_arrive_whole_are_shown_as_their_label_then_their_chunks() -> None:
    markdown = PaneMarkdown(**SMALL)
    renderer = MarkdownStream(markdown, "m")
    code = "x = 1\n\nyy = 22\n\nzzz = 333\n"
    text = f"```python\n{code}```\n~~~\nb\n~~~\n\n```\nc\n```\n\nafter\n"
    update = renderer.feed(text)
    assert update.frozen == (
        markdown.code_label("python", 0, "m"),
        markdown.code_chunk("x = 1\n\nyy = 22\n\n", "python", last=False),
        markdown.code_chunk("zzz = 333\n", "python", last=True),
        markdown.code_label("", 1, "m"),
        markdown.code_chunk("b\n", "", last=True),
        markdown.code_label("", 2, "m"),
        markdown.code_chunk("c\n", "", last=True),
    )
    assert update.tail == "<p>after</p>\n"
    assert [renderer.code(n) for n in range(4)] == [code, "b\n", "c\n", None]


def test_what_follows_a_code_block_that_closes_is_shown_for_good_at_once() -> None:
    markdown = PaneMarkdown()
    renderer = MarkdownStream(markdown, "m")
    renderer.feed("```\nx\n")
    update = renderer.feed("```\na\n\nb\n")
    assert update.frozen == (markdown.code_chunk("x\n", "", last=True), "<p>a</p>\n")
    assert update.tail == "<p>b</p>\n"


@pytest.mark.parametrize("text", ["```\nx = 1\n```\n", "\n```\nx = 1\n```\n"])
def test_a_closed_code_block_fed_whole_is_parsed_once(text: str) -> None:
    renderer = MarkdownStream(PaneMarkdown())
    renderer.feed(text)
    assert renderer.parsed == len(text)
    renderer.finish()
    assert renderer.parsed == len(text)


def test_the_work_counted_is_the_lines_parsed_then_each_part_drawn() -> None:
    renderer = MarkdownStream(PaneMarkdown())
    renderer.feed("a\n\nb\n")
    assert renderer.parsed == 5 + 2 + 2  # the lines, the first paragraph, the tail
    renderer.finish()
    assert renderer.parsed == 9 + 2 + 2  # the last paragraph parsed, then drawn


def lexer_threads_joined() -> None:
    for thread in threading.enumerate():
        if thread.name == "Parley lexer":
            thread.join(10)


def test_an_open_block_in_a_language_not_found_yet_is_drawn_uncoloured() -> None:
    """Finding scala's lexer the first time takes about 170 ms: both updates come before."""
    markdown = PaneMarkdown(**SMALL)
    renderer = MarkdownStream(markdown, "m")
    first = renderer.feed("```scala\nx = 1")  # no other test uses scala
    second = renderer.feed("2345678\n\r")  # a held "\r" ends a chunk in the tail
    lexer_threads_joined()
    assert first.tail == markdown.code_chunk("x = 1", "", last=True, wait=False)
    assert second.tail == (
        markdown.code_chunk("x = 12345678\n\n", "", last=False, wait=False)
        + markdown.code_chunk("", "", last=True, wait=False)
    )


def test_finishing_inside_an_open_code_block_parses_it_once_more_and_nothing_after() -> None:
    text = "```\nx\n  "
    renderer = MarkdownStream(PaneMarkdown())
    renderer.feed(text)
    before = renderer.parsed
    renderer.finish()
    assert renderer.parsed - before == len(text)


def test_finishing_again_shows_nothing_more_and_does_no_work() -> None:
    renderer = MarkdownStream(PaneMarkdown())
    renderer.feed("a\r")
    renderer.finish()
    before = renderer.parsed
    assert renderer.finish() == Update((), "")
    assert renderer.parsed == before
