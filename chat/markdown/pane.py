"""Markdown as the conversation pane shows it: Qt's subset of HTML with inline styles, and
each code block in pieces (its label with a Copy link, then its code chunk by chunk), so
that a long block streams without being highlighted again from its start."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from .code import (
    CHUNK_CHARS,
    DARK_STYLE,
    LIGHT_STYLE,
    LONGEST_CHUNK,
    background,
    chunk_end,
    chunks,
    highlighted,
    language_of,
)
from .html import QT_QUOTE_STYLE_MARGINS
from .lists import ListRun, split_lists
from .parser import MONOSPACE, new_parser

COPY_SCHEME = "parley-copy"
"""The Copy link of a code block: ``parley-copy:<key>/<n>``, the n-th block of a message."""
RenderRule = Callable[[RendererHTML, Sequence[Token], int, OptionsDict, EnvType], str]


@dataclass(frozen=True, slots=True)
class PaneTheme:
    """The colours the pane's Markdown is drawn in (Qt's HTML takes them inline)."""

    pygments: str
    """The Pygments style of code blocks."""
    label: str
    inline_code: str
    table_border: str
    quote: str
    muted: str
    """Text that stands back: the reasoning."""
    math: str = "background-color: #eef1fa; color: #243a73"
    """The colours math is set apart in."""


LIGHT_PANE = PaneTheme(LIGHT_STYLE, "#59636e", "#eceef1", "#d0d7de", "#59636e", "#5f6b7a")
DARK_PANE = PaneTheme(
    DARK_STYLE,
    "#9198a1",
    "#2d333b",
    "#3d444d",
    "#9198a1",
    "#9aa4b1",
    "background-color: #1f2a44; color: #a8c1ff",
)


class PaneMarkdown:
    """Renders a message's Markdown, or a part of it that stands alone, for the pane.

    Code blocks are numbered in the message's order from ``first_code`` and their source
    kept in ``codes`` (for Copy); ``key`` names the message in their Copy links. One
    instance serves every message of a view (making a parser takes a while).
    """

    def __init__(
        self,
        *,
        chunk_chars: int = CHUNK_CHARS,
        longest_chunk: int = LONGEST_CHUNK,
        theme: PaneTheme = LIGHT_PANE,
    ) -> None:
        self._chunk = (chunk_chars, longest_chunk)
        self.theme = theme
        code_background = background(theme.pygments)
        self._code_style = (
            f"white-space: pre-wrap; font-family: {MONOSPACE}; font-size: 9pt;"
            f" background-color: {code_background}"
        )
        self._label_style = (
            f"background-color: {code_background}; color: {theme.label}; font-size: 8pt;"
            " margin-top: 8px; margin-bottom: 0px"
        )
        self.parser = new_parser(references=False)
        self.blocks = new_parser(references=False, blocks_only=True)
        """The same block rules, stopping there: where the top-level blocks start and end."""
        fence = self._fence_rule()
        for name, rule in (("fence", fence), ("code_block", fence), *self._themed_rules()):
            self.parser.add_render_rule(name, rule)

    def render(
        self,
        text: str,
        first_code: int,
        codes: dict[int, str],
        key: str = "0",
        going_on: ListRun | None = None,
    ) -> tuple[str, int]:
        """``text`` as HTML, and the number of the next code block after it. ``going_on``:
        the text starts inside a top-level list partly drawn (see ``lists``)."""
        html, next_code, _ = self.render_open(text, first_code, codes, key, going_on)
        return html, next_code

    def render_open(
        self,
        text: str,
        first_code: int,
        codes: dict[int, str],
        key: str = "0",
        going_on: ListRun | None = None,
        *,
        goes_on: bool = False,
    ) -> tuple[str, int, ListRun | None]:
        """``render``; with ``goes_on``, the text ends inside a top-level list (more of its
        items follow): also how that list goes on."""
        env: dict[str, object] = {
            "inline_styles": True,
            "math_style": f"font-family: {MONOSPACE}; {self.theme.math}",
            "next_code": first_code,
            "codes": codes,
            "key": key,
        }
        parser = self.parser
        tokens, run = split_lists(parser.parse(text, env), _lines(text), going_on, goes_on)
        html = str(parser.renderer.render(tokens, parser.options, env))
        next_code = env["next_code"]
        assert isinstance(next_code, int)
        return html, next_code, run

    def fence_pieces(self, code: str, info: str, index: int, key: str) -> list[str]:
        """A code block as its pieces: the label, then each chunk of its code."""
        language = language_of(info)
        parts = chunks(code, *self._chunk)
        last = len(parts) - 1
        body = [self.code_chunk(part, language, last=i == last) for i, part in enumerate(parts)]
        return [self.code_label(language, index, key), *body]

    def chunk_end(self, code: str, start: int) -> int | None:
        """Where the chunk of a code block starting at ``start`` ends (``code.chunk_end``)."""
        return chunk_end(code, start, *self._chunk)

    def code_label(self, language: str, index: int, key: str) -> str:
        """The line above a code block: its language and its Copy link."""
        href = escape(f"{COPY_SCHEME}:{key}/{index}")
        name = f"<b>{escape(language)}</b>&nbsp;&nbsp;&nbsp;" if language else ""
        return f'<p style="{self._label_style}">{name}<a href="{href}">Copy</a></p>\n'

    def code_chunk(self, code: str, language: str, *, last: bool) -> str:
        """A chunk of a code block, highlighted; only the last closes the block's box."""
        code = code.removesuffix("\n")  # a line of its own in Qt: the block would end blank
        body = highlighted(code, language, inline_styles=True, style=self.theme.pygments)
        if not code.endswith("\n"):
            body = body.removesuffix("\n")  # Pygments ends every output with one
        below = "8px" if last else "0px"
        style = f"{self._code_style}; margin-top: 0px; margin-bottom: {below}"
        return f'<pre style="{style}">{body}</pre>\n'

    def _fence_rule(self) -> RenderRule:
        def fence(
            renderer: RendererHTML,
            tokens: Sequence[Token],
            idx: int,
            options: OptionsDict,
            env: EnvType,
        ) -> str:
            token = tokens[idx]
            index = env["next_code"]
            env["next_code"] = index + 1
            env["codes"][index] = token.content
            return "".join(self.fence_pieces(token.content, token.info, index, env["key"]))

        return fence

    def _themed_rules(self) -> list[tuple[str, RenderRule]]:
        """The rules that draw in the theme's colours (closures: markdown-it binds each
        rule to its renderer)."""
        theme = self.theme
        code = f"font-family: {MONOSPACE}; background-color: {theme.inline_code}"
        table = (
            '<table border="1" cellspacing="0" cellpadding="5" style="border-collapse: collapse;'
            f' border-color: {theme.table_border}; margin-top: 6px; margin-bottom: 6px">\n'
        )
        quote = f'<blockquote style="{QT_QUOTE_STYLE_MARGINS}; color: {theme.quote}">\n'

        def code_inline(
            _: RendererHTML, tokens: Sequence[Token], idx: int, o: OptionsDict, e: EnvType
        ) -> str:
            return f'<code style="{code}">{escape(tokens[idx].content)}</code>'

        def table_open(
            _: RendererHTML, tokens: Sequence[Token], idx: int, o: OptionsDict, e: EnvType
        ) -> str:
            return table

        def blockquote_open(
            _: RendererHTML, tokens: Sequence[Token], idx: int, o: OptionsDict, e: EnvType
        ) -> str:
            return quote

        return [
            ("code_inline", code_inline),
            ("table_open", table_open),
            ("blockquote_open", blockquote_open),
        ]


def _lines(text: str) -> list[str]:
    """The lines of ``text`` as the parser counts them (its token maps index them)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[:-1] if lines and not lines[-1] else lines
