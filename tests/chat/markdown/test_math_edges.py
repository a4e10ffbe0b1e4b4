"""Math at its edges: which dollars and backslashes open and close it, where display math
starts and ends (and what it interrupts), and math streamed as a reply grows."""

from __future__ import annotations

import pytest

from chat.markdown.html import markdown_html
from chat.markdown.pane import PaneMarkdown
from chat.markdown.parser import MONOSPACE
from chat.markdown.stream import MarkdownStream
from chat.markdown.theme import LIGHT_PANE

STYLE = f'style="font-family: {MONOSPACE}; {LIGHT_PANE.math}"'
QUOTE = '<blockquote style="margin-left: 24px; margin-right: 0px; color: #59636e">\n'


def pane(text: str) -> str:
    return PaneMarkdown().render(text, 0, {})[0]


def span(source: str) -> str:
    return f'<span class="math" {STYLE}>{source}</span>'


def display(source: str) -> str:
    return f'<p align="center" {STYLE}>{source}</p>\n'


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("$a\\$ b$", "<p>" + span("a\\$ b") + "</p>\n"),  # an escaped dollar closes nothing
        ("$a$$ b$", f"<p>{span('a$$ b')}</p>\n"),  # nor does a dollar beside another
        ("a $$x$$ b", f"<p>a {span('x')} b</p>\n"),
        ("\\) \\(a\\)", f"<p>) {span('a')}</p>\n"),  # a closer before the opener: not its
        ("\\] \\[a\\]", f"<p>] {span('a')}</p>\n"),
        ("x$ $y$", f"<p>x$ {span('y')}</p>\n"),
        ("\\(a\\)", f"<p>{span('a')}</p>\n"),  # the shortest of each kind
        ("t \\[a\\] u", f"<p>t {span('a')} u</p>\n"),
        ("$x$ y", f"<p>{span('x')} y</p>\n"),
        ("$$x$$ y", f"<p>{span('x')} y</p>\n"),
        ("\\ab$", "<p>\\ab$</p>\n"),  # a backslash before a letter opens nothing
        ("\\( \\)", "<p>( )</p>\n"),  # math of spaces alone is text
        ("*a $x$ b*", f"<p><em>a {span('x')} b</em></p>\n"),  # emphasis pairs around it
    ],
)
def test_inline_math_opens_and_closes_where_the_rules_say(text: str, html: str) -> None:
    assert pane(text) == html


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("$$x$$", display("x")),
        ("$$abc$$", display("abc")),
        ("$$ x $$", display(" x ")),  # its spaces kept, as typed
        ("$$  a $$", display("  a ")),
        ("$$x$$\nnext", display("x") + "<p>next</p>\n"),
        ("$$\nX\n$$", display("X")),
        ("$$\nx\ny\n$$", display("x<br>y")),
        ("$$\nx\nab$$\nz", display("x<br>ab") + "<p>z</p>\n"),  # closed at a line's end
        ("$$\nx\n$$ \nafter", display("x") + "<p>after</p>\n"),  # spaces after it
        (" $$\n x\n $$\nafter", display("x") + "<p>after</p>\n"),  # indented
        ("$$\nx", display("x")),  # runs to the end of the text
        ("$$\nx\n$$\u00a0\n\nafter", display("x<br>$$\u00a0<br><br>after")),
        ("$$X\ny\n$$", "<p>$$X\ny</p>\n" + display("")),  # "$$X" opens no block
    ],
)
def test_display_math_runs_from_its_opening_line_to_its_closing_one(text: str, html: str) -> None:
    assert pane(text) == html


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("para\n$$x$$", "<p>para</p>\n" + display("x")),
        ("para\n$$\nx\n$$", "<p>para</p>\n" + display("x")),
        ("> a\n$$\nx\n$$", f"{QUOTE}<p>a</p>\n</blockquote>\n" + display("x")),
        ("- a\n$$\nx\n$$", "<ul>\n<li>a</li>\n</ul>\n" + display("x")),
        ("- $$\n  x\ny", f"<ul>\n<li>\n{display('x')}</li>\n</ul>\n<p>y</p>\n"),
        ("> a\n    b", f"{QUOTE}<p>a\nb</p>\n</blockquote>\n"),  # indented: lazy, not math
    ],
)
def test_display_math_interrupts_a_paragraph_a_quote_or_a_list(text: str, html: str) -> None:
    assert pane(text) == html


def test_display_math_ends_a_link_label_before_it_closes_in_the_exports() -> None:
    html = markdown_html("[a\n$$\n]: https://r.example")
    assert html.startswith('<p>[a</p>\n<div class="math" style="')
    assert html.endswith(">]: https://r.example</div>\n")  # no link defined


@pytest.mark.parametrize(
    "text",
    [
        "$$\nx\n$$\n\npara\n\nmore\n",
        "$$x$$\n\nafter\n\nend\n",
        "$$\nx = 1\ny",
        "- a\n\n$$\ny\n$$\n\n- b\n\nend\n",
    ],
)
def test_math_streamed_shows_what_the_whole_text_renders_to(text: str) -> None:
    markdown = PaneMarkdown()
    whole, _ = markdown.render(text, 0, {})
    for step in (1, 3, len(text)):
        renderer = MarkdownStream(markdown)
        pieces = []
        for start in range(0, len(text), step):
            pieces.extend(renderer.feed(text[start : start + step]).frozen)
        pieces.extend(renderer.finish().frozen)
        assert "".join(pieces) == whole
