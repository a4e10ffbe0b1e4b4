"""chatgpt.com's reply events, cumulative or delta-encoded, turned into text deltas."""

from __future__ import annotations

from typing import Any

from ..errors import ProviderError
from ..http import excerpt

TEXT_PATH = "/message/content/parts/0"
METADATA_PATH = "/message/metadata"
FINISH_PATH = "/message/metadata/finish_details"


class ReplyError(ProviderError):
    """The site reported an error inside the reply stream."""

    default_hint = "The text received so far is kept; try again, or pick another provider."


def _error_text(error: Any) -> str:
    if isinstance(error, dict):
        error = error.get("message") or error.get("detail") or error
    return excerpt(error if isinstance(error, str) else str(error))


class ReplyDecoder:
    """Feed it each event's JSON object; it returns the new assistant text.

    The encoding is decided per event by its shape: a top-level ``message`` is the
    cumulative form (``parts[0]`` holds the whole text so far), ``v`` is the delta form.
    Only text of messages whose author is the assistant counts.
    """

    def __init__(self, provider: str | None = None):
        self.provider = provider
        self.finish_reason: str | None = None
        self._role: str | None = None
        self._message_id: str | None = None
        self._texts: dict[str | None, str] = {}
        self._path = ""
        self._op = ""

    def feed(self, event: Any) -> str:
        """The assistant text this event adds ("" when none); raises on an ``error`` event."""
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
            self._path, self._op = str(event.get("p") or ""), str(event.get("o") or "")
        elif isinstance(value, dict) and "message" in value:
            return self._open(value["message"])
        return self._delta(self._path, self._op, value)

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
        if isinstance(value, dict) and "message" in value and path in ("", "/"):
            return self._open(value["message"])
        if isinstance(value, list):
            return "".join(self._patch(entry) for entry in value if isinstance(entry, dict))
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

    def _patch(self, entry: dict[str, Any]) -> str:
        path, op = str(entry.get("p") or ""), str(entry.get("o") or "")
        if path in ("", "/") and not isinstance(entry.get("v"), dict):
            return ""
        return self._delta(path, op, entry.get("v"))

    def _append(self, piece: str) -> str:
        key = self._message_id
        self._texts[key] = self._texts.get(key, "") + piece
        return piece

    def _replace(self, whole: str) -> str:
        """The suffix of ``whole`` after the length already yielded for this message."""
        key = self._message_id
        done = self._texts.get(key, "")
        if len(whole) <= len(done):
            return ""
        self._texts[key] = whole
        return whole[len(done) :]

    def _finish(self, details: Any) -> None:
        if isinstance(details, dict) and isinstance(details.get("type"), str):
            self.finish_reason = details["type"]
