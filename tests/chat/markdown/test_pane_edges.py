"""The pane's Markdown at its edges: code blocks' labels and chunks exactly as drawn, math
in each theme and in the exports, images without a text or an address, task boxes only
where a list item's text starts with one, and link definitions while a reply streams."""

from __future__ import annotations

import threading

from chat.markdown.html import markdown_html
from chat.markdown.pane import PaneMarkdown
from chat.markdown.parser import MONOSPACE
from chat.markdown.stream import MarkdownStream
from chat.markdown.theme import DARK_PANE

LABEL = (
    '<p style="background-color: #f8f8f8; color: #59636e; font-size: 8pt; margin-top: 8px;'
    ' margin-bottom: 0px">'
)
PRE = (
    f'<pre style="white-space: pre-wrap; font-family: {MONOSPACE}; font-size: 9pt;'
    ' background-color: #f8f8f8; margin-top: 0px; margin-bottom: {below}px">'
)
CODE = f'<code style="font-family: {MONOSPACE}; background-color: #eceef1">'


def pane(text: str) -> str:
    return PaneMarkdown().render(text, 0, {})[0]


def test_code_blocks_are_drawn_as_a_label_then_their_code_in_a_box() -> None:
    assert pane("```python\nx = 1\n```\n\n```\ny\n\n```\n") == (
        f'{LABEL}<b>python</b>&nbsp;&nbsp;&nbsp;<a href="parley-copy:0/0">Copy</a></p>\n'
        + PRE.format(below=8)
        + 'x <span style="color: #666">=</span> <span style="color: #666">1</span></pre>\n'
        + f'{LABEL}<a href="parley-copy:0/1">Copy</a></p>\n'  # no language, no name
        + PRE.format(below=8)
        + "y\n</pre>\n"  # its blank last line kept: one line end dropped, not two
    )


def test_a_chunk_of_code_drops_one_line_end_and_only_the_last_closes_the_box() -> None:
    markdown = PaneMarkdown()
    assert markdown.code_chunk("a\n", "", last=False) == PRE.format(below=0) + "a</pre>\n"
    assert markdown.code_chunk("a\n\n", "", last=True) == PRE.format(below=8) + "a\n</pre>\n"
    assert markdown.code_chunk("\na", "", last=True) == PRE.format(below=8) + "\na</pre>\n"
    assert markdown.code_chunk("x = 1\n", "python", last=True) == (
        PRE.format(below=8)
        + 'x <span style="color: #666">=</span> <span style="color: #666">1</span></pre>\n'
    )


def test_code_not_coloured_yet_keeps_its_quotes_as_typed() -> None:
    """Finding julia's lexer the first time takes about 350 ms: the chunk comes before."""
    chunk = PaneMarkdown().code_chunk("say(\"hi\", 'x') < 1", "julia", last=True, wait=False)
    for thread in threading.enumerate():
        if thread.name == "Parley lexer":
            thread.join(10)
    assert chunk == PRE.format(below=8) + "say(\"hi\", 'x') &lt; 1</pre>\n"


def test_a_message_is_named_0_in_its_copy_links_unless_named() -> None:
    assert '<a href="parley-copy:0/3">Copy</a>' in PaneMarkdown().render("```\nx\n```", 3, {})[0]


def test_math_takes_the_themes_colours_in_the_pane_and_fixed_ones_in_the_exports() -> None:
    text = "$x$\n\n$$\ny\n$$"
    dark = f"font-family: {MONOSPACE}; background-color: #1f2a44; color: #a8c1ff"
    assert PaneMarkdown(theme=DARK_PANE).render(text, 0, {})[0] == (
        f'<p><span class="math" style="{dark}">x</span></p>\n'
        f'<p align="center" style="{dark}">y</p>\n'
    )
    qt = f"font-family: {MONOSPACE}; background-color: #eef1fa; color: #243a73"
    assert markdown_html(text, inline_styles=True) == (
        f'<p><span class="math" style="{qt}">x</span></p>\n<p align="center" style="{qt}">y</p>\n'
    )
    web = f"font-family: {MONOSPACE}; background: rgba(84, 110, 190, 0.12); padding: 0 0.2em"
    assert markdown_html(text) == (
        f'<p><span class="math" style="{web}">x</span></p>\n'
        f'<div class="math" style="{web}; text-align: center; padding: 0.4em">y</div>\n'
    )


def test_an_image_without_an_address_or_a_text_says_what_it_has() -> None:
    assert pane("![a]()") == "<p>Image: a ()</p>\n"
    assert pane("![](https://x.example/i.png)") == (
        '<p><a href="https://x.example/i.png" rel="noopener noreferrer">'
        "Image: https://x.example/i.png</a></p>\n"
    )


def test_a_task_box_is_only_at_the_start_of_a_list_items_text() -> None:
    assert pane("[ ] not in a list") == "<p>[ ] not in a list</p>\n"
    assert pane("- # [ ] x") == "<ul>\n<li>\n<h1>[ ] x</h1>\n</li>\n</ul>\n"
    assert pane("- `[ ] ` x") == f"<ul>\n<li>{CODE}[ ] </code> x</li>\n</ul>\n"
    assert pane("- [x] a\n\n  [ ] b") == "<ul>\n<li>\n<p>☑ a</p>\n<p>[ ] b</p>\n</li>\n</ul>\n"


def test_each_item_of_a_list_may_have_its_box() -> None:
    assert markdown_html("- a\n- [ ] b\n- [x] c") == (
        "<ul>\n<li>a</li>\n<li>☐ b</li>\n<li>☑ c</li>\n</ul>\n"
    )


def test_reference_links_work_in_the_exports() -> None:
    assert markdown_html("[a][r]\n\n[r]: https://r.example") == (
        '<p><a href="https://r.example" rel="noopener noreferrer">a</a></p>\n'
    )


def test_a_link_definition_streams_as_the_text_it_shows_in_the_pane() -> None:
    text = "[r]: https://r.example\n\nnext\n\nend\n"
    markdown = PaneMarkdown()
    renderer = MarkdownStream(markdown)
    pieces = [piece for start in range(len(text)) for piece in renderer.feed(text[start]).frozen]
    pieces.extend(renderer.finish().frozen)
    assert "".join(pieces) == markdown.render(text, 0, {})[0]
    assert pieces[0] == "<p>[r]: https://r.example</p>\n"
