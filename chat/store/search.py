"""Full-text search: a query a person types, turned into FTS5 queries, ranked with bm25.

The syntax: words (all must match, in any case, Cyrillic included), ``"exact phrases"``,
``prefix*``, and filters ``provider:NAME``, ``model:NAME``, ``before:2026-12-01``,
``after:2026-11``, ``in:current``. Words are matched as FTS5 phrases, so ``snake_case_name``
finds that identifier. Text in scripts written without spaces (Chinese, Japanese) is found as a
substring: through the trigram index for three characters or more, and through the index of
single characters and pairs of them (``functions.cjk_grams``) for one or two.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from .functions import CJK_CHARS, CJK_RUN

QUESTION_WEIGHT, ANSWER_WEIGHT, REASONING_WEIGHT = 2.0, 1.0, 0.3
"""bm25 weights of the index's columns: a match in a question counts twice one in a reply."""
TITLE_WEIGHT = 3.0
"""A match in a conversation's title counts three times one in a reply."""
SNIPPET_TOKENS = 16
CANDIDATES = 100
"""How many of the best matches the index ranks before any message's row is read: when
enough of them pass the filters (not deleted, provider, dates), only their rows are read and
given a snippet; otherwise every match is (slower, the same hits)."""
MAX_QUERY_CHARS = 1000
MAX_TERMS = 32
"""Longer queries are refused: a person types a few words, and SQLite's expressions have a
depth limit (a 1-2 character term of CJK and other text adds a condition)."""
_OPEN, _CLOSE = "\x02", "\x03"
_TOKEN = re.compile(r'(\w+):"([^"]*)"?|"([^"]*)"?|(\S+)')
_CJK_CHAR = re.compile(f"[{CJK_CHARS}]")
_UNUSABLE = re.compile("[\x00\ud800-\udfff]")
"""NUL ends an FTS5 query string early (an "unterminated string"), and a lone surrogate cannot
be encoded for SQLite: both are read as spaces."""
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

    @property
    def grams(self) -> list[str]:
        """What the gram index is asked for a short CJK term: the term itself when it is all
        CJK (the index then finds exactly the texts that hold it), else its CJK character."""
        return [self.text] if self.whole_cjk else _CJK_CHAR.findall(self.text)

    @property
    def whole_cjk(self) -> bool:
        return bool(CJK_RUN.fullmatch(self.text))


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
    """The query in ``text``; raises ``QueryError`` for a filter it cannot use, or a query
    too long to be one a person typed."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"Shorten the search to {MAX_QUERY_CHARS:,} characters or fewer (it has {len(text):,})."
        )
    terms: list[Term] = []
    filters: dict[str, Any] = {}
    for match in _TOKEN.finditer(_UNUSABLE.sub(" ", text)):
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
    _check_terms(len(kept))
    return Query(terms=kept, **filters)


def _check_terms(count: int) -> None:
    if count > MAX_TERMS:
        raise QueryError(
            f"Search for at most {MAX_TERMS} words or phrases at once (this search has "
            f"{count}): leave some out, or put the ones that belong together in quotes."
        )


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
    _check_terms(len(query.terms))
    if query.in_current and current is None:
        raise QueryError("“in:current” searches the open conversation: open one first.")
    if query.empty or limit <= 0:
        return []
    return _merged(
        _message_hits(db, query, limit, current), _title_hits(db, query, limit, current)
    )[:limit]


def _merged(messages: list[Hit], titles: list[Hit]) -> list[Hit]:
    """A title that matches lifts its conversation's message hits (it is not listed beside
    them); it is a hit of its own only where no message matched.

    Hits in conversations whose title matched come first: bm25 ranks from two indexes are on
    scales of their own (a word in half the titles gets an IDF of almost 0, and a CJK title
    match has no bm25 at all), so adding them would let a reply outrank a title.
    """
    title_rank = {hit.conversation_id: hit.rank for hit in titles}
    lifted = [
        dataclasses.replace(hit, rank=hit.rank + title_rank.get(hit.conversation_id, 0.0))
        for hit in messages
    ]
    matched = {hit.conversation_id for hit in messages}
    hits = lifted + [hit for hit in titles if hit.conversation_id not in matched]
    hits.sort(key=lambda hit: (hit.conversation_id not in title_rank, hit.rank, -hit.created))
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


@dataclass(frozen=True, slots=True)
class _Index:
    """The FTS5 table a query's words are looked up in, and how it ranks and shows them."""

    table: str
    match: str
    args: list[Any]
    rank: str
    """bm25 of the index alone: it can be had without reading the messages' rows."""
    question_weight: float
    """The factor a user's message's rank gets on top (where the index has no column for it)."""
    rank_function: str = ""
    """``rank`` as FTS5 computes and sorts by itself (where ``question_weight`` is 1)."""

    @property
    def snippet(self) -> str:
        column = -1 if self.table == "message_fts" else 0
        return f"snippet({self.table}, {column}, char(2), char(3), '…', {SNIPPET_TOKENS})"


def _index(words: list[Term], long_cjk: list[Term], short_cjk: list[Term]) -> _Index:
    """The words' index, or the trigram index without words; the other indexes' matches are
    sets its matches are checked against (before any message's row is read)."""
    if not words:
        match, args = "cjk_fts MATCH ?", [_fts(long_cjk)]
    else:
        match, args = "message_fts MATCH ?", [_fts(words)]
        if long_cjk:
            match += _in_index("+message_fts.rowid", "cjk_fts")
            args.append(_fts(long_cjk))
    if short_cjk:
        match += _in_index(f"+{'message_fts' if words else 'cjk_fts'}.rowid", "cjk_gram_fts")
        args.append(_grams(short_cjk))
    if not words:
        return _Index("cjk_fts", match, args, "bm25(cjk_fts)", QUESTION_WEIGHT)
    weights = f"{QUESTION_WEIGHT}, {ANSWER_WEIGHT}, {REASONING_WEIGHT}"
    return _Index(
        "message_fts", match, args, f"bm25(message_fts, {weights})", 1.0, f"bm25({weights})"
    )


def _in_index(column: str, index: str) -> str:
    """SQL true where the FTS5 query bound to its ? matches, in ``index``, the row whose
    number is in ``column``. Write ``+table.rowid`` for an FTS5 table's own rowid: without the
    ``+`` SQLite hands the set to that table as rowids to look up one by one (a query each,
    measured 100 times slower than checking each match against the set)."""
    return f" AND {column} IN (SELECT rowid FROM {index} WHERE {index} MATCH ?)"


def _grams(terms: list[Term]) -> str:
    """The gram index's FTS5 query for 1-2 character CJK ``terms``: every gram, one token
    each (``functions.cjk_grams`` puts spaces between them; none holds a quote)."""
    return " ".join(f'"{gram}"' for gram in dict.fromkeys(g for t in terms for g in t.grams))


def _contains(column: str, term: Term) -> str:
    """SQL true where ``column`` holds ``term`` (lower() only where case can differ: it
    costs a copy of every text scanned)."""
    if term.text.lower() == term.text.upper():
        return f" AND instr({column}, ?) > 0"
    return f" AND instr(lower({column}), lower(?)) > 0"


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
    # in one conversation, reading its messages beats the gram index's list of the whole store
    grams = [] if query.in_current else short_cjk
    for term in short_cjk:
        if not (term in grams and term.whole_cjk):  # the index has the term itself
            where += _contains("m.content", term)
            args.append(term.text)
    if not (words or long_cjk):
        return _newest(db, where, args, short_cjk, limit, grams=bool(grams))
    index = _index(words, long_cjk, grams)
    if not long_cjk:
        return _streamed(db, index, where, args, limit)
    # a limit far beyond a screenful would bind more rows' numbers than SQLite takes at once
    found = _best_candidates(db, index, where, args, limit) if 0 < limit <= 1000 else None
    return found if found is not None else _all_matches(db, index, where, args, limit)


def _streamed(
    db: sqlite3.Connection, index: _Index, where: str, args: list[Any], limit: int
) -> list[Hit]:
    """Words alone: the index hands over its matches best first (FTS5 sorts by its own
    ``rank``), each joined to its row as it comes, until enough have passed the filters; so
    only the rows shown are read and given a snippet. Matches that tie with the last one
    shown are read too, so that the newest of them come first, as everywhere else."""
    table = index.table
    cursor = db.execute(
        f"SELECT m.num, m.conversation_id, c.title, m.id, m.role, m.created, {table}.rank,"
        f" {index.snippet} FROM {table} JOIN messages AS m ON m.num = {table}.rowid"
        f" JOIN conversations AS c ON c.id = m.conversation_id WHERE {index.match}"
        f" AND {table}.rank MATCH ?{where} ORDER BY {table}.rank",
        [*index.args, index.rank_function, *args],
    )
    found: list[tuple[Any, ...]] = []
    for row in cursor:
        if len(found) >= limit and row[6] != found[-1][6]:
            break
        found.append(row)
    cursor.close()
    found.sort(key=lambda r: (r[6], -r[0]))
    return [Hit(r[1], r[2], r[3], r[4], r[5], r[6], _parts(r[7] or "")) for r in found[:limit]]


def _best_candidates(
    db: sqlite3.Connection, index: _Index, where: str, args: list[Any], limit: int
) -> list[Hit] | None:
    """The hits among the best ``CANDIDATES`` matches of the index alone, so that only their
    rows are read; None when too few of them pass the filters to be sure of the best."""
    wanted = max(CANDIDATES, 2 * limit)
    found = db.execute(
        f"SELECT rowid, {index.rank} AS rank FROM {index.table} WHERE {index.match}"
        " ORDER BY rank, rowid DESC LIMIT ?",
        [*index.args, wanted],
    ).fetchall()
    if not found:
        return []
    ranks: dict[int, float] = dict(found)
    rows = db.execute(
        "SELECT m.num, m.conversation_id, c.title, m.id, m.role, m.created FROM messages AS m"
        f" JOIN conversations AS c ON c.id = m.conversation_id WHERE m.num IN"
        f" ({', '.join('?' * len(ranks))}){where}",
        [*ranks, *args],
    ).fetchall()
    scored = sorted(
        (ranks[r[0]] * (index.question_weight if r[4] == "user" else 1.0), -r[0], r) for r in rows
    )
    if len(found) == wanted:  # a match left out ranks after this (bm25 ranks are <= 0)
        left_out = (found[-1][1] * index.question_weight, -found[-1][0])
        if len(scored) < limit or scored[limit - 1][:2] > left_out:
            return None
    kept = scored[:limit]
    snippets = dict(
        db.execute(
            f"SELECT rowid, {index.snippet} FROM {index.table} WHERE {index.table} MATCH ?"
            f" AND rowid IN ({', '.join('?' * len(kept))})",
            [index.args[0], *(r[0] for _, _, r in kept)],
        ).fetchall()
    )
    return [
        Hit(r[1], r[2], r[3], r[4], r[5], rank, _parts(snippets.get(r[0], "")))
        for rank, _, r in kept
    ]


def _all_matches(
    db: sqlite3.Connection, index: _Index, where: str, args: list[Any], limit: int
) -> list[Hit]:
    """The hits among every match, each row read (for filters that leave few of them)."""
    weight = f"(CASE WHEN m.role = 'user' THEN {index.question_weight} ELSE 1 END)"
    found = db.execute(
        f"SELECT m.conversation_id, c.title, m.id, m.role, m.created, {index.rank} * {weight}"
        f" AS rank, {index.snippet} FROM {index.table} JOIN messages AS m"
        f" ON m.num = {index.table}.rowid JOIN conversations AS c ON c.id = m.conversation_id"
        f" WHERE {index.match}{where} ORDER BY rank, m.num DESC LIMIT ?",
        [*index.args, *args, limit],
    ).fetchall()
    return [Hit(r[0], r[1], r[2], r[3], r[4], r[5], _parts(r[6] or "")) for r in found]


def _newest(
    db: sqlite3.Connection,
    where: str,
    args: list[Any],
    short_cjk: list[Term],
    limit: int,
    *,
    grams: bool,
) -> list[Hit]:
    """1-2 CJK characters alone, too short for the trigram index (and with no rank), newest
    first: the gram index hands over the messages that hold them, each joined to its row as
    it comes, until enough have passed the filters (or, without ``grams``, the messages the
    filters keep are read)."""
    if grams:  # in the index's own order: ORDER BY m.num would sort every match first
        source = "cjk_gram_fts JOIN messages AS m ON m.num = cjk_gram_fts.rowid"
        match, order = "cjk_gram_fts MATCH ?", "cjk_gram_fts.rowid"
        args = [_grams(short_cjk), *args]
    else:
        source, match, order = "messages AS m", "1", "m.num"
    found = db.execute(
        "SELECT m.conversation_id, c.title, m.id, m.role, m.created, m.content FROM"
        f" {source} JOIN conversations AS c ON c.id = m.conversation_id WHERE {match}{where}"
        f" ORDER BY {order} DESC LIMIT ?",
        [*args, limit],
    ).fetchall()
    return [Hit(r[0], r[1], r[2], r[3], r[4], 0.0, _around(r[5], short_cjk)) for r in found]


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
    long_cjk = [t for t in cjk if len(t.text) >= 3]
    short_cjk = [t for t in cjk if len(t.text) < 3]
    # through the trigram and gram indexes of CJK titles, not a read of every title
    if long_cjk:
        match_sql += _in_index("c.num", "title_cjk_fts")
        match_args.append(_fts(long_cjk))
    if short_cjk:
        match_sql += _in_index("c.num", "title_gram_fts")
        match_args.append(_grams(short_cjk))
    for term in cjk:
        if not (term in short_cjk and term.whole_cjk):
            match_sql += _contains("c.title", term)
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


def _pattern(terms: tuple[Term, ...] | list[Term]) -> re.Pattern[str] | None:
    """The terms as one case-insensitive pattern, longest first (None when there are none)."""
    wanted = [re.escape(t.text) for t in terms if t.text]
    if not wanted:
        return None
    return re.compile("|".join(sorted(wanted, key=len, reverse=True)), re.IGNORECASE)


def _marked(text: str, terms: tuple[Term, ...]) -> tuple[tuple[str, bool], ...]:
    """``text`` with the terms in it marked (case-insensitive, as whole pieces of text)."""
    pattern = _pattern(terms)
    if pattern is None or not text:
        return ((text, False),) if text else ()
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
    pattern = _pattern(terms)  # searched in ``content`` itself: lower() may change lengths
    found = pattern.search(content) if pattern is not None else None
    first = found.start() if found is not None else 0
    start, end = max(0, first - width), first + width
    text = ("…" if start else "") + content[start:end] + ("…" if end < len(content) else "")
    return _marked(" ".join(text.split()), tuple(terms))
