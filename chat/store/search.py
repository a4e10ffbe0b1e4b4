"""Full-text search: a query a person types, turned into FTS5 queries, ranked with bm25.

The syntax: words (all must match, in any case, Cyrillic included), ``"exact phrases"``,
``prefix*``, and filters ``provider:NAME``, ``model:NAME``, ``before:2026-12-01``,
``after:2026-11``, ``in:current``. Words are matched as FTS5 phrases, so ``snake_case_name``
finds that identifier. Text in scripts written without spaces (Chinese, Japanese) is found as a
substring: through the trigram index for three characters or more, by a scan of the messages
that hold such text below that.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from .schema import CJK

QUESTION_WEIGHT, ANSWER_WEIGHT, REASONING_WEIGHT = 2.0, 1.0, 0.3
"""bm25 weights of the index's columns: a match in a question counts twice one in a reply."""
TITLE_WEIGHT = 3.0
"""A match in a conversation's title counts three times one in a reply."""
SNIPPET_TOKENS = 16
_OPEN, _CLOSE = "\x02", "\x03"
_TOKEN = re.compile(r'(\w+):"([^"]*)"?|"([^"]*)"?|(\S+)')
_CJK_CHAR = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\uac00-\ud7af]"
)
_FILTERS = ("provider", "model", "before", "after", "in")
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


class QueryError(ValueError):
    """The query cannot be understood; the message says how to write it."""


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    prefix: bool = False

    @property
    def cjk(self) -> bool:
        return bool(_CJK_CHAR.search(self.text))


@dataclass(frozen=True, slots=True)
class Query:
    terms: tuple[Term, ...] = ()
    provider: str | None = None
    model: str | None = None
    before: float | None = None
    after: float | None = None
    in_current: bool = False

    @property
    def empty(self) -> bool:
        return not self.terms and self == Query()


def parse(text: str) -> Query:
    """The query in ``text``; raises ``QueryError`` for a filter it cannot use."""
    terms: list[Term] = []
    filters: dict[str, Any] = {}
    for match in _TOKEN.finditer(text):
        key, quoted_value, phrase, word = match.groups()
        if key is not None and key.lower() in _FILTERS:
            _set_filter(filters, key.lower(), quoted_value)
        elif key is not None:
            terms.append(Term(f"{key}:{quoted_value}"))
        elif phrase is not None:
            terms.append(Term(phrase))
        elif ":" in word and word.split(":", 1)[0].lower() in _FILTERS:
            name, value = word.split(":", 1)
            _set_filter(filters, name.lower(), value)
        elif word.endswith("*") and word.strip("*"):
            terms.append(Term(word.rstrip("*"), prefix=True))
        else:
            terms.append(Term(word))
    kept = tuple(t for t in terms if any(ch.isalnum() for ch in t.text))
    return Query(terms=kept, **filters)


def _set_filter(filters: dict[str, Any], name: str, value: str) -> None:
    if not value:
        raise QueryError(f"“{name}:” needs a value after the colon, e.g. {_EXAMPLES[name]}.")
    if name == "in":
        if value.lower() != "current":
            raise QueryError(f"“in:” takes only “current” (the open conversation), not “{value}”.")
        filters["in_current"] = True
    elif name in ("before", "after"):
        filters[name] = _day_start(name, value)
    else:
        filters[name] = value


_EXAMPLES = {
    "provider": "provider:Ollama",
    "model": "model:llama3",
    "before": "before:2026-12-01",
    "after": "after:2026-11",
    "in": "in:current",
}


def _day_start(name: str, value: str) -> float:
    """The local time at which the day (or month, or year) in ``value`` starts; ``after:``
    includes the day it names, ``before:`` does not."""
    match = _DATE.fullmatch(value)
    try:
        if match is None:
            raise ValueError(value)
        year, month, day = (int(part) if part else 1 for part in match.groups())
        start = datetime.datetime(year, month, day)
    except ValueError:
        raise QueryError(
            f"“{name}:” takes a date as year-month-day, e.g. {_EXAMPLES[name]} (or a month, "
            f"2026-11, or a year), not “{value}”."
        ) from None
    return start.timestamp() if start.year > 1970 else 0.0


@dataclass(frozen=True, slots=True)
class Hit:
    """One result: a message (or a title when ``message_id`` is None), with a snippet whose
    ``parts`` are (text, matched) pairs."""

    conversation_id: str
    title: str
    message_id: str | None
    role: str | None
    created: float
    rank: float
    parts: tuple[tuple[str, bool], ...] = field(default=())

    @property
    def snippet(self) -> str:
        return "".join(text for text, _ in self.parts)


def search(
    db: sqlite3.Connection, query: Query | str, *, limit: int = 50, current: str | None = None
) -> list[Hit]:
    """The best ``limit`` hits, best first. ``current`` is the open conversation's id."""
    if isinstance(query, str):
        query = parse(query)
    if query.in_current and current is None:
        raise QueryError("“in:current” searches the open conversation: open one first.")
    if query.empty:
        return []
    return _merged(
        _message_hits(db, query, limit, current), _title_hits(db, query, limit, current)
    )[:limit]


def _merged(messages: list[Hit], titles: list[Hit]) -> list[Hit]:
    """A title that matches lifts its conversation's message hits (it is not listed beside
    them); it is a hit of its own only where no message matched."""
    title_rank = {hit.conversation_id: hit.rank for hit in titles}
    lifted = [
        dataclasses.replace(hit, rank=hit.rank + title_rank.get(hit.conversation_id, 0.0))
        for hit in messages
    ]
    matched = {hit.conversation_id for hit in messages}
    hits = lifted + [hit for hit in titles if hit.conversation_id not in matched]
    hits.sort(key=lambda hit: (hit.rank, -hit.created))
    return hits


def _fts(terms: list[Term]) -> str:
    return " ".join(
        '"' + t.text.replace('"', '""') + '"' + (" *" if t.prefix else "") for t in terms
    )


def _conversation_filters(query: Query, current: str | None) -> tuple[str, list[Any]]:
    sql, args = " AND c.deleted IS NULL", list[Any]()
    for column, value in (("provider", query.provider), ("model", query.model)):
        if value is not None:
            sql += (
                f" AND (c.{column} = ? COLLATE NOCASE OR EXISTS (SELECT 1 FROM messages AS x"
                f" WHERE x.conversation_id = c.id AND x.{column} = ? COLLATE NOCASE))"
            )
            args += [value, value]
    if query.in_current:
        sql += " AND c.id = ?"
        args.append(current)
    return sql, args


def _dates(column: str, query: Query) -> tuple[str, list[Any]]:
    sql, args = "", list[Any]()
    if query.after is not None:
        sql += f" AND {column} >= ?"
        args.append(query.after)
    if query.before is not None:
        sql += f" AND {column} < ?"
        args.append(query.before)
    return sql, args


def _message_hits(
    db: sqlite3.Connection, query: Query, limit: int, current: str | None
) -> list[Hit]:
    if not query.terms:
        return []
    words = [t for t in query.terms if not t.cjk]
    long_cjk = [t for t in query.terms if t.cjk and len(t.text) >= 3]
    short_cjk = [t for t in query.terms if t.cjk and len(t.text) < 3]
    where, args = _conversation_filters(query, current)
    dates, date_args = _dates("m.created", query)
    where, args = where + dates, args + date_args
    if words:
        source = "message_fts JOIN messages AS m ON m.num = message_fts.rowid"
        match_sql, match_args = " AND message_fts MATCH ?", [_fts(words)]
        rank = f"bm25(message_fts, {QUESTION_WEIGHT}, {ANSWER_WEIGHT}, {REASONING_WEIGHT})"
        snippet = f"snippet(message_fts, -1, char(2), char(3), '…', {SNIPPET_TOKENS})"
        if long_cjk:
            match_sql += " AND m.num IN (SELECT rowid FROM cjk_fts WHERE cjk_fts MATCH ?)"
            match_args.append(_fts(long_cjk))
    elif long_cjk:
        source = "cjk_fts JOIN messages AS m ON m.num = cjk_fts.rowid"
        match_sql, match_args = " AND cjk_fts MATCH ?", [_fts(long_cjk)]
        rank = "bm25(cjk_fts)"
        snippet = f"snippet(cjk_fts, 0, char(2), char(3), '…', {SNIPPET_TOKENS})"
    else:
        source = "messages AS m"
        match_sql, match_args = f" AND m.content GLOB '{CJK}'", []
        rank, snippet = "0.0", "''"
    for term in short_cjk:
        match_sql += " AND instr(lower(m.content), lower(?)) > 0"
        match_args.append(term.text)
    found = db.execute(
        f"SELECT m.conversation_id, c.title, m.id, m.role, m.created, {rank} AS rank,"
        f" {snippet}, m.content FROM {source} JOIN conversations AS c"
        f" ON c.id = m.conversation_id WHERE 1{match_sql}{where} ORDER BY rank, m.num DESC"
        " LIMIT ?",
        [*match_args, *args, limit],
    ).fetchall()
    return [
        Hit(r[0], r[1], r[2], r[3], r[4], r[5], _parts(r[6]) if r[6] else _around(r[7], short_cjk))
        for r in found
    ]


def _title_hits(db: sqlite3.Connection, query: Query, limit: int, current: str | None) -> list[Hit]:
    where, args = _conversation_filters(query, current)
    dates, date_args = _dates("c.updated", query)
    where, args = where + dates, args + date_args
    words = [t for t in query.terms if not t.cjk]
    cjk = [t for t in query.terms if t.cjk]
    if words:
        source = "title_fts JOIN conversations AS c ON c.num = title_fts.rowid"
        match_sql, match_args = " AND title_fts MATCH ?", [_fts(words)]
        rank = f"bm25(title_fts) * {TITLE_WEIGHT}"
    else:
        source, match_sql, match_args, rank = "conversations AS c", "", [], "0.0"
    for term in cjk:
        match_sql += " AND instr(lower(c.title), lower(?)) > 0"
        match_args.append(term.text)
    order = "rank, c.updated DESC" if query.terms else "c.updated DESC"
    found = db.execute(
        f"SELECT c.id, c.title, c.updated, {rank} AS rank FROM {source}"
        f" WHERE 1{match_sql}{where} ORDER BY {order} LIMIT ?",
        [*match_args, *args, limit],
    ).fetchall()
    return [Hit(r[0], r[1], None, None, r[2], r[3], _marked(r[1], query.terms)) for r in found]


def _parts(snippet: str) -> tuple[tuple[str, bool], ...]:
    parts: list[tuple[str, bool]] = []
    for index, piece in enumerate(re.split(f"[{_OPEN}{_CLOSE}]", snippet)):
        if piece:
            parts.append((piece, index % 2 == 1))
    return tuple(parts)


def _marked(text: str, terms: tuple[Term, ...]) -> tuple[tuple[str, bool], ...]:
    """``text`` with the terms in it marked (case-insensitive, as whole pieces of text)."""
    wanted = [re.escape(t.text) for t in terms if t.text]
    if not wanted or not text:
        return ((text, False),) if text else ()
    pattern = re.compile("|".join(sorted(wanted, key=len, reverse=True)), re.IGNORECASE)
    parts: list[tuple[str, bool]] = []
    at = 0
    for match in pattern.finditer(text):
        if match.start() > at:
            parts.append((text[at : match.start()], False))
        parts.append((match.group(), True))
        at = match.end()
    if at < len(text):
        parts.append((text[at:], False))
    return tuple(parts)


def _around(content: str, terms: list[Term], width: int = 40) -> tuple[tuple[str, bool], ...]:
    """A snippet of ``content`` around the first of ``terms``, with the terms marked."""
    lowered = content.lower()
    first = min((i for t in terms if (i := lowered.find(t.text.lower())) >= 0), default=0)
    start, end = max(0, first - width), first + width
    text = ("…" if start else "") + content[start:end] + ("…" if end < len(content) else "")
    return _marked(" ".join(text.split()), tuple(terms))
