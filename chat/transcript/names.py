"""File names from conversation titles, safe on Windows, macOS and Linux, and unique in a folder."""

from __future__ import annotations

import re
import unicodedata

UNTITLED = "Conversation"
MAX_BYTES = 100
"""At most this many UTF-8 bytes before the suffix (a title can be long; paths have limits)."""
_SLASHES = re.compile(r"[/\\|]")
_FORBIDDEN = re.compile(r'[:*?"<>]')
_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])", re.IGNORECASE)
_DROPPED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
"""Controls, invisible format marks (a right-to-left override can disguise a suffix),
surrogates, private and unassigned code points."""


def file_name(title: str, suffix: str, taken: set[str]) -> str:
    """A file name for a conversation called ``title``, ending in ``suffix`` (".md"), unlike
    every name given before with the same ``taken`` (which holds them as a case-insensitive
    file system compares them: start with an empty set).

    No character that Windows, macOS or Linux refuses or hides, no dot or space at either end,
    no name Windows reserves (CON, NUL, COM1...), at most ``MAX_BYTES`` bytes before the
    suffix; an unusable title gives "Conversation". A second "Notes" is "Notes (2)".
    """
    base = _usable(title) or UNTITLED
    name, number = base + suffix, 1
    while _fold(name) in taken:
        number += 1
        ending = f" ({number})"
        name = _cut(base, MAX_BYTES - len(ending.encode())) + ending + suffix
    taken.add(_fold(name))
    return name


def _usable(title: str) -> str:
    text = _SLASHES.sub("-", unicodedata.normalize("NFC", title))
    text = _FORBIDDEN.sub(" ", text)
    text = "".join(" " if c.isspace() else c for c in text if _kept(c))
    text = " ".join(text.split())
    text = _cut(text.lstrip(" .-"), MAX_BYTES)
    return _unreserved(text) if text else ""


def _kept(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) not in _DROPPED


def _cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes on a character boundary, without a dot
    or a space at its end."""
    cut = text.encode()[:limit].decode(errors="ignore")
    return cut.rstrip(" .")


def _unreserved(text: str) -> str:
    """A name Windows reserves ("con", "Nul.txt", "COM1 .x") gets an underscore after its
    reserved part."""
    stem, dot, rest = text.partition(".")
    if _RESERVED.fullmatch(stem.rstrip(" ")):
        return _cut(f"{stem.rstrip(' ')}_{dot}{rest}", MAX_BYTES)
    return text


def _fold(name: str) -> str:
    """What two names that a case-insensitive file system takes as one have in common."""
    return unicodedata.normalize("NFC", name).casefold()
