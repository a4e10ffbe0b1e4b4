"""Markdown to HTML that is safe to open: raw HTML shown as text, no image ever loaded,
links only to web pages and mail addresses, fenced code highlighted by Pygments."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from markdown_it import MarkdownIt
from markdown_it.common.utils import unescapeAll
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

REL = "noopener noreferrer"
LIGHT_STYLE = "default"
DARK_STYLE = "github-dark"
_LINKABLE = re.compile(r"(?:https?|mailto):", re.IGNORECASE)
_WEB = re.compile(r"https?:", re.IGNORECASE)
_LANGUAGE_CLASS = re.compile(r"[^A-Za-z0-9_+#.-]")
QT_CODE_STYLE = (
    "white-space: pre-wrap; font-family: 'DejaVu Sans Mono', 'Noto Sans Mono', monospace;"
    " background-color: #f6f8fa; font-size: 9pt"
)
QT_QUOTE_STYLE = "margin-left: 24px; margin-right: 0px; color: #59636e"
QT_LABEL_STYLE = "color: #59636e; font-size: 7.5pt; font-weight: bold"
"""How code shows where there are no style sheets (Qt's text engine, for the PDF): it
wraps rather than runs off the page."""


class _Markdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:
        """Only web and mail links become links; ``javascript:``, ``data:`` and the rest
        stay text."""
        return _LINKABLE.match(url) is not None


def markdown_html(text: str, *, inline_styles: bool = False) -> str:
    """``text`` (Markdown: CommonMark with tables and strikethrough) as an HTML fragment.

    ``inline_styles``: code coloured by style attributes and tables with borders, for a
    renderer without style sheets (Qt's); otherwise by the classes ``code_css`` styles.
    """
    parser = _Markdown("commonmark", {"html": False}).enable(["table", "strikethrough"])
    parser.add_render_rule("link_open", _link_open)
    parser.add_render_rule("image", _image)
    parser.add_render_rule("fence", _fence)
    parser.add_render_rule("code_block", _fence)
    if inline_styles:
        parser.add_render_rule("table_open", _qt_table_open)
        parser.add_render_rule("blockquote_open", _qt_blockquote_open)
    return str(parser.render(text, {"inline_styles": inline_styles}))


def _link_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    tokens[idx].attrSet("rel", REL)
    return self.renderToken(tokens, idx, options, env)


def _image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """An image is never loaded: it shows as a link to it (or as text when not on the web)."""
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    url = str(token.attrGet("src") or "")
    label = escape(f"Image: {alt} ({url})" if alt else f"Image: {url}")
    if not _WEB.match(url):
        return label
    return f'<a href="{escape(url)}" rel="{REL}">{label}</a>'


def _qt_table_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return '<table border="1" cellspacing="0" cellpadding="4">\n'


def _qt_blockquote_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f'<blockquote style="{QT_QUOTE_STYLE}">\n'


def _fence(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    info = unescapeAll(token.info).strip() if token.info else ""
    language = info.split(maxsplit=1)[0] if info else ""
    return code_html(token.content, language, inline_styles=bool(env.get("inline_styles")))


def code_html(code: str, language: str, *, inline_styles: bool = False) -> str:
    """A block of code with its language's label, coloured when Pygments knows the language
    (otherwise plain, escaped)."""
    lexer = _lexer(language)
    if lexer is None:
        body = escape(code, quote=False)
    else:
        formatter = HtmlFormatter(nowrap=True, noclasses=inline_styles, style=LIGHT_STYLE)
        body = highlight(code, lexer, formatter)
    if inline_styles:  # the label inside the block, so that a page never parts them
        label = f'<span style="{QT_LABEL_STYLE}">{escape(language)}</span>\n' if language else ""
        return f'<pre style="{QT_CODE_STYLE}">{label}{body}</pre>\n'
    label = f'<div class="code-label">{escape(language)}</div>' if language else ""
    css_class = _LANGUAGE_CLASS.sub("", language)
    code_class = f' class="language-{css_class}"' if css_class else ""
    pre = f'<pre class="code"><code{code_class}>{body}</code></pre>'
    return f'<div class="code-block">{label}{pre}</div>\n'


def _lexer(language: str) -> Lexer | None:
    if not language:
        return None
    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def code_css() -> str:
    """The colours of highlighted code: a light style, and a dark one when the reader's
    system is dark."""
    dark = HtmlFormatter(style=DARK_STYLE)
    rules = f".code {{ background: {dark.style.background_color}; color: #e6edf3 }}"
    return (
        f"{_token_rules(HtmlFormatter(style=LIGHT_STYLE))}\n"
        f"@media (prefers-color-scheme: dark) {{\n{rules}\n{_token_rules(dark)}\n}}\n"
    )


def _token_rules(formatter: HtmlFormatter[str]) -> str:
    rules: list[str] = formatter.get_token_style_defs(".code")  # type: ignore[no-untyped-call]
    return "\n".join(rules)
