"""The exports' Markdown at its edges: code blocks with and without a language, by classes
and by inline styles (for Qt's text engine), tables and quotes in both, and the style
sheet of highlighted code, light and dark."""

from __future__ import annotations

from chat.markdown.html import code_css, code_html, markdown_html
from chat.markdown.parser import MONOSPACE

TEXT = "```python\nx = 1\n```\n\n    y < 2\n\n| a |\n|---|\n| 1 |\n\n> q\n"
TABLE = "<thead>\n<tr>\n<th>a</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n</tr>\n</tbody>\n"
QT_PRE = (
    f'<pre style="white-space: pre-wrap; font-family: {MONOSPACE}; background-color: #f6f8fa;'
    ' font-size: 9pt">'
)
QT_LABEL = '<span style="color: #59636e; font-size: 7.5pt; font-weight: bold">'
PYTHON_CLASSES = '<span class="n">x</span> <span class="o">=</span> <span class="mi">1</span>\n'
PYTHON_STYLES = 'x <span style="color: #666">=</span> <span style="color: #666">1</span>\n'


def test_an_export_has_code_by_classes_and_plain_tables_and_quotes() -> None:
    assert markdown_html(TEXT) == (
        '<div class="code-block"><div class="code-label">python</div><pre class="code">'
        f'<code class="language-python">{PYTHON_CLASSES}</code></pre></div>\n'
        '<div class="code-block"><pre class="code"><code>y &lt; 2\n</code></pre></div>\n'
        f"<table>\n{TABLE}</table>\n"
        "<blockquote>\n<p>q</p>\n</blockquote>\n"
    )


def test_for_qt_an_export_has_code_tables_and_quotes_styled_inline() -> None:
    assert markdown_html(TEXT, inline_styles=True) == (
        f"{QT_PRE}{QT_LABEL}python</span>\n{PYTHON_STYLES}</pre>\n"
        f"{QT_PRE}y &lt; 2\n</pre>\n"
        f'<table border="1" cellspacing="0" cellpadding="4">\n{TABLE}</table>\n'
        '<blockquote style="margin-left: 24px; margin-right: 0px; color: #59636e">\n'
        "<p>q</p>\n</blockquote>\n"
    )


def test_a_code_block_without_a_language_has_no_label_and_no_class() -> None:
    assert code_html("a<b", "") == (
        '<div class="code-block"><pre class="code"><code>a&lt;b</code></pre></div>\n'
    )
    assert code_html("a<b", "", inline_styles=True) == f"{QT_PRE}a&lt;b</pre>\n"


def test_a_code_blocks_language_is_escaped_in_its_label_and_kept_safe_in_its_class() -> None:
    assert code_html('a<b "c"', "c++<x>") == (
        '<div class="code-block"><div class="code-label">c++&lt;x&gt;</div>'
        '<pre class="code"><code class="language-c++x">a&lt;b "c"</code></pre></div>\n'
    )
    assert code_html("a<b", "no-lexer<", inline_styles=True) == (
        f"{QT_PRE}{QT_LABEL}no-lexer&lt;</span>\na&lt;b</pre>\n"
    )
    assert code_html("x = 1\n", "python") == (
        '<div class="code-block"><div class="code-label">python</div><pre class="code">'
        f'<code class="language-python">{PYTHON_CLASSES}</code></pre></div>\n'
    )


def test_a_language_of_no_safe_character_gets_no_class() -> None:
    assert code_html("a", "<>") == (
        '<div class="code-block"><div class="code-label">&lt;&gt;</div>'
        '<pre class="code"><code>a</code></pre></div>\n'
    )


def test_the_code_style_sheet_is_light_then_dark_for_a_dark_system() -> None:
    css = code_css()
    light, dark = css.split("@media (prefers-color-scheme: dark) {\n")
    assert light.startswith(
        ".code .c { color: #3D7B7B; font-style: italic } /* Comment */\n"
        ".code .err { border: 1px solid #F00 } /* Error */\n"
    )
    assert ".code .k { color: #008000; font-weight: bold } /* Keyword */\n" in light
    assert light.endswith(".code .il { color: #666 } /* Literal.Number.Integer.Long */\n")
    assert dark.startswith(
        ".code { background: #0d1117; color: #e6edf3 }\n"
        ".code .c { color: #8B949E; font-style: italic } /* Comment */\n"
    )
    assert ".code .k { color: #FF7B72 } /* Keyword */\n" in dark
    assert dark.endswith(".code .il { color: #A5D6FF } /* Literal.Number.Integer.Long */\n}\n")
