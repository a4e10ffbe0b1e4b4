"""Top-level lists drawn item by item: each item of a list at the top of a message becomes a
list of its own, styled so that together they look like the one list.

A list that streams then never has to be rendered again from its first item: the items
before the last are finished, and the next update starts from the last one (``ListRun``
carries its number and its spacing across). Numbers run on as CommonMark counts them (from
the first item's); the space between items follows the blank lines between them so far
(CommonMark makes a whole list loose for one such line, which a list still arriving cannot
know yet). Lists inside an item stay as CommonMark renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from markdown_it.token import Token

OPENS = {"bullet_list_open": "bullet_list_close", "ordered_list_open": "ordered_list_close"}
EDGE = "margin-top: 0px", "margin-bottom: 0px"
"""The styles that join an item's list to the one before it and to the one after it."""


@dataclass(frozen=True, slots=True)
class ListRun:
    """A top-level list partly drawn: how its next item is to be drawn."""

    number: int = 1
    """The next item's number (in a numbered list)."""
    loose: bool = False
    """A blank line came between two of its items: items are spaced as paragraphs."""


def split_lists(
    tokens: list[Token], lines: list[str], going_on: ListRun | None, goes_on: bool
) -> tuple[list[Token], ListRun | None]:
    """``tokens`` (of a text of ``lines``) with each item of a top-level list in a list of
    its own; and how the last block goes on, when it is a list and ``goes_on`` (the text
    ends inside it: its last item is not its end).

    ``going_on``: the text starts inside a list, partly drawn already (the first block is
    that list's next items).
    """
    out: list[Token] = []
    run: ListRun | None = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.level != 0 or token.type not in OPENS:
            out.append(token)
            index += 1
            continue
        end = _closing(tokens, index)
        continued = going_on if index == 0 else None
        last = goes_on and end == len(tokens) - 1
        run = _split(tokens[index : end + 1], lines, continued, last, out)
        index = end + 1
    return out, (run if goes_on and tokens and tokens[-1].type in OPENS.values() else None)


def _closing(tokens: list[Token], start: int) -> int:
    close = OPENS[tokens[start].type]
    level = tokens[start].level
    return next(
        i
        for i in range(start + 1, len(tokens))
        if tokens[i].type == close and tokens[i].level == level
    )


def _split(
    block: list[Token],
    lines: list[str],
    going_on: ListRun | None,
    goes_on: bool,
    out: list[Token],
) -> ListRun:
    """Append one list's items to ``out``, each in its own list; the run after them."""
    opening, closing = block[0], block[-1]
    starts = [i for i, t in enumerate(block) if t.level == 1 and t.type == "list_item_open"]
    assert opening.map is not None
    run = going_on or ListRun(number=int(opening.attrs.get("start", 1)))
    for k, first in enumerate(starts):
        after = starts[k + 1] if k + 1 < len(starts) else len(block) - 1
        item = block[first:after]
        begin = _line(item[0])
        following = _line(block[after]) if k + 1 < len(starts) else len(lines)
        end = following if k + 1 < len(starts) or goes_on else opening.map[1]
        separated = (k + 1 < len(starts) or goes_on) and end > begin + 1 and _blank(lines, end - 1)
        loose = run.loose or separated or _blank_inside(lines, begin, end)
        head = _list_token(opening, run, first=k == 0 and going_on is None)
        tail = closing.copy()
        if k + 1 < len(starts) or goes_on:
            joined = str(head.attrGet("style") or "")
            head.attrSet("style", f"{joined}; {EDGE[1]}" if joined else EDGE[1])
        out.append(head)
        out.extend(_spaced(item, loose))
        out.append(tail)
        run = replace(run, number=run.number + 1, loose=run.loose or separated)
    return run


def _list_token(opening: Token, run: ListRun, *, first: bool) -> Token:
    head = opening.copy()
    head.attrs = dict(opening.attrs)
    if head.type == "ordered_list_open":
        if run.number == 1:
            head.attrs.pop("start", None)
        else:
            head.attrSet("start", run.number)
    if not first:
        head.attrSet("style", EDGE[0])
    return head


def _spaced(item: list[Token], loose: bool) -> list[Token]:
    """The item's tokens, its own paragraphs shown as paragraphs when ``loose``."""
    for token in item:
        if token.level == 2 and token.type in ("paragraph_open", "paragraph_close"):
            token.hidden = not loose
    return item


def _line(token: Token) -> int:
    if token.map is None:  # a closing token: no lines of its own
        return 0
    return token.map[0]


def _blank(lines: list[str], index: int) -> bool:
    return 0 <= index < len(lines) and not lines[index].strip()


def _blank_inside(lines: list[str], begin: int, end: int) -> bool:
    """Whether a blank line comes between two lines of text in ``lines[begin:end]``."""
    seen_blank = False
    for index in range(begin + 1, min(end, len(lines))):
        if not lines[index].strip():
            seen_blank = True
        elif seen_blank:
            return True
    return False
