"""Anthropic's Messages API: ``POST {base}/messages`` streamed, ``GET {base}/models``.

The stream is server-sent events, each named and typed (``message_start``,
``content_block_start``, ``content_block_delta``, ``content_block_stop``, ``message_delta``,
``message_stop``, ``ping``, ``error``): https://docs.anthropic.com/en/docs/build-with-claude/streaming.
Where a reader goes wrong, each with an emulator switch and a test
(tests/emulators/anthropic.py): the usage of ``message_delta`` is cumulative (the last one
counts, never their sum); an ``error`` event (``overloaded_error``) may come after HTTP 200
and some text, and then no ``message_stop``; a thinking block's signature arrives in a
``signature_delta`` and must be sent back with the thinking on the next turn.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from .api import api_error, required_key, stream_error
from .contract import Context, Provider, Request
from .errors import EmptyReplyError, MalformedResponseError
from .http import Http, http_for, read_text
from .stream import iter_sse_batches, parse_json
from .types import (
    Chunk,
    CredentialKind,
    FinishReason,
    Message,
    Reasoning,
    ReasoningSignature,
    Usage,
)

EMPTY_REPLY = "The service sent an empty reply, with no text and no reason for stopping."
FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "refusal": "content_filter",
}
"""Anthropic's ``stop_reason`` in the words the session knows; others pass as they are."""
MODEL_PAGES = 10
"""At most this many pages of the model list are read (1,000 models each)."""


@dataclass(frozen=True, kw_only=True)
class Anthropic(Provider):
    """Anthropic's Messages API at ``url`` (the base, ending in ``/v1``)."""

    credential_kinds: tuple[CredentialKind, ...] = ("api_key",)
    needs_auth: bool = True
    alternating_roles: bool = True
    key_env: tuple[str, ...] = ("ANTHROPIC_API_KEY",)
    supported_options: frozenset[str] = frozenset({"temperature", "top_p", "max_tokens"})
    default_model: str = "claude-sonnet-4-5"
    models: tuple[str, ...] = (
        "claude-sonnet-4-5",
        "claude-opus-4-1",
        "claude-haiku-4-5",
        "claude-3-5-haiku-latest",
    )
    anthropic_version: str = "2023-06-01"
    default_max_tokens: int = 8192
    """``max_tokens`` is required by the API: this is sent when the options give none."""

    kind: ClassVar[str] = "Anthropic"
    sends_headers: ClassVar[bool] = True
    lists_models: ClassVar[bool] = True

    def _headers(self, context: Context, *, stream: bool) -> dict[str, str]:
        headers = {
            "accept": "text/event-stream" if stream else "application/json",
            "anthropic-version": self.anthropic_version,
        }
        headers.update(context.credentials.headers)
        key = required_key(self, context.credentials.api_key)
        if key:
            headers["x-api-key"] = key
        return headers

    def payload(self, request: Request, model: str) -> dict[str, Any]:
        """The JSON body of a streamed message."""
        options = request.options
        payload: dict[str, Any] = {
            "model": model,
            "max_tokens": options.max_tokens or self.default_max_tokens,
            "messages": [
                _message(m) for m in request.turns if m.get("role") in ("user", "assistant")
            ],
            "stream": True,
        }
        if system := request.system:
            payload["system"] = system
        if options.temperature is not None:
            payload["temperature"] = options.temperature
        if options.top_p is not None:
            payload["top_p"] = options.top_p
        return payload

    async def stream(self, request: Request, context: Context) -> AsyncIterator[Chunk]:
        headers = self._headers(context, stream=True)
        model = self.get_model(request.model)
        payload = self.payload(request, model)
        async with (
            http_for(self.name, context) as http,
            http.request(
                "POST", f"{self.url}/messages", check=False, json=payload, headers=headers
            ) as response,
        ):
            if response.status >= 400:
                body = await read_text(response)
                raise api_error(
                    response.status, body, response.headers, self, model=model, path="/messages"
                )
            async for chunk in self._read(response):
                yield chunk

    async def _read(self, response: Any) -> AsyncIterator[Chunk]:
        loads = json.loads
        reply = _Reply()
        async for events in iter_sse_batches(response):
            for event in events:
                try:
                    value = loads(event.data)
                except (ValueError, RecursionError):
                    if not event.data.strip():
                        continue
                    value = parse_json(event.data, self.name)
                if not isinstance(value, dict):
                    raise MalformedResponseError(
                        f"The service sent {event.data[:80]!r} where an event was expected.",
                        provider=self.name,
                    )
                kind = value.get("type")
                if kind == "content_block_delta":
                    chunk = reply.delta(value.get("delta"))
                    if chunk is not None:
                        yield chunk
                elif kind == "error" or event.event == "error":
                    raise stream_error(_error_of(value), self)
                elif (chunk := reply.other(kind, value)) is not None:
                    yield chunk
        for chunk in reply.ending(self.name):
            yield chunk

    async def list_models(self, context: Context) -> list[str]:
        async with http_for(self.name, context) as http:
            return await self._models(http, context)

    async def _models(self, http: Http, context: Context) -> list[str]:
        headers = self._headers(context, stream=False)
        names: list[str] = []
        params = {"limit": "1000"}
        for _ in range(MODEL_PAGES):
            page = await self._model_page(http, headers, params)
            names.extend(_model_ids(page, self.name))
            if page.get("has_more") is not True or not isinstance(page.get("last_id"), str):
                break
            params = {"limit": "1000", "after_id": page["last_id"]}
        return names

    async def _model_page(
        self, http: Http, headers: Mapping[str, str], params: Mapping[str, str]
    ) -> dict[str, Any]:
        url = f"{self.url}/models"
        async with http.request(
            "GET", url, check=False, headers=headers, params=params
        ) as response:
            body = await read_text(response)
            if response.status >= 400:
                raise api_error(response.status, body, response.headers, self, path="/models")
        page = parse_json(body, self.name)
        if not isinstance(page, dict):
            raise _not_a_model_list(self.name)
        return page


class _Reply:
    """What the events of one reply said so far."""

    __slots__ = ("arrived", "signature", "stop_reason", "usage")

    def __init__(self) -> None:
        self.arrived = False
        self.stop_reason = ""
        self.signature: list[str] = []
        self.usage: dict[str, Any] = {}

    def delta(self, delta: Any) -> Chunk | None:
        """The chunk of a ``content_block_delta`` (a signature is kept for later)."""
        if not isinstance(delta, dict):
            return None
        kind = delta.get("type")
        if kind == "text_delta":
            text = delta.get("text")
            if text and isinstance(text, str):
                self.arrived = True
                return text
        elif kind == "thinking_delta":
            thought = delta.get("thinking")
            if thought and isinstance(thought, str):
                self.arrived = True
                return Reasoning(thought)
        elif kind == "signature_delta":
            signature = delta.get("signature")
            if signature and isinstance(signature, str):
                self.signature.append(signature)
        return None

    def other(self, kind: Any, value: Mapping[str, Any]) -> Chunk | None:
        """The chunk of any other event (most have none): ``message_stop``, ``ping`` and
        unknown events say nothing the reply needs."""
        if kind == "content_block_stop":
            return self._signature()
        if kind == "message_delta":
            delta = value.get("delta")
            reason = delta.get("stop_reason") if isinstance(delta, dict) else None
            if reason and isinstance(reason, str):
                self.stop_reason = reason
            self._count(value.get("usage"))
        elif kind == "message_start":
            message = value.get("message")
            if isinstance(message, dict):
                self._count(message.get("usage"))
        return None

    def _count(self, usage: Any) -> None:
        """Keep the counts of ``usage``: each is the total so far, so the last one wins."""
        if isinstance(usage, dict):
            self.usage.update(usage)

    def _signature(self) -> ReasoningSignature | None:
        if not self.signature:
            return None
        signature = "".join(self.signature)
        self.signature.clear()
        return ReasoningSignature(signature)

    def ending(self, provider: str) -> Iterator[Chunk]:
        """The chunks after the last event: a signature left over, why it stopped, usage.
        A reply cut before ``message_stop`` ends here too; the session sees what came."""
        if (signature := self._signature()) is not None:
            yield signature
        reason = self.stop_reason
        if not self.arrived and not reason:
            raise EmptyReplyError(EMPTY_REPLY, provider=provider)
        if reason:
            yield FinishReason(FINISH_REASONS.get(reason, reason))
        if self.usage:
            yield _usage_chunk(self.usage)


def _message(message: Message) -> dict[str, Any]:
    """A turn in the API's form: a reply with signed reasoning sends it back as a block."""
    content = message.get("content") or ""
    role = message["role"]
    if role == "assistant" and message.get("signature"):
        thinking = {
            "type": "thinking",
            "thinking": str(message.get("reasoning") or ""),
            "signature": str(message["signature"]),
        }
        blocks = _blocks(content) if content else []
        return {"role": role, "content": [thinking, *blocks]}
    if isinstance(content, list):
        return {"role": role, "content": _blocks(content)}
    return {"role": role, "content": str(content)}


def _blocks(content: Any) -> list[dict[str, Any]]:
    """OpenAI-style content (a string, or text and image parts) as Anthropic blocks."""
    if not isinstance(content, list):
        return [{"type": "text", "text": str(content)}]
    blocks: list[dict[str, Any]] = []
    for part in content:
        if not isinstance(part, Mapping):
            continue
        if part.get("type") == "text":
            if text := str(part.get("text") or ""):  # the API refuses an empty text block
                blocks.append({"type": "text", "text": text})
        elif part.get("type") == "image_url":
            if (image := _image(part.get("image_url"))) is not None:
                blocks.append(image)
        else:
            blocks.append(dict(part))  # already an Anthropic block
    return blocks


def _image(image: Any) -> dict[str, Any] | None:
    """An OpenAI ``image_url`` part as an image block (a ``data:`` URL sent inline); None
    for a part with no URL."""
    url = str((image.get("url") if isinstance(image, Mapping) else image) or "")
    if not url:
        return None
    head, _, data = url.partition(",")
    if url.startswith("data:") and head.endswith(";base64"):
        media = head.removeprefix("data:").removesuffix(";base64")
        return {"type": "image", "source": {"type": "base64", "media_type": media, "data": data}}
    return {"type": "image", "source": {"type": "url", "url": url}}


def _error_of(value: Mapping[str, Any]) -> dict[str, Any]:
    """The error event's type and message, and nothing else: ``stream_error`` reads it
    whole, and a deeply nested value there would raise ``RecursionError`` instead."""
    error = value.get("error")
    if isinstance(error, str):
        return {"type": "error", "error": {"message": error}}
    said = error.items() if isinstance(error, dict) else ()
    kept = {key: word for key, word in said if key in ("type", "message") and isinstance(word, str)}
    return {"type": "error", "error": kept}


def _model_ids(page: Mapping[str, Any], provider: str) -> list[str]:
    items = page.get("data")
    if not isinstance(items, list):
        raise _not_a_model_list(provider)
    return [
        item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)
    ]


def _not_a_model_list(provider: str) -> MalformedResponseError:
    return MalformedResponseError(
        "The model list is not in a form Parley knows (no data[].id).", provider=provider
    )


def _usage_chunk(usage: Mapping[str, Any]) -> Usage:
    """Anthropic's counts as ``Usage``: the prompt is its input tokens, cached ones included."""

    def count(name: str) -> int | None:
        value = usage.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    read = [count(name) for name in _INPUT_COUNTS]
    prompt = None if read[0] is None else sum(n or 0 for n in read)
    completion = count("output_tokens")
    total = None if prompt is None or completion is None else prompt + completion
    return Usage(prompt, completion, total)


_INPUT_COUNTS = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


ANTHROPIC = Anthropic(name="Anthropic", label="Anthropic", url="https://api.anthropic.com/v1")
"""Anthropic's own service; a key from ``ANTHROPIC_API_KEY`` is used when none is stored."""
