"""The streaming renderer: whatever the cuts, the pieces are the whole text rendered at once,
and one update's work is bounded by the new text and the tail, not by what came before."""

from __future__ import annotations

import itertools
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat.markdown.pane import PaneMarkdown
from chat.markdown.stream import MarkdownStream, Update
from tests.support.fuzz import ends_within

SMALL_CHUNKS = {"chunk_chars": 12, "longest_chunk": 40, "table_rows": 2}
"""Code chunks and table parts small enough for generated texts to cross their bounds."""
FRAGMENTS = [
    "\n", "\n", "\n\n", " ", "  ", "    ", "\t", "a", "b c", "2", "10", "```", "```py\n",
    "~~~", "````", "$", "$$", "$$\n", "\\(", "\\)", "\\[", "\\]", "\\", "- ", "* ", "+ ", "1. ",
    "2) ", "> ", "# ", "#", "|", "| a | b |\n", "|---|---|\n", "| c |\n", "|:-:|\n", "--|--",
    "---", "===", "***",
    "`", "*", "_", "~~", "[ ] ", "[x] ", "[a](http://x.example)", "[j](javascript:x)",
    "![i](http://y.example/i.png)", "<b>", "&amp;", "\r", "\r\n", "[r]: http://r.example",
    "[r]", "def f():\n", "    return 1\n", "\"\"\"", "é", "漢字", "🙂", "\x00",
]  # fmt: skip
texts = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=3), max_size=60).map("".join)


cells = st.text(st.sampled_from("ab |`*\\-:"), max_size=6)
tables = st.builds(
    lambda head, rows, after: (
        "| x | y |\n|---|:-:|\n" + "".join(f"|{a}|{b}|\n" for a, b in rows) + after
    ),
    st.none(),
    st.lists(st.tuples(cells, cells), max_size=9),
    st.sampled_from(["", "\n", "\nafter\n", "- item\n", "| z |\n"]),
)


def stream(text: str, cuts: list[int], md: PaneMarkdown) -> tuple[list[Update], MarkdownStream]:
    """``text`` fed in the pieces ``cuts`` make, then finished."""
    renderer = MarkdownStream(md)
    bounds = [0, *sorted(cut for cut in cuts if cut <= len(text)), len(text)]
    updates = [renderer.feed(text[a:b]) for a, b in itertools.pairwise(bounds)]
    return [*updates, renderer.finish()], renderer


def frozen(updates: list[Update]) -> str:
    return "".join(piece for update in updates for piece in update.frozen)


def fed_in_steps(text: str, step: int) -> tuple[list[int], str]:
    """``text`` fed ``step`` characters at a time: the work of each update, and every
    piece shown for good."""
    renderer = MarkdownStream(PaneMarkdown())
    costs, updates = [], []
    for start in range(0, len(text), step):
        before = renderer.parsed
        updates.append(renderer.feed(text[start : start + step]))
        costs.append(renderer.parsed - before)
    return costs, frozen([*updates, renderer.finish()])


@pytest.mark.fuzz
@given(texts, st.lists(st.integers(min_value=0, max_value=400), max_size=30))
def test_the_pieces_are_the_whole_text_rendered_at_once(text: str, cuts: list[int]) -> None:
    for sizes in ({}, SMALL_CHUNKS):
        whole, _ = PaneMarkdown(**sizes).render(text, 0, {})
        updates, _ = stream(text, cuts, PaneMarkdown(**sizes))
        assert frozen(updates[:-1]) + updates[-2].tail == whole
        assert frozen(updates) == whole


@pytest.mark.fuzz
@given(tables, st.lists(st.integers(min_value=0, max_value=400), max_size=30))
def test_a_long_table_in_parts_is_the_whole_table_rendered_at_once(
    text: str, cuts: list[int]
) -> None:
    for sizes in ({"table_rows": 2}, {"table_rows": 3}):
        whole, _ = PaneMarkdown(**sizes).render(text, 0, {})
        updates, _ = stream(text, cuts, PaneMarkdown(**sizes))
        assert frozen(updates[:-1]) + updates[-2].tail == whole
        assert frozen(updates) == whole


@pytest.mark.fuzz
@given(texts, st.lists(st.integers(min_value=0, max_value=400), max_size=30))
def test_an_update_parses_no_more_than_the_new_text_and_the_tail(
    text: str, cuts: list[int]
) -> None:
    renderer = MarkdownStream(PaneMarkdown(**SMALL_CHUNKS))
    bounds = [0, *sorted(cut for cut in cuts if cut <= len(text)), len(text)]
    for a, b in itertools.pairwise(bounds):
        before, unsettled = renderer.parsed, renderer.unsettled
        renderer.feed(text[a:b])
        assert renderer.parsed - before <= 4 * (unsettled + b - a)


def test_a_long_code_block_is_highlighted_chunk_by_chunk() -> None:
    """100,000 characters of code streamed in small pieces: an update's work stays the same
    from the first line to the last."""
    line = "    total = compute(value, 'text') + 1  # a comment\n"
    text = "```python\n" + "".join(line if i % 30 else "\n" for i in range(2000)) + "```\n"
    renderer = MarkdownStream(PaneMarkdown())
    costs = []
    with ends_within():
        for start in range(0, len(text), 200):
            before = renderer.parsed
            renderer.feed(text[start : start + 200])
            costs.append(renderer.parsed - before)
        renderer.finish()
    assert len(text) > 100_000
    assert max(costs) < 4 * 7000  # twice a chunk at most, each parsed twice
    assert max(costs[-50:]) <= 2 * max(costs[:50])


def test_a_long_reply_costs_the_same_per_update_at_its_end() -> None:
    paragraph = "Some words, *emphasis*, `code` and a [link](https://example.com).\n\n"
    text = "# Heading\n\n" + "- item\n- item\n\n".join(paragraph for _ in range(2000))
    renderer = MarkdownStream(PaneMarkdown())
    costs = []
    for start in range(0, len(text), 20):
        before = renderer.parsed
        renderer.feed(text[start : start + 20])
        costs.append(renderer.parsed - before)
    assert max(costs[-500:]) <= max(costs[:500])


def test_copy_has_the_exact_source_while_streaming_and_after() -> None:
    code = "x = 1\n\n\n" * 20 + "print('<tag>')  \n"
    renderer = MarkdownStream(PaneMarkdown(**SMALL_CHUNKS))
    text = f"Intro\n\n```python\n{code}```\n\n- ```\n  nested\n  ```\n"
    seen = []
    for start in range(0, len(text), 7):
        renderer.feed(text[start : start + 7])
        seen.append(renderer.code(0))
    renderer.finish()
    assert renderer.code(0) == code
    assert renderer.code(1) == "nested\n"
    assert renderer.code(2) is None
    assert all((code + "```").startswith(part or "") for part in seen)  # what is shown


def test_carriage_returns_split_between_pieces() -> None:
    whole, _ = PaneMarkdown().render("a\r\n\r\nb", 0, {})
    updates, _ = stream("a\r\n\r\nb", [1, 2, 3, 4], PaneMarkdown())
    assert frozen(updates) == whole
    assert whole == "<p>a</p>\n<p>b</p>\n"


def test_a_long_list_streams_item_by_item() -> None:
    """A list of 600 items streamed: each update renders the new items and the last one,
    never the list from its first item again."""
    text = "".join(f"{n % 3 + 1}. item *{n}* with some words\n" for n in range(600)) + "\nEnd.\n"
    costs, pieces = fed_in_steps(text, 30)
    assert max(costs[-100:]) <= 2 * max(costs[:100])
    assert max(costs) < 400
    assert '<ol start="600" style="margin-top: 0px">' in pieces  # numbered on, as one list
    assert pieces.endswith("<p>End.</p>\n")


def test_a_list_drawn_item_by_item_is_numbered_and_spaced_as_one() -> None:
    html, _ = PaneMarkdown().render("1. a\n1. b\n\n1. c\n", 0, {})
    assert html == (
        '<ol style="margin-bottom: 0px">\n<li>a</li>\n</ol>\n'
        '<ol start="2" style="margin-top: 0px; margin-bottom: 0px">\n<li>\n<p>b</p>\n</li>\n</ol>\n'
        '<ol start="3" style="margin-top: 0px">\n<li>\n<p>c</p>\n</li>\n</ol>\n'
    )  # b and c came after a blank line between items: spaced as paragraphs from there
    nested, _ = PaneMarkdown().render("- a\n  - n\n  - m\n- b\n", 0, {})
    assert nested.count("<ul") == 3  # a's own list holds its nested one whole


def test_a_long_table_streams_part_by_part_with_one_set_of_widths() -> None:
    rows = "".join(f"| row {n} | {n * 7} | some words in the last column |\n" for n in range(300))
    text = "| Name | Value | Notes |\n|---|--:|---|\n" + rows + "\nEnd.\n"
    costs, pieces = fed_in_steps(text, 30)
    assert max(costs[-100:]) <= 2 * max(costs[:100])
    assert pieces.count("<table") == 15  # 300 rows in parts of 20
    assert pieces.count("<thead>") == 1
    assert pieces.count('<td style="text-align:right" width="12%">') == 300
    assert pieces.count("margin-top: 6px") == 1  # the parts join up
    assert pieces.count("margin-bottom: 6px") == 1
    short, _ = PaneMarkdown().render("| a | b |\n|---|---|\n| 1 | 2 |\n", 0, {})
    assert 'width="' not in short  # a short table is sized by Qt, as before


def test_code_in_a_language_not_found_yet_streams_uncoloured_then_is_coloured() -> None:
    """Finding a lexer the first time takes 50-250 ms: the open block is drawn uncoloured
    meanwhile, not held up; what is finished for good is coloured, as when reopened."""
    language = "racket"  # no other test uses it; its lexer takes long to find (500 ms)
    text = f"```{language}\n(define x 1)\n```\n"
    markdown = PaneMarkdown()
    renderer = MarkdownStream(markdown)
    update = renderer.feed(text[:-4])  # the block is open
    assert "(define x 1)" in update.tail
    assert "<span" not in update.tail  # drawn as it is, not waited for
    done = renderer.finish()
    whole, _ = markdown.render(text, 0, {})
    assert "".join(update.frozen + done.frozen) == whole
    assert "<span" in whole  # coloured once the lexer is found
    for thread in threading.enumerate():
        if thread.name == "Parley lexer":
            thread.join(10)
