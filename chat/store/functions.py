"""The SQL functions of Parley's own that the schema's triggers call, and the characters they
look for.

``database.connect`` adds them to every connection (``add_functions``): ``parley_cjk_grams``
(migration 0004) and ``parley_has_cjk`` (0005). Another program (the ``sqlite3`` shell, a backup
tool) reads the file as it is, and deletes rows without CJK text; to add or change messages or
titles, or to delete ones with CJK text, it needs the functions too, or SQLite says "no such
function".
"""

from __future__ import annotations

import contextlib
import re
import sqlite3

CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\uac00-\ud7af"
"""Kana, CJK ideographs, halfwidth katakana and Hangul syllables, as the inside of a character
class (the same in a GLOB pattern and a regular expression): scripts written without spaces,
found as substrings rather than words. None of them has a case."""
CJK = "*[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\u8c48-\ufaff\uff66-\uff9f\uac00-\ud7af]*"
"""A GLOB pattern for text that may hold CJK: the views and delete triggers of the migrations
have it, and ``has_cjk`` takes what it takes, so it must never change. It was meant to be
``*[CJK_CHARS]*``, but one range starts at U+8C48 (豈, the ideograph, not U+F900, its
compatibility form), so it also takes Yi, Hangul Jamo, Latin Extended-D and the private use
area: such text is in the trigram index too, and in the gram index with no gram, which does no
harm. It takes every text with a ``CJK_CHARS`` character (up to a NUL: GLOB reads no further)."""
CJK_RUN = re.compile(f"[{CJK_CHARS}]+")
GRAMS_FUNCTION = "parley_cjk_grams"
HAS_CJK_FUNCTION = "parley_has_cjk"
_GLOBBED = re.compile(CJK.strip("*"))
"""The character class of ``CJK``, the very same, as a regular expression."""


def cjk_grams(text: object) -> str:
    """Each CJK character of ``text``, then each pair of neighbouring ones, once each and
    space-separated: the words the ``ascii`` tokenizer makes of them are exactly these (it
    splits only at ASCII spaces and punctuation). "" for text without CJK, or not text.

    A row leaves a gram index with the grams this gives for its text then: what it gives must
    not change without a migration that rebuilds the gram indexes (``'rebuild'``).
    """
    if not isinstance(text, str):
        return ""
    runs = CJK_RUN.findall(text)
    if not runs:
        return ""
    grams = dict.fromkeys("".join(runs))
    grams.update(dict.fromkeys(run[at : at + 2] for run in runs for at in range(len(run) - 1)))
    return " ".join(grams)


def has_cjk(text: object) -> int:
    """1 where ``text GLOB CJK`` is true, else 0 (for NULL too): the same characters, up to a
    NUL as GLOB reads. GLOB tries its class at every position of a text (54 µs for 850
    characters of English); this takes a few µs. A row leaves an index of CJK text on the
    condition it went in on, so what this gives must never differ from the GLOB."""
    if isinstance(text, str):
        if text.isascii():
            return 0
        found = _GLOBBED.search(text)
        return int(found is not None and text.find("\0", 0, found.start()) < 0)
    if isinstance(text, bytes):  # a blob (Parley writes none): as this SQLite's GLOB takes it
        with contextlib.closing(sqlite3.connect(":memory:")) as db:
            return int(db.execute("SELECT ? GLOB ?", (text, CJK)).fetchone()[0])
    return 0  # a number's digits, or NULL


def add_functions(db: sqlite3.Connection) -> None:
    """Give ``db`` the SQL functions the schema's triggers call (deterministic: an index is
    taken out with what the same text gave when it went in)."""
    db.create_function(GRAMS_FUNCTION, 1, cjk_grams, deterministic=True)
    db.create_function(HAS_CJK_FUNCTION, 1, has_cjk, deterministic=True)
