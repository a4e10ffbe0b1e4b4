"""Markdown to HTML for the exports (the HTML file, the PDF): fenced code highlighted by
Pygments, styled by classes or, for Qt's text engine, inline."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from pygments.formatters import HtmlFormatter

from .code import css_class, highlighted, language_of
from .parser import MONOSPACE, new_parser
from .theme import DARK_STYLE, LIGHT_STYLE

QT_CODE_STYLE = (
    f"white-space: pre-wrap; font-family: {MONOSPACE}; background-color: #f6f8fa; font-size: 9pt"
)
"""How code shows where there are no style sheets (Qt's text engine, for the PDF): it
wraps rather than runs off the page."""
QT_QUOTE_STYLE_MARGINS = "margin-left: 24px; margin-right: 0px"
QT_QUOTE_STYLE = f"{QT_QUOTE_STYLE_MARGINS}; color: #59636e"
QT_LABEL_STYLE = "color: #59636e; font-size: 7.5pt; font-weight: bold"


def markdown_html(text: str, *, inline_styles: bool = False) -> str:
    """``text`` (Markdown: CommonMark with tables, strikethrough, task lists and math) as
    an HTML fragment.

    ``inline_styles``: code coloured by style attributes and tables with borders, for a
    renderer without style sheets (Qt's); otherwise by the classes ``code_css`` styles.
    """
    parser = new_parser()
    parser.add_render_rule("fence", _fence)
    parser.add_render_rule("code_block", _fence)
    if inline_styles:
        parser.add_render_rule("table_open", _qt_table_open)
        parser.add_render_rule("blockquote_open", _qt_blockquote_open)
    return str(parser.render(text, {"inline_styles": inline_styles}))


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
    language = language_of(token.info)
    return code_html(token.content, language, inline_styles=bool(env.get("inline_styles")))


def code_html(code: str, language: str, *, inline_styles: bool = False) -> str:
    """A block of code with its language's label, coloured when Pygments knows the language
    (otherwise plain, escaped)."""
    body = highlighted(code, language, inline_styles=inline_styles)
    if inline_styles:  # the label inside the block, so that a page never parts them
        label = f'<span style="{QT_LABEL_STYLE}">{escape(language)}</span>\n' if language else ""
        return f'<pre style="{QT_CODE_STYLE}">{label}{body}</pre>\n'
    label = f'<div class="code-label">{escape(language)}</div>' if language else ""
    name = css_class(language)
    code_class = f' class="{name}"' if name else ""
    pre = f'<pre class="code"><code{code_class}>{body}</code></pre>'
    return f'<div class="code-block">{label}{pre}</div>\n'


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
