"""Anthropic's Messages API on loopback, strict where the real one is, with a switch for each
way its streams go beyond the happy path.

Strict as the service: ``x-api-key`` and ``anthropic-version`` headers required; a known
model; ``max_tokens`` an integer; messages that alternate user/assistant starting with a
user turn, no ``system`` role among them; content a non-empty string or a list of valid
blocks (a thinking block needs its signature); no field the API does not know.

Quirks (``AnthropicEmulator(*quirks)``):
    thinking              a thinking block first: ``thinking_delta`` pieces of
                          ``script.reasoning``, then a ``signature_delta`` (``SIGNATURE``)
    overloaded_midstream  after two pieces of text, ``event: error`` (``overloaded_error``),
                          then the connection ends with no ``message_stop``
    usage_growing         three ``message_delta`` events, their cumulative ``output_tokens``
                          growing: 3, 7, then ``GROWN_OUTPUT_TOKENS`` (12)
    refusal               the reply stops with ``stop_reason: refusal``
    hang                  two pieces of text, then silence until the client hangs up
    no_message_stop       the stream ends after ``message_delta``, with no ``message_stop``
    models_hang           ``GET /v1/models`` says nothing until the client hangs up

The model list pages as the service does: ``limit`` (1 to 1,000, 20 when not given),
``after_id`` (the models after that one), ``has_more``, ``first_id`` and ``last_id``.
``models_page_cap`` is the most a page holds whatever ``limit`` asks (the service's 1,000 by
default: lower it to see the pages); ``models_reply`` answers the model list with a status,
a body and headers of its own, as ``answer_with`` does the messages.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .api import ApiEmulator, start_stream

HANG, CLOSE = object(), object()
"""Markers in a stream's events: wait for the client to hang up; end the stream here."""
VERSIONS = frozenset({"2023-06-01", "2023-01-01"})
SIGNATURE = "EqQBCkgIARABGAIiQL2emulatedsignature=="
DEFAULT_REASONING = "Let me think about that."
GROWN_OUTPUT_TOKENS = 12
"""The last cumulative ``output_tokens`` of ``usage_growing`` (the three sum to 22)."""
FIELDS = frozenset(
    {
        "model",
        "max_tokens",
        "messages",
        "system",
        "stream",
        "temperature",
        "top_p",
        "top_k",
        "stop_sequences",
        "metadata",
        "thinking",
    }
)
BLOCK_FIELDS = {
    "text": ({"text"}, {"cache_control", "citations"}),
    "thinking": ({"thinking", "signature"}, set()),
    "redacted_thinking": ({"data"}, set()),
    "image": ({"source"}, {"cache_control"}),
}
"""A content block's required and optional fields (besides ``type``), by type."""
SOURCE_FIELDS = {"base64": {"media_type", "data"}, "url": {"url"}}
"""An image source's fields (besides ``type``), by type: all of them required."""
MEDIA_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
MAX_MODELS_LIMIT = 1000
DEFAULT_MODELS_LIMIT = 20


def error(status: int, kind: str, message: str) -> web.Response:
    """The service's own error shape."""
    body = {"type": "error", "error": {"type": kind, "message": message}}
    return web.json_response(body, status=status)


def invalid(message: str) -> web.Response:
    return error(400, "invalid_request_error", message)


def event(data: dict[str, Any]) -> bytes:
    """One server-sent event as the service writes it: its name (the data's ``type``), its
    data, a blank line."""
    return f"event: {data['type']}\ndata: {json.dumps(data)}\n\n".encode()


def _block_error(where: str, block: Any) -> str | None:
    if not isinstance(block, dict) or block.get("type") not in BLOCK_FIELDS:
        kind = block.get("type") if isinstance(block, dict) else None
        return f"{where}.type: Input tag '{kind}' is not one of the expected tags"
    required, optional = BLOCK_FIELDS[block["type"]]
    if missing := sorted(required - set(block)):
        return f"{where}.{block['type']}.{missing[0]}: Field required"
    if extra := sorted(set(block) - required - optional - {"type"}):
        return f"{where}.{block['type']}.{extra[0]}: Extra inputs are not permitted"
    if block["type"] == "thinking" and not block["signature"]:
        return f"{where}.thinking.signature: a thinking block needs its signature"
    if block["type"] == "text" and not (isinstance(block["text"], str) and block["text"]):
        return f"{where}: text content blocks must be non-empty"
    if block["type"] == "image":
        return _source_error(f"{where}.image.source", block["source"])
    return None


def _source_error(where: str, source: Any) -> str | None:
    kind = source.get("type") if isinstance(source, dict) else None
    if kind not in SOURCE_FIELDS:
        return f"{where}.type: Input tag '{kind}' is not one of the expected tags"
    assert isinstance(source, dict)
    fields = SOURCE_FIELDS[kind]
    if missing := sorted(fields - set(source)):
        return f"{where}.{kind}.{missing[0]}: Field required"
    if extra := sorted(set(source) - fields - {"type"}):
        return f"{where}.{kind}.{extra[0]}: Extra inputs are not permitted"
    if kind == "base64" and source["media_type"] not in MEDIA_TYPES:
        expected = ", ".join(f"'{media}'" for media in MEDIA_TYPES[:-1])
        return f"{where}.base64.media_type: Input should be {expected} or '{MEDIA_TYPES[-1]}'"
    if not all(isinstance(source[name], str) and source[name] for name in fields):
        return f"{where}.{kind}: {' and '.join(sorted(fields))} must be non-empty strings"
    return None


def _content_error(where: str, content: Any, last_assistant: bool) -> str | None:
    if isinstance(content, str):
        if not content and not last_assistant:
            return (
                f"{where}: all messages must have non-empty content except for the optional "
                "final assistant message"
            )
        return None
    if not isinstance(content, list):
        return f"{where}: Input should be a valid list"
    for index, block in enumerate(content):
        if (found := _block_error(f"{where}.{index}", block)) is not None:
            return found
    return None


def messages_error(messages: Any) -> str | None:
    """What the API says of ``messages``, or None when it takes them."""
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    for index, message in enumerate(messages):
        where = f"messages.{index}"
        if not isinstance(message, dict):
            return f"{where}: Input should be a valid dictionary"
        role = message.get("role")
        if role == "system":
            return (
                'messages: Unexpected role "system". The Messages API accepts a top-level '
                '`system` parameter, not "system" as an input message role.'
            )
        expected = "user" if index % 2 == 0 else "assistant"
        if role != expected:
            return (
                'messages: roles must alternate between "user" and "assistant", '
                f'starting with "user" (messages.{index} is {role!r})'
            )
        if extra := sorted(set(message) - {"role", "content"}):
            return f"{where}.{extra[0]}: Extra inputs are not permitted"
        last = index == len(messages) - 1 and role == "assistant"
        if (found := _content_error(f"{where}.content", message.get("content"), last)) is not None:
            return found
    return None


def _unit_error(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
        return f"{name}: range: 0..1"
    return None


def _words(value: Any) -> int:
    """A stand-in for a token count: the words of the text in ``value`` (a system prompt,
    messages, their blocks)."""
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, list):
        return sum(_words(item) for item in value)
    if isinstance(value, dict):
        return sum(_words(value.get(key)) for key in ("content", "text", "thinking"))
    return 0


class AnthropicEmulator(ApiEmulator):
    """``/v1/messages`` and ``/v1/models``; the base URL is ``url + "/v1"``."""

    key = "sk-ant-test-key"
    models: tuple[str, ...] = ("claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1")

    def __init__(self, *quirks: str) -> None:
        super().__init__(*quirks)
        self.models_page_cap = MAX_MODELS_LIMIT
        """The most models in one page of ``GET /v1/models``, whatever ``limit`` asks."""
        self.models_reply: tuple[int, str, dict[str, str]] | None = None
        """When set, ``GET /v1/models`` is answered with this status, JSON body and headers."""

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/v1/messages", self.messages), web.get("/v1/models", self.list_models)]

    def _refused(self, request: web.Request) -> web.Response | None:
        key = request.headers.get("x-api-key")
        if not key:
            return error(401, "authentication_error", "x-api-key header is required")
        if key != self.key:
            return error(401, "authentication_error", "invalid x-api-key")
        version = request.headers.get("anthropic-version")
        if not version:
            return invalid("anthropic-version: header is required")
        if version not in VERSIONS:
            return invalid(f"anthropic-version: invalid version {version!r}")
        return None

    async def list_models(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        if "models_hang" in self.quirks:
            await self.hang()
        if self.models_reply is not None:
            status, body, headers = self.models_reply
            return web.Response(
                status=status, text=body, content_type="application/json", headers=headers
            )
        limit_text = request.query.get("limit", str(DEFAULT_MODELS_LIMIT))
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_MODELS_LIMIT:
            return invalid(f"limit: Input should be an integer from 1 to {MAX_MODELS_LIMIT}")
        models = list(self.models)
        if (after := request.query.get("after_id")) is not None:
            if after not in models:
                return error(404, "not_found_error", f"after_id: no model {after!r}")
            models = models[models.index(after) + 1 :]
        size = min(int(limit_text), self.models_page_cap)
        data = [
            {
                "id": model,
                "type": "model",
                "display_name": model.replace("-", " ").title(),
                "created_at": "2025-01-01T00:00:00Z",
            }
            for model in models[:size]
        ]
        first, last = (data[0]["id"], data[-1]["id"]) if data else (None, None)
        more = len(models) > size
        return web.json_response(
            {"data": data, "has_more": more, "first_id": first, "last_id": last}
        )

    def _invalid(self, body: Any) -> web.Response | None:
        if not isinstance(body, dict):
            return invalid("The body must be a JSON object.")
        if extra := sorted(set(body) - FIELDS):
            return invalid(f"{extra[0]}: Extra inputs are not permitted")
        model = body.get("model")
        if not isinstance(model, str) or not model:
            return invalid("model: Field required")
        if model not in self.models:
            return error(404, "not_found_error", f"model: {model}")
        max_tokens = body.get("max_tokens")
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
            return invalid("max_tokens: Field required (an integer of at least 1)")
        system = body.get("system")
        if system is not None and not isinstance(system, str | list):
            return invalid("system: Input should be a valid string")
        found = messages_error(body.get("messages"))
        found = found or _unit_error(body, "temperature") or _unit_error(body, "top_p")
        if found is not None:
            return invalid(found)
        if body.get("stream") is not True:
            return invalid("This emulator only streams: send stream: true.")
        return None

    async def messages(self, request: web.Request) -> web.StreamResponse:
        refused = self._refused(request)
        if refused is not None:
            return refused
        body = json.loads(await request.read())
        rejected = self._invalid(body)
        if rejected is not None:
            return rejected
        canned = self.canned()
        if canned is not None:
            return canned
        response = await start_stream(request)
        for item in self.events(body):
            if item is HANG:
                await self.hang()
            elif item is CLOSE:
                break
            else:
                assert isinstance(item, bytes)
                await response.write(item)
        await response.write_eof()
        return response

    def events(self, body: dict[str, Any]) -> list[bytes | object]:
        """The stream's events, in order (``HANG`` and ``CLOSE`` mark where to stop)."""
        quirks = self.quirks
        prompt = _words(body.get("system")) + _words(body["messages"])
        message = {
            "id": "msg_emulated",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": prompt, "output_tokens": 1},
        }
        items: list[bytes | object] = [event({"type": "message_start", "message": message})]
        index = 0
        if "thinking" in quirks:
            items.extend(self._thinking())
            index = 1
        text = self._text(index)
        items.extend(text)
        if CLOSE in text:
            return items
        thought = self._reasoning().split(" ") if "thinking" in quirks else []
        items.extend(self._ending(len(thought) + len(self.script.text_pieces())))
        return items

    def _reasoning(self) -> str:
        return self.script.reasoning or DEFAULT_REASONING

    def _thinking(self) -> list[bytes | object]:
        start = {"type": "thinking", "thinking": "", "signature": ""}
        items: list[bytes | object] = [_block_start(0, start)]
        for word in self._reasoning().split(" "):
            items.append(_delta(0, {"type": "thinking_delta", "thinking": word + " "}))
        items.append(_delta(0, {"type": "signature_delta", "signature": SIGNATURE}))
        items.append(_block_stop(0))
        return items

    def _text(self, index: int) -> list[bytes | object]:
        items: list[bytes | object] = [
            _block_start(index, {"type": "text", "text": ""}),
            event({"type": "ping"}),
        ]
        for number, piece in enumerate(self.script.text_pieces()):
            items.append(_delta(index, {"type": "text_delta", "text": piece}))
            if number == 1 and "hang" in self.quirks:
                items.append(HANG)
            if number == 1 and "overloaded_midstream" in self.quirks:
                overloaded = {"type": "overloaded_error", "message": "Overloaded"}
                items.extend([event({"type": "error", "error": overloaded}), CLOSE])
                return items
        items.append(_block_stop(index))
        return items

    def _ending(self, output_tokens: int) -> list[bytes | object]:
        reason = "refusal" if "refusal" in self.quirks else "end_turn"
        growing = "usage_growing" in self.quirks
        counts = [3, 7, GROWN_OUTPUT_TOKENS] if growing else [output_tokens]
        items: list[bytes | object] = []
        for number, count in enumerate(counts):
            last = number == len(counts) - 1
            delta = {"stop_reason": reason if last else None, "stop_sequence": None}
            data = {"type": "message_delta", "delta": delta, "usage": {"output_tokens": count}}
            items.append(event(data))
        if "no_message_stop" not in self.quirks:
            items.append(event({"type": "message_stop"}))
        return items


def _block_start(index: int, block: dict[str, Any]) -> bytes:
    data = {"type": "content_block_start", "index": index, "content_block": block}
    return event(data)


def _delta(index: int, delta: dict[str, Any]) -> bytes:
    return event({"type": "content_block_delta", "index": index, "delta": delta})


def _block_stop(index: int) -> bytes:
    return event({"type": "content_block_stop", "index": index})
