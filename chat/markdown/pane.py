"""Markdown as the conversation pane shows it: Qt's subset of HTML with inline styles, and
each code block in pieces (its label with a Copy link, then its code chunk by chunk), so
that a long block streams without being highlighted again from its start."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from .code import (
    CHUNK_CHARS,
    LONGEST_CHUNK,
    background,
    chunk_end,
    chunks,
    highlighted,
    language_of,
    lexer_found,
)
from .html import QT_QUOTE_STYLE_MARGINS
from .lists import ListRun, split_lists
from .parser import MONOSPACE, new_parser
from .tables import ROWS, TableRun, split_tables
from .theme import COPY_SCHEME, LIGHT_PANE, PaneTheme

RenderRule = Callable[[RendererHTML, Sequence[Token], int, OptionsDict, EnvType], str]
Going = ListRun | TableRun | None
"""A top-level list or table that a text starts inside, or ends inside."""


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
        table_rows: int = ROWS,
    ) -> None:
        self._chunk = (chunk_chars, longest_chunk)
        self.table_rows = table_rows
        """The rows of a part of a long table (``tables``)."""
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
        going_on: Going = None,
        *,
        wait: bool = True,
    ) -> tuple[str, int]:
        """``text`` as HTML, and the number of the next code block after it. ``going_on``:
        the text starts inside a top-level list or table partly drawn (``lists``,
        ``tables``; a table's text starts with its header lines again). Without ``wait``,
        code whose lexer is not found yet is shown uncoloured (``code_chunk``)."""
        html, next_code, _ = self.render_open(text, first_code, codes, key, going_on, wait=wait)
        return html, next_code

    def render_open(
        self,
        text: str,
        first_code: int,
        codes: dict[int, str],
        key: str = "0",
        going_on: Going = None,
        *,
        goes_on: bool = False,
        wait: bool = True,
    ) -> tuple[str, int, Going]:
        """``render``; with ``goes_on``, the text ends inside a top-level list or table
        (more of its items or rows follow): also how it goes on."""
        env: dict[str, object] = {
            "inline_styles": True,
            "math_style": f"font-family: {MONOSPACE}; {self.theme.math}",
            "next_code": first_code,
            "codes": codes,
            "key": key,
            "wait": wait,
        }
        parser, lines = self.parser, _lines(text)
        tokens = parser.parse(text, env)
        list_run = going_on if isinstance(going_on, ListRun) else None
        table_run = going_on if isinstance(going_on, TableRun) else None
        tokens, in_list = split_lists(tokens, lines, list_run, goes_on)
        tokens, in_table = split_tables(tokens, lines, table_run, goes_on, self.table_rows)
        html = str(parser.renderer.render(tokens, parser.options, env))
        next_code = env["next_code"]
        assert isinstance(next_code, int)
        return html, next_code, in_list or in_table

    def fence_pieces(
        self, code: str, info: str, index: int, key: str, *, wait: bool = True
    ) -> list[str]:
        """A code block as its pieces: the label, then each chunk of its code."""
        language = language_of(info)
        parts = chunks(code, *self._chunk)
        last = len(parts) - 1
        body = [
            self.code_chunk(part, language, last=i == last, wait=wait)
            for i, part in enumerate(parts)
        ]
        return [self.code_label(language, index, key), *body]

    def chunk_end(self, code: str, start: int) -> int | None:
        """Where the chunk of a code block starting at ``start`` ends (``code.chunk_end``)."""
        return chunk_end(code, start, *self._chunk)

    def code_label(self, language: str, index: int, key: str) -> str:
        """The line above a code block: its language and its Copy link."""
        href = escape(f"{COPY_SCHEME}:{key}/{index}")
        name = f"<b>{escape(language)}</b>&nbsp;&nbsp;&nbsp;" if language else ""
        return f'<p style="{self._label_style}">{name}<a href="{href}">Copy</a></p>\n'

    def code_chunk(self, code: str, language: str, *, last: bool, wait: bool = True) -> str:
        """A chunk of a code block, highlighted; only the last closes the block's box.
        Without ``wait`` (what is still streaming in, drawn again at the next update), it
        is not coloured until its lexer is found, on a worker thread (``lexer_found``)."""
        code = code.removesuffix("\n")  # a line of its own in Qt: the block would end blank
        if wait or lexer_found(language):
            body = highlighted(code, language, inline_styles=True, style=self.theme.pygments)
        else:
            body = escape(code, quote=False)
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
            pieces = self.fence_pieces(
                token.content, token.info, index, env["key"], wait=env.get("wait", True)
            )
            return "".join(pieces)

        return fence

    def _themed_rules(self) -> list[tuple[str, RenderRule]]:
        """The rules that draw in the theme's colours (closures: markdown-it binds each
        rule to its renderer)."""
        theme = self.theme
        code = f"font-family: {MONOSPACE}; background-color: {theme.inline_code}"
        table = (
            '<table border="1" cellspacing="0" cellpadding="5"{width} style="border-collapse:'
            f" collapse; border-color: {theme.table_border}; margin-top: {{top}}px;"
            ' margin-bottom: {bottom}px">\n'
        )
        quote = f'<blockquote style="{QT_QUOTE_STYLE_MARGINS}; color: {theme.quote}">\n'

        def code_inline(
            _: RendererHTML, tokens: Sequence[Token], idx: int, o: OptionsDict, e: EnvType
        ) -> str:
            return f'<code style="{code}">{escape(tokens[idx].content)}</code>'

        def table_open(
            _: RendererHTML, tokens: Sequence[Token], idx: int, o: OptionsDict, e: EnvType
        ) -> str:
            part = tokens[idx].meta  # a part of a long table (``tables``): joined to the next
            if not part:
                return table.format(width="", top=6, bottom=6)
            top, bottom = 6 if part["top"] else 0, 6 if part["bottom"] else 0
            return table.format(width=' width="100%"', top=top, bottom=bottom)

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
