"""Code blocks: the language's lexer, highlighting by Pygments, and how a long block is cut
into chunks that are highlighted one at a time."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from concurrent.futures import Future
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


def lexer_for(language: str) -> Lexer | None:
    """The lexer of ``language``, kept once found; waits for it while a worker thread finds
    it (``lexer_found``)."""
    if not language:
        return None
    future, new = _entry(language)
    if new:
        _find(language, future)
    return future.result()


def lexer_found(language: str) -> bool:
    """Is ``language``'s lexer found (or known not to exist), so that highlighting in it
    costs no wait? When not, a worker thread starts finding it. Finding a lexer the first
    time compiles its rules: 50-250 ms, measured, a stall in the middle of a stream."""
    if not language:
        return True
    future, new = _entry(language)
    if new:
        worker = threading.Thread(
            target=_find, args=(language, future), name="Parley lexer", daemon=True
        )
        worker.start()
    return future.done()


_found: OrderedDict[str, Future[Lexer | None]] = OrderedDict()
"""The lexers found or being found, by language, the last used last (at most FOUND_KEPT)."""
_found_lock = threading.Lock()
FOUND_KEPT = 64


def _entry(language: str) -> tuple[Future[Lexer | None], bool]:
    """``language``'s entry in ``_found``, and whether it is new (nobody finds it yet)."""
    with _found_lock:
        future = _found.get(language)
        if future is not None:
            _found.move_to_end(language)
            return future, False
        future = _found[language] = Future()
        if len(_found) > FOUND_KEPT:
            _found.popitem(last=False)
        return future, True


def _find(language: str, future: Future[Lexer | None]) -> None:
    try:
        future.set_result(get_lexer_by_name(language, stripnl=False, ensurenl=False))
    except ClassNotFound:
        future.set_result(None)
    except BaseException as error:  # whoever waits for it gets it
        future.set_exception(error)


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
