"""Code blocks: the language's lexer, highlighting by Pygments, and how a long block is cut
into chunks that are highlighted one at a time."""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from markdown_it.common.utils import unescapeAll
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from .theme import LIGHT_STYLE

CHUNK_CHARS = 1500
"""A chunk of a long code block ends at its first blank line past this many characters..."""
LONGEST_CHUNK = 6000
"""...or at the first line end past this many, blank line or not."""
_LANGUAGE_CLASS = re.compile(r"[^A-Za-z0-9_+#.-]")


def language_of(info: str) -> str:
    """The language named in a fence's info string (its first word), or ""."""
    info = unescapeAll(info).strip() if info else ""
    return info.split(maxsplit=1)[0] if info else ""


def css_class(language: str) -> str:
    """The ``language-…`` class for ``language``'s code, or "" (only safe characters)."""
    name = _LANGUAGE_CLASS.sub("", language)
    return f"language-{name}" if name else ""


@lru_cache(maxsize=64)
def lexer_for(language: str) -> Lexer | None:
    """The lexer of ``language`` (kept: finding one takes longer than a chunk's colours)."""
    if not language:
        return None
    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


@lru_cache(maxsize=8)
def _formatter(inline_styles: bool, style: str) -> HtmlFormatter[str]:
    return HtmlFormatter(nowrap=True, noclasses=inline_styles, style=style)


def highlighted(code: str, language: str, *, inline_styles: bool, style: str = LIGHT_STYLE) -> str:
    """``code`` as HTML: coloured when Pygments knows ``language``, else escaped."""
    lexer = lexer_for(language)
    if lexer is None:
        return escape(code, quote=False)
    return highlight(code, lexer, _formatter(inline_styles, style))


def chunk_end(
    code: str, start: int, chunk: int = CHUNK_CHARS, longest: int = LONGEST_CHUNK
) -> int | None:
    """Where the chunk of ``code`` beginning at ``start`` ends, once it can be told from
    whole lines: after its first blank line past ``chunk`` characters (lexers are back at
    their start state there as a rule), or its first line end past ``longest``. None
    while it runs on."""
    pos = start
    while (newline := code.find("\n", pos)) != -1:
        end = newline + 1
        size = end - start
        if size >= longest or (size >= chunk and not code[pos:newline].strip()):
            return end
        pos = end
    return None


def chunks(code: str, chunk: int = CHUNK_CHARS, longest: int = LONGEST_CHUNK) -> list[str]:
    """``code`` cut at every ``chunk_end``; the last chunk is the rest (maybe "")."""
    found, pos = [], 0
    while (end := chunk_end(code, pos, chunk, longest)) is not None:
        found.append(code[pos:end])
        pos = end
    found.append(code[pos:])
    return found


def background(style: str = LIGHT_STYLE) -> str:
    return str(HtmlFormatter(style=style).style.background_color)
