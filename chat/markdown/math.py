"""Math in Markdown: ``$…$``, ``$$…$$``, ``\\(…\\)`` and ``\\[…\\]``, kept as its TeX source.

A dollar opens math only when the next character is not a space, and closes it only when
the one before is not a space and the one after is not a digit, so ``$5 and $10`` stay
prices. Display math (``$$`` or ``\\[`` alone on a line) runs, like a fenced block, to its
closing line or to the end of its container. Every search is a bisection in positions
found once per paragraph, so a paragraph of many lone dollars is still parsed in linear time.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

_CACHE = "parley_math_closers"
_PAIRS = {"$$": "$$", "\\[": "\\]"}


@dataclass(slots=True)
class _Closers:
    """Where math may close in one paragraph's source."""

    src: str
    dollar: list[int] = field(default_factory=list)
    double: list[int] = field(default_factory=list)
    paren: list[int] = field(default_factory=list)
    bracket: list[int] = field(default_factory=list)


def _closers(src: str) -> _Closers:
    found = _Closers(src)
    escaped = False
    last = len(src) - 1
    for i, char in enumerate(src):
        if escaped:
            escaped = False
            continue
        if char == "\\":
            escaped = True
            following = src[i + 1] if i < last else ""
            if following == ")":
                found.paren.append(i)
            elif following == "]":
                found.bracket.append(i)
        elif char == "$":
            if i < last and src[i + 1] == "$":
                found.double.append(i)
            before = src[i - 1] if i else " "
            after = src[i + 1] if i < last else ""
            if not before.isspace() and before != "$" and after != "$" and not after.isdigit():
                found.dollar.append(i)
    return found


def _first(positions: list[int], start: int, limit: int) -> int | None:
    """The first of ``positions`` at or after ``start`` and before ``limit``."""
    at = bisect_left(positions, start)
    if at < len(positions) and positions[at] < limit:
        return positions[at]
    return None


def _math_inline(state: StateInline, silent: bool) -> bool:
    src, pos, limit = state.src, state.pos, state.posMax
    opener = src[pos : pos + 2]
    if src[pos] not in "$\\" or pos + 2 > limit:
        return False
    cached = state.env.get(_CACHE)
    if not isinstance(cached, _Closers) or cached.src is not src:
        cached = _closers(src)
        state.env[_CACHE] = cached
    if opener == "$$":
        width, close = 2, _first(cached.double, pos + 3, limit)
    elif opener == "\\(":
        width, close = 2, _first(cached.paren, pos + 3, limit)
    elif opener == "\\[":
        width, close = 2, _first(cached.bracket, pos + 3, limit)
    elif src[pos] == "$" and not src[pos + 1].isspace():
        width, close = 1, _first(cached.dollar, pos + 2, limit)
    else:
        return False
    if close is None or close + width > limit or not src[pos + width : close].strip():
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content = src[pos + width : close]
        token.markup = opener if width == 2 else "$"
    state.pos = close + width
    return True


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]].rstrip(" \t")


def _math_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.is_code_block(start):
        return False
    first = _line(state, start)
    opener = first[:2]
    if opener not in _PAIRS:
        return False
    closer, rest = _PAIRS[opener], first[2:]
    if rest.strip():  # all on one line: $$ x $$
        if not rest.endswith(closer) or not rest[:-2].strip():
            return False
        if silent:
            return True
        _push(state, start, start + 1, rest[:-2], opener)
        return True
    if silent:
        return True
    line, lines = start + 1, []
    while line < end:
        text = _line(state, line)
        if text and state.sCount[line] < state.blkIndent:
            break  # a line less indented ends the container, and the math with it
        if text.endswith(closer):
            lines.append(text[:-2])
            line += 1
            break
        lines.append(state.getLines(line, line + 1, state.sCount[start], False))
        line += 1
    _push(state, start, line, "\n".join(lines), opener)
    return True


def _push(state: StateBlock, start: int, end: int, content: str, opener: str) -> None:
    token = state.push("math_block", "math", 0)
    token.content = content.strip("\n")
    token.markup = opener
    token.map = [start, end]
    token.block = True
    state.line = end


def use_math(md: MarkdownIt) -> None:
    """Teach ``md`` the four kinds of math (tokens ``math_inline`` and ``math_block``)."""
    md.inline.ruler.before("escape", "math_inline", _math_inline)
    md.block.ruler.before(
        "fence",
        "math_block",
        _math_block,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )
