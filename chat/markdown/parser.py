"""The one Markdown parser: CommonMark with tables, strikethrough, task lists and math, and
the rules that keep it safe to show: raw HTML stays text, only web and mail links are links,
and an image is never loaded (it shows as a link to itself)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from .math import use_math
from .tasks import render_box, use_task_lists

REL = "noopener noreferrer"
LINKABLE = re.compile(r"(?:https?|mailto):", re.IGNORECASE)
WEB = re.compile(r"https?:", re.IGNORECASE)
MONOSPACE = "'DejaVu Sans Mono', 'Noto Sans Mono', monospace"
QT_MATH_STYLE = f"font-family: {MONOSPACE}; background-color: #eef1fa; color: #243a73"
"""Math as Qt's text engine shows it (the pane and the PDF): its source, set apart."""
WEB_MATH_STYLE = f"font-family: {MONOSPACE}; background: rgba(84, 110, 190, 0.12); padding: 0 0.2em"


class _Markdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:
        """Only web and mail links become links; ``javascript:``, ``data:``, ``file:`` and
        the rest stay text."""
        return LINKABLE.match(url) is not None


def new_parser(*, references: bool = True, blocks_only: bool = False) -> MarkdownIt:
    """A parser with every rule above and the shared renderings.

    ``references``: whether ``[text][label]`` links find a ``[label]: url`` defined anywhere
    in the text (off for the pane, which renders a reply block by block as it streams).
    ``blocks_only``: split into blocks and stop (no inline parsing), to find block bounds.
    """
    md = _Markdown("commonmark", {"html": False}).enable(["table", "strikethrough"])
    use_math(md)
    if not references:
        md.disable("reference")
    if blocks_only:
        md.disable(["inline", "text_join"])
    else:
        use_task_lists(md)
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("image", _image)
    md.add_render_rule("task_box", _task_box)
    md.add_render_rule("math_inline", _math_inline)
    md.add_render_rule("math_block", _math_block)
    return md


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
    if not WEB.match(url):
        return label
    return f'<a href="{escape(url)}" rel="{REL}">{label}</a>'


def _task_box(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return render_box(tokens[idx])


def _math_inline(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    style = (env.get("math_style") or QT_MATH_STYLE) if env.get("inline_styles") else WEB_MATH_STYLE
    return f'<span class="math" style="{style}">{escape(tokens[idx].content)}</span>'


def _math_block(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    body = escape(tokens[idx].content).replace("\n", "<br>")
    if env.get("inline_styles"):
        style = env.get("math_style") or QT_MATH_STYLE
        return f'<p align="center" style="{style}">{body}</p>\n'
    style = f"{WEB_MATH_STYLE}; text-align: center; padding: 0.4em"
    return f'<div class="math" style="{style}">{body}</div>\n'
