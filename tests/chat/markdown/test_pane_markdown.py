"""The pane's Markdown: every element it shows, math set apart without eating prices, and
the same safety rules as the exports."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat.markdown.html import markdown_html
from chat.markdown.pane import COPY_SCHEME, PaneMarkdown
from tests.support.fuzz import ends_within


def pane(text: str) -> str:
    return PaneMarkdown().render(text, 0, {})[0]


def test_the_elements_of_a_reply() -> None:
    html = pane(
        "# Title\n\n- one\n  - nested\n\n*em* **strong** ~~gone~~ `x<y`\n\n> quoted\n\n"
        "| a | b |\n|---|--:|\n| 1 | 2 |\n\n---\n\n[site](https://example.com)"
    )
    for piece in (
        "<h1>Title</h1>", "<ul>\n<li>one\n<ul>\n<li>nested</li>", "<em>em</em>",
        "<strong>strong</strong>", "<s>gone</s>", ">x&lt;y</code>", "<blockquote style=",
        'style="border-collapse: collapse', '<td style="text-align:right">2</td>', "<hr />",
        '<a href="https://example.com" rel="noopener noreferrer">site</a>',
    ):  # fmt: skip
        assert piece in html, piece


def test_a_code_block_has_its_label_copy_link_and_colours() -> None:
    codes: dict[int, str] = {}
    html, next_code = PaneMarkdown().render(
        "```python\nx = 1\n```\n\n    indented\n", 3, codes, "7"
    )
    assert "<b>python</b>" in html
    assert f'<a href="{COPY_SCHEME}:7/3">Copy</a>' in html
    assert f'<a href="{COPY_SCHEME}:7/4">Copy</a>' in html
    assert "white-space: pre-wrap" in html
    assert '<span style="color: #666">=</span>' in html  # coloured by Pygments
    assert codes == {3: "x = 1\n", 4: "indented\n"}
    assert next_code == 5


def test_task_lists_show_boxes() -> None:
    html = pane("- [ ] to do\n- [x] done\n- [X] also\n- [y] not a box")
    assert "<li>☐ to do</li>" in html
    assert "<li>☑ done</li>" in html
    assert "<li>☑ also</li>" in html
    assert "<li>[y] not a box</li>" in html
    assert "☐ to do" in markdown_html("- [ ] to do")  # the exports show them too


@pytest.mark.parametrize(
    ("text", "math"),
    [
        ("$x^2$", ["x^2"]),
        ("a $x$ and $y$.", ["x", "y"]),
        (r"\(a+b\) and \[c\]", ["a+b", "c"]),
        ("$$E = mc^2$$ inline", ["E = mc^2"]),
        ("It costs $5 and $10.", []),
        ("$5, or $ 6", []),
        ("from $x $ to", []),
        ("$x$5", []),
        (r"\$x\$ escaped", []),
        ("`$x$` in code", []),
    ],
)
def test_inline_math_follows_the_usual_rules(text: str, math: list[str]) -> None:
    html = pane(text)
    assert html.count('<span class="math"') == len(math)
    for source in math:
        assert f">{source}</span>" in html


def test_display_math_is_a_centred_block_of_its_own() -> None:
    html = pane("Before\n$$\n\\frac{a}{b} < 1\n$$\nafter\n\n\\[ x \\]")
    assert '<p align="center" style="' in html
    assert ">\\frac{a}{b} &lt; 1</p>" in html
    assert "<p>Before</p>" in html
    assert "<p>after</p>" in html
    assert html.count('<p align="center"') == 2


def test_math_in_the_exports() -> None:
    html = markdown_html("$x$ and\n\n$$\ny\n$$")
    assert '<span class="math" style="' in html
    assert '<div class="math" style="' in html


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html,hi)",
        "[x](file:///etc/passwd)",
        "<javascript:alert(1)>",
        "<a href='javascript:alert(1)'>x</a>",
        "[x][r]\n\n[r]: javascript:alert(1)",
    ],
)
def test_only_web_and_mail_links_are_links(text: str) -> None:
    assert "<a" not in pane(text)


def test_raw_html_is_text_and_images_are_links() -> None:
    html = pane('<img src="http://evil/x.png"> ![a cat](http://evil/cat.png) ![b](file:///x)')
    assert "<img" not in html
    assert "&lt;img" in html
    assert '<a href="http://evil/cat.png" rel="noopener noreferrer">Image: a cat' in html
    assert "![b](file:///x)" in html  # not a link it may follow, so not an image either


def test_reference_links_stay_text_in_the_pane() -> None:
    """Each block renders alone while it streams, so a label defined later cannot reach
    back; the pane shows reference links as they were typed."""
    assert pane("[a][r]\n\n[r]: https://r.example") == (
        "<p>[a][r]</p>\n<p>[r]: https://r.example</p>\n"
    )


@pytest.mark.fuzz
@given(st.text(alphabet="$\\()[] a1`\n", max_size=3000))
def test_math_is_parsed_in_linear_time(text: str) -> None:
    with ends_within():
        pane(text * 10)


def test_many_lone_dollars_stay_fast() -> None:
    with ends_within():
        html = pane("$a " * 30_000 + "\n\n" + "\\(" * 30_000 + "\n\n" + "$$ " * 20_000)
    assert "math" not in html
