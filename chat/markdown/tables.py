"""Long top-level tables drawn in parts: a table of more than ``ROWS`` rows becomes tables of
``ROWS`` rows each, the first with the header, all with the same column widths, so that they
read as one table.

Qt lays a whole table out again when a row is added, and a table that streams would be
rendered again from its header on every update: in parts, an update renders the rows of the
last part only. The column widths are shared out by the longest text in each column of the
header and the first part (what is known when the first part is shown for good).
"""

from __future__ import annotations

from dataclasses import dataclass

from markdown_it.token import Token

ROWS = 20
"""Rows of a part."""
WIDEST = 40
"""A column's text counts for at most this many characters in sharing out the widths."""
NARROWEST = 4


@dataclass(frozen=True, slots=True)
class TableRun:
    """A top-level table partly drawn: its header lines, its column widths (percentages)
    and how many of its rows are drawn."""

    head: str
    widths: tuple[int, ...]
    rows: int


def split_tables(
    tokens: list[Token],
    lines: list[str],
    going_on: TableRun | None,
    goes_on: bool,
    rows: int = ROWS,
) -> tuple[list[Token], TableRun | None]:
    """``tokens`` with each long top-level table in parts; and how the last block goes on,
    when it is a table and ``goes_on`` (more of its rows follow the text).

    ``going_on``: the text starts with that table's header lines (``TableRun.head``) and
    then more of its rows; the header is not drawn again. ``rows``: the rows of a part.
    """
    out: list[Token] = []
    run: TableRun | None = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.level != 0 or token.type != "table_open":
            out.append(token)
            index += 1
            continue
        end = next(
            i
            for i in range(index, len(tokens))
            if tokens[i].type == "table_close" and not tokens[i].level
        )
        last = goes_on and end == len(tokens) - 1
        table = tokens[index : end + 1]
        run = _split(table, lines, going_on if index == 0 else None, last, rows, out)
        index = end + 1
    ends_in_table = bool(tokens) and tokens[-1].type == "table_close"
    return out, (run if goes_on and ends_in_table else None)


def _split(
    table: list[Token],
    lines: list[str],
    going_on: TableRun | None,
    goes_on: bool,
    part_rows: int,
    out: list[Token],
) -> TableRun | None:
    """Append ``table`` to ``out``, in parts when it is long; how it goes on, in parts."""
    head_end = next(i for i, t in enumerate(table) if t.type == "thead_close")
    rows = _rows(table)
    if going_on is None and (not rows or (not goes_on and len(rows) <= part_rows)):
        out.extend(table)
        return None
    opening = table[0]
    assert opening.map is not None
    head = going_on.head if going_on else "".join(f"{lines[i]}\n" for i in _head_lines(opening))
    widths = going_on.widths if going_on else _widths(table[1:head_end], rows[:part_rows])
    for part in range(0, len(rows), part_rows):
        first = part == 0 and going_on is None
        final = part + part_rows >= len(rows) and not goes_on
        out.append(_table_open(opening, top=first, bottom=final))
        if first:
            out.extend(_sized(table[1 : head_end + 1], widths))
        out.append(Token("tbody_open", "tbody", 1, level=1, block=True))
        for row in rows[part : part + part_rows]:
            out.extend(_sized(row, widths))
        out.append(Token("tbody_close", "tbody", -1, level=1, block=True))
        out.append(table[-1])
    return TableRun(head, widths, (going_on.rows if going_on else 0) + len(rows))


def _head_lines(opening: Token) -> range:
    assert opening.map is not None
    return range(opening.map[0], opening.map[0] + 2)  # the header row, the delimiter row


def _rows(table: list[Token]) -> list[list[Token]]:
    """The body rows of ``table``, each its tokens from ``tr_open`` to ``tr_close``."""
    body = next((i for i, t in enumerate(table) if t.type == "tbody_open"), len(table))
    rows: list[list[Token]] = []
    for token in table[body + 1 :]:
        if token.type == "tr_open":
            rows.append([])
        if rows and token.type != "tbody_close" and token.type != "table_close":
            rows[-1].append(token)
    return rows


def _widths(head: list[Token], rows: list[list[Token]]) -> tuple[int, ...]:
    """Percentages of the width for each column, shared out by the longest text in each."""
    longest: list[int] = []
    for cells in [_cells(head), *(_cells(row) for row in rows)]:
        for column, text in enumerate(cells):
            size = min(WIDEST, max(NARROWEST, len(text)))
            if column < len(longest):
                longest[column] = max(longest[column], size)
            else:
                longest.append(size)
    total = sum(longest) or 1
    shares = [size * 100 // total for size in longest]
    if shares:
        shares[shares.index(max(shares))] += 100 - sum(shares)
    return tuple(shares)


def _cells(tokens: list[Token]) -> list[str]:
    return [t.content for t in tokens if t.type == "inline"]


def _table_open(opening: Token, *, top: bool, bottom: bool) -> Token:
    token = opening.copy()
    token.meta = {"part": True, "top": top, "bottom": bottom}
    return token


def _sized(tokens: list[Token], widths: tuple[int, ...]) -> list[Token]:
    """The row (or header) ``tokens`` with each cell given its column's width."""
    column = 0
    for token in tokens:
        if token.type in ("th_open", "td_open"):
            if column < len(widths):
                token.attrSet("width", f"{widths[column]}%")
            column += 1
        if token.type == "tr_open":
            column = 0
    return tokens
