"""chatgpt.com's reply events, cumulative or delta-encoded, turned into text deltas."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from ..errors import ProviderError
from ..http import EXCERPT_CHARS, excerpt

TEXT_PATH = "/message/content/parts/0"
METADATA_PATH = "/message/metadata"
FINISH_PATH = "/message/metadata/finish_details"
_ROOTS = ("", "/")
_ERROR_CHARS = 10 * EXCERPT_CHARS
"""An error text is cut to this before it is excerpted: no more is shown, whatever came."""
_BRIEF_ITEMS = 5

Patch = tuple[str, str, Any]
"""A patch's path, operation and value."""


class ReplyError(ProviderError):
    """The site reported an error inside the reply stream."""

    default_hint = "The text received so far is kept; try again, or pick another provider."


def _brief(value: Any, depth: int = 3) -> str:
    """A JSON value in Python's notation, its first few items a few levels deep: bounded
    work and length however large or deep the value is."""
    if isinstance(value, str):
        return repr(value[:EXCERPT_CHARS])
    if isinstance(value, list | dict) and depth == 0:
        return "[…]" if isinstance(value, list) else "{…}"
    if isinstance(value, list):
        shown = (_brief(item, depth - 1) for item in islice(value, _BRIEF_ITEMS))
        return "[" + _items(shown, value) + "]"
    if isinstance(value, dict):
        pairs = islice(value.items(), _BRIEF_ITEMS)
        return "{" + _items((f"{_brief(k)}: {_brief(v, depth - 1)}" for k, v in pairs), value) + "}"
    if isinstance(value, int) and value.bit_length() > 64:
        return "a huge number"
    return repr(value)


def _items(shown: Iterable[str], whole: list[Any] | dict[Any, Any]) -> str:
    return ", ".join(shown) + (", …" if len(whole) > _BRIEF_ITEMS else "")


def _error_text(error: Any) -> str:
    if isinstance(error, dict):
        error = error.get("message") or error.get("detail") or error
    shown = error if isinstance(error, str) else _brief(error)
    return excerpt(shown[:_ERROR_CHARS])


def _field(value: Any) -> str:
    """A patch's path or operation as text; one that is not a string matches no path."""
    if not value:
        return ""
    return value if isinstance(value, str) else "#"


def _patches(first: Patch) -> Iterator[Patch]:
    """``first`` and, in order, the patches of every patch list in it, without recursion.

    The patches are produced lazily: each is decoded (and may open a message) before the
    next is read, as the site meant them.
    """
    lists: list[Iterator[Any]] = []
    patch: Patch | None = first
    while patch is not None:
        if isinstance(patch[2], list):
            lists.append(iter(patch[2]))
        else:
            yield patch
        patch = _next_patch(lists)


def _next_patch(lists: list[Iterator[Any]]) -> Patch | None:
    """The next patch worth decoding in the innermost open list (None when all are done)."""
    while lists:
        for entry in lists[-1]:
            if not isinstance(entry, dict):
                continue
            path, value = _field(entry.get("p")), entry.get("v")
            if path in _ROOTS and not isinstance(value, dict):
                continue
            return path, _field(entry.get("o")), value
        lists.pop()
    return None


class ReplyDecoder:
    """Feed it each event's JSON object; it returns the new assistant text.

    The encoding is decided per event by its shape: a top-level ``message`` is the
    cumulative form (``parts[0]`` holds the whole text so far), ``v`` is the delta form.
    Only text of messages whose author is the assistant counts. Any JSON value may be fed,
    nested however deep; the work is linear in its size.
    """

    def __init__(self, provider: str | None = None):
        self.provider = provider
        self.finish_reason: str | None = None
        self._role: str | None = None
        self._message_id: str | None = None
        self._lengths: dict[str | None, int] = {}  # the text yielded so far, per message
        self._path = ""
        self._op = ""

    def feed(self, event: Any) -> str:
        """The assistant text this event adds ("" when none).

        Raises:
            ReplyError: the event is the site's ``error`` event (the only error raised).
        """
        if not isinstance(event, dict):
            return ""
        if event.get("error"):
            raise ReplyError(
                f"The site reported an error: {_error_text(event['error'])}",
                provider=self.provider,
            )
        if "message" in event:
            return self._open(event["message"])
        if "v" not in event:
            return ""
        value = event["v"]
        if "p" in event or "o" in event:
            self._path, self._op = _field(event.get("p")), _field(event.get("o"))
        elif isinstance(value, dict) and "message" in value:
            return self._open(value["message"])
        return "".join(self._delta(*patch) for patch in _patches((self._path, self._op, value)))

    def _open(self, message: Any) -> str:
        """A message in full (cumulative form, or a delta stream opening a message)."""
        if not isinstance(message, dict):
            return ""
        author = message.get("author")
        self._role = author.get("role") if isinstance(author, dict) else None
        self._message_id = message.get("id") if isinstance(message.get("id"), str) else None
        if self._role != "assistant":
            return ""
        metadata = message.get("metadata")
        if isinstance(metadata, dict):
            self._finish(metadata.get("finish_details"))
        content = message.get("content")
        parts = content.get("parts") if isinstance(content, dict) else None
        if isinstance(parts, list) and parts and isinstance(parts[0], str):
            return self._replace(parts[0])
        return ""

    def _delta(self, path: str, op: str, value: Any) -> str:
        """One patch (never a patch list: ``_patches`` opens those)."""
        if isinstance(value, dict) and "message" in value and path in _ROOTS:
            return self._open(value["message"])
        if self._role != "assistant":
            return ""
        if path == TEXT_PATH and isinstance(value, str):
            if op in ("append", ""):
                return self._append(value)
            if op == "replace":
                return self._replace(value)
        elif path == METADATA_PATH and isinstance(value, dict):
            self._finish(value.get("finish_details"))
        elif path == FINISH_PATH:
            self._finish(value)
        return ""

    def _append(self, piece: str) -> str:
        key = self._message_id
        self._lengths[key] = self._lengths.get(key, 0) + len(piece)
        return piece

    def _replace(self, whole: str) -> str:
        """The suffix of ``whole`` after the length already yielded for this message."""
        key = self._message_id
        done = self._lengths.get(key, 0)
        if len(whole) <= done:
            return ""
        self._lengths[key] = len(whole)
        return whole[done:]

    def _finish(self, details: Any) -> None:
        if isinstance(details, dict) and isinstance(details.get("type"), str):
            self.finish_reason = details["type"]
