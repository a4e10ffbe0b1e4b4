"""The HTML transcript: one file that shows the conversation offline, runs nothing, fetches
nothing, and shows every hostile text as text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat.conversation import Conversation, Message, MessageState, ReplyError
from chat.transcript.html import CSP, message_html, to_html
from chat.transcript.options import ExportOptions
from chat.transcript.when import when
from tests.chat.transcript.render_samples import NOON, SECRET, branched, endings, odd, simple
from tests.support.fuzz import ends_within

EVERYTHING = ExportOptions(all_branches=True, reasoning=True)
TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "section", "article", "div",
    "span", "p", "a", "details", "summary", "pre", "code", "table", "thead", "tbody", "tr",
    "th", "td", "ul", "ol", "li", "blockquote", "em", "strong", "s", "hr", "br",
    "h1", "h2", "h3", "h4", "h5", "h6",
}  # fmt: skip
"""Every element a transcript may hold: nothing that runs, loads or submits anything."""
ATTRIBUTES = {"class", "href", "rel", "title", "style", "charset", "http-equiv", "content",
              "name", "lang", "start"}  # fmt: skip
LINKABLE = re.compile(r"(https?|mailto):", re.IGNORECASE)
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](file:///etc/passwd)",
    "[x](vbscript:msgbox(1))",
    "[x](<javascript:alert(1)>)",
    "[x][r]\n\n[r]: javascript:alert(1)",
    '[x](https://ok.example "t" onmouseover=alert(1))',
    "<javascript:alert(1)>",
    "![a](http://evil/x.png)",
    "![a](data:image/png;base64,AAAA)",
    '"><svg onload=alert(1)>',
    "<a href='javascript:alert(1)' onclick=alert(1)>x</a>",
    "```html\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n```",
    '```"><svg onload=alert(1)>\ncode\n```',
    "<style>body{background:url(http://evil/)}</style>",
    "<iframe src=http://evil/></iframe>",
    "<!-- <script>alert(1)</script> -->",
    '[ok](https://example.com/?q="><script>) [mail](mailto:a@example.com)',
]


class Audit(HTMLParser):
    """Every element, attribute and text of a page, for the checks below."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        (self.styles if self._in_style else self.text).append(data)


def audit(html: str) -> Audit:
    """The page parsed, after checking that it cannot run, load or send anything."""
    page = Audit()
    page.feed(html)
    page.close()
    assert "<script" not in html.lower()
    for tag, attributes in page.elements:
        assert tag in TAGS, tag
        assert set(attributes) <= ATTRIBUTES, (tag, attributes)
        assert not any(name.startswith("on") for name in attributes)
        if tag == "a":
            assert LINKABLE.match(attributes["href"] or ""), attributes
            assert attributes.get("rel") == "noopener noreferrer"
        else:
            assert "href" not in attributes
    assert [t for t, _ in page.elements].count("style") <= 1
    for css in page.styles:
        assert "url(" not in css
        assert "@import" not in css
    return page


def hostile_conversation(text: str) -> Conversation:
    conversation = Conversation(title=text, created=NOON)
    conversation.add("user", text, created=NOON)
    conversation.add(
        "assistant",
        text,
        created=NOON,
        provider=text,
        model=text,
        reasoning=text,
        note=text,
        state=MessageState.FAILED,
        error=ReplyError("other", text),
    )
    return conversation


def test_a_page_of_its_own_with_its_guard() -> None:
    html = to_html(simple())
    assert html.startswith("<!DOCTYPE html>")
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in html
    assert CSP == "default-src 'none'; style-src 'unsafe-inline'"
    assert "@media (prefers-color-scheme: dark)" in html
    assert "<title>Sorting in Python</title>" in html
    page = audit(html)
    assert "Sorting in Python" in page.text


def test_the_title_system_prompt_and_headers() -> None:
    text = "".join(audit(to_html(simple())).text)
    assert "System prompt" in text
    assert f"You · {when(NOON)}" in text
    assert f"Assistant · {when(NOON + 60)} · OpenAI gpt-4o" in text


def test_a_reply_is_markdown_rendered_and_its_code_highlighted() -> None:
    html = to_html(simple())
    assert '<code class="language-python"><span class="nb">sorted</span>' in html
    assert '<div class="code-label">python</div>' in html
    assert "<code>sorted</code>" in html  # the inline code of "Use `sorted`"
    assert ".code .k {" in html  # the light colours; the dark ones under the media query
    assert html.index("@media (prefers-color-scheme: dark) {\n.code {") > 0


def test_what_the_user_typed_is_text_with_its_line_breaks() -> None:
    conversation = Conversation()
    user = conversation.add("user", "**not bold**\n  <b>x</b>\n\nend")
    assert message_html(user) == (
        '<p class="plain">**not bold**\n  &lt;b&gt;x&lt;/b&gt;\n\nend</p>'
    )
    assert ".plain { white-space: pre-wrap;" in to_html(conversation)


def test_a_code_block_in_an_unknown_language_is_plain_and_labelled() -> None:
    message = Message("assistant", "```klingon\n<b>Qapla'</b>\n```")
    html = message_html(message)
    assert '<div class="code-label">klingon</div>' in html
    assert "&lt;b&gt;Qapla'&lt;/b&gt;\n</code>" in html


def test_tables_and_strikethrough() -> None:
    html = message_html(Message("assistant", "| a | b |\n|---|--:|\n| 1 | 2 |\n\n~~gone~~"))
    assert "<table>" in html
    assert '<td style="text-align:right">2</td>' in html
    assert "<s>gone</s>" in html


def test_an_image_is_never_loaded_but_linked() -> None:
    html = message_html(Message("assistant", "![a cat](http://evil/x.png) ![b](mailto:x@y)"))
    assert "<img" not in html
    assert (
        '<a href="http://evil/x.png" rel="noopener noreferrer">Image: a cat (http://evil/x.png)</a>'
        in html
    )
    assert "Image: b (mailto:x@y)" in html
    audit(html)


def test_only_web_and_mail_links_are_links() -> None:
    html = message_html(
        Message("assistant", "[w](https://a.example) [m](mailto:x@y) [j](javascript:x) [r](x.html)")
    )
    page = audit(html)
    assert [a["href"] for tag, a in page.elements if tag == "a"] == [
        "https://a.example",
        "mailto:x@y",
    ]
    assert "[j](javascript:x)" in "".join(page.text)


def test_reasoning_collapsed_and_only_when_asked() -> None:
    assert "The user wants" not in to_html(simple())
    html = to_html(simple(), ExportOptions(reasoning=True))
    assert '<details class="reasoning"><summary>Reasoning</summary>' in html
    assert "<strong>sorting</strong>" in html
    assert "<details open" not in html


def test_replies_that_did_not_end_well_say_so() -> None:
    text = "".join(audit(to_html(endings())).text)
    assert "This reply failed: The service is busy: wait a minute, then try again." in text
    assert "stopped before its end" in text
    assert "Note: The model gpt-x replaced gpt-y." in text


def test_every_branch_when_asked() -> None:
    conversation, _ = branched()
    assert "Answer one" not in to_html(conversation)
    text = "".join(audit(to_html(conversation, EVERYTHING)).text)
    assert "Branch 3 of 3" in text
    assert "It continues after “First version of the question, with many more…”" in text


def test_nothing_of_the_options_is_written() -> None:
    assert SECRET not in to_html(simple(), EVERYTHING)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_anywhere_shows_as_text(text: str) -> None:
    page = audit(to_html(hostile_conversation(text), EVERYTHING))
    assert text in "".join(page.text)  # what the user typed, shown as typed


@pytest.mark.parametrize(
    "evil",
    [
        "<script>x</script>",
        "<img src=x>",
        '<a href="javascript:x" rel="noopener noreferrer">x</a>',
        '<a href="https://x">no rel</a>',
        '<p onclick="x">x</p>',
        "<style>@import 'x';</style>",
    ],
)
def test_the_audit_catches_what_it_looks_for(evil: str) -> None:
    with pytest.raises(AssertionError):
        audit(evil)


def test_hostile_text_in_the_title_stays_in_the_title() -> None:
    html = to_html(hostile_conversation('"><svg onload=alert(1)>'))
    assert "<title>&quot;&gt;&lt;svg onload=alert(1)&gt;</title>" in html


PIECES = st.sampled_from(
    [*HOSTILE, "<", ">", '"', "'", "&", "`", "```", "~~~", "[", "]", "(", ")", "![", "](",
     "javascript:", "http://", "mailto:", "data:", " onload=", " onerror=", "<script", "\n",
     "\n\n", "    ", "> ", "- ", "|", "---", "*", "_", "\\", "&#x3C;", "&lt;", "<svg", "%0a"]
)  # fmt: skip
TEXTS = st.lists(PIECES | st.text(max_size=10), max_size=30).map("".join)


@pytest.mark.fuzz
@given(text=TEXTS, other=TEXTS)
def test_whatever_the_text_the_page_runs_and_loads_nothing(text: str, other: str) -> None:
    conversation = hostile_conversation(text)
    conversation.add("user", other)
    conversation.add("assistant", other, reasoning=text, provider=other)
    with ends_within():
        html = to_html(conversation, EVERYTHING)
    audit(html)


def test_two_branches_make_exactly_this_page_body() -> None:
    t, t1 = when(NOON), when(NOON + 1)
    meta = '<div class="meta"><span class="role">{}</span> · {}</div>'
    page = to_html(odd(), ExportOptions(all_branches=True))
    assert (
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>Hi</title>'
    ) in page
    assert page[page.index("<body>") :] == (
        "<body>\n<main>\n<h1>Hi</h1>\n"
        '<section class="branch">\n<h2>Branch 1 of 2</h2>\n'
        '<p class="departure">The branch open in Parley, in full.</p>\n'
        f'<article class="message user complete">{meta.format("You", t)}'
        '<p class="plain">  </p></article>\n'
        f'<article class="message assistant failed">{meta.format("Assistant", t)}'
        '<div class="markdown"><p>Again</p>\n</div>'
        '<p class="ending">This reply failed: no reason was recorded.</p></article>\n'
        f'<article class="message tool complete">{meta.format("Tool", t)}'
        '<p class="plain">\ndone</p></article>\n'
        f'<article class="message to&quot;ol interrupted">{meta.format("To&quot;ol", t)}'
        '<p class="plain">X</p><p class="ending">This reply was interrupted: Parley closed'
        " while it arrived; its text is kept.</p></article>\n"
        f'<article class="message   complete">{meta.format("Message", t)}'
        '<p class="plain">y</p></article>\n'
        "</section>\n"
        '<section class="branch">\n<h2>Branch 2 of 2</h2>\n'
        f'<p class="departure">It continues after (no text) (You, {t}).</p>\n'
        f'<article class="message assistant complete">{meta.format("Assistant", t1 + " · P m")}'
        '<div class="markdown"><p>First line</p>\n</div></article>\n'
        "</section>\n</main>\n</body>\n</html>\n"
    )


def test_for_qt_s_text_engine_a_message_is_styled_by_attributes() -> None:
    reply = Message("assistant", "| a |\n|---|\n| b |")
    assert message_html(reply).startswith('<div class="markdown"><table>\n')
    styled = message_html(reply, inline_styles=True)
    assert styled.startswith('<div class="markdown"><table border="1" cellspacing="0"')
    typed = Message("user", "\nfirst line\nlast X\n")
    assert message_html(typed) == '<p class="plain">\nfirst line\nlast X</p>'
    assert message_html(typed, inline_styles=True) == (
        '<p style="white-space: pre-wrap">\nfirst line\nlast X</p>'
    )


def test_a_page_styles_the_system_prompt_and_the_reasoning_by_its_classes() -> None:
    conversation = Conversation(title="t", system_prompt="Be brief.")
    conversation.add("user", "q")
    conversation.add("assistant", "a", reasoning="| a |\n|---|\n| b |")
    page = to_html(conversation, ExportOptions(reasoning=True))
    assert '<section class="message system"><div class="meta"><span class="role">System' in page
    assert '</span></div><p class="plain">Be brief.</p></section>' in page
    assert (
        '<details class="reasoning"><summary>Reasoning</summary><div class="markdown"><table>\n'
    ) in page
