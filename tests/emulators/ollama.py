"""Ollama's own API on loopback, strict where the real server is, with a switch for each way
a reply differs from the plain one.

Routes: ``GET /`` ("Ollama is running", as the real server answers a probe),
``GET /api/version``, ``GET /api/tags`` and ``POST /api/chat``. As in Ollama, ``stream``
absent means true (JSON lines, ``application/x-ndjson``); ``stream: false`` gets one JSON
object; a request with no messages only loads the model (``done_reason: "load"``); a model
name without a tag means ``:latest``; errors are ``{"error": "..."}``; the body's
Content-Type is not looked at. Options are checked for type, unknown ones ignored.

Quirks (``OllamaEmulator(*quirks)``):
    thinking         ``message.thinking`` pieces before the answer (a thinking model)
    think_inline     ``<think>…</think>`` at the start of the content (older templates)
    error_midstream  ``{"error": "an error was encountered while running the model: ..."}``
                     after some text, then the stream ends
    no_done          no last line with ``"done": true``
    length           the reply ends with ``done_reason: "length"`` (num_predict reached)
    hang             some text, then silence until the client hangs up
    empty            a 200 stream with no lines at all
    linger           the last line, then the connection kept open until the client hangs up
                     (as some reverse proxies do)

``raw_body``, when set, is sent as the whole 200 stream instead of a reply; ``tags_reply``,
when set, is the status, body and headers ``GET /api/tags`` answers with.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from .api import ApiEmulator, start_stream

NDJSON = "application/x-ndjson"
ROLES = frozenset({"system", "user", "assistant", "tool"})
NUMBER_OPTIONS = frozenset({"temperature", "top_p", "presence_penalty", "frequency_penalty"})
INTEGER_OPTIONS = frozenset({"num_predict", "seed", "num_ctx", "top_k"})
PROMPT_TOKENS = 26
"""The ``prompt_eval_count`` of every reply."""
THOUGHT = "The user says hello, so I greet them back."
"""The reasoning of the thinking quirks when the script gives none."""
MIDSTREAM_ERROR = "an error was encountered while running the model: unexpected EOF"


def error(status: int, message: str) -> web.Response:
    """Ollama's error shape."""
    return web.json_response({"error": message}, status=status)


def _words(text: str) -> list[str]:
    """``text`` in pieces of a word each, the spaces kept."""
    words = text.split(" ")
    return [word if i == len(words) - 1 else word + " " for i, word in enumerate(words)]


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _content_type(body: str) -> str:
    """The type a server gives ``body``: JSON, an HTML page, or plain text."""
    head = body.lstrip()[:1]
    return {"{": "application/json", "[": "application/json", "<": "text/html"}.get(
        head, "text/plain"
    )


def _unmarshal(found: Any, field: str, wanted: str) -> web.Response:
    """Go's words for a JSON value of the wrong type."""
    kind = {dict: "object", list: "array", str: "string", bool: "bool"}.get(type(found), "number")
    return error(
        400, f"json: cannot unmarshal {kind} into Go struct field {field} of type {wanted}"
    )


class OllamaEmulator(ApiEmulator):
    """Ollama at ``url``; ``base_url`` is the same (requests go to ``/api/...``)."""

    models: tuple[str, ...] = ("llama3.2:latest", "qwen3:0.6b")

    def __init__(self, *quirks: str) -> None:
        super().__init__(*quirks)
        self.raw_body: bytes | None = None
        self.tags_reply: tuple[int, str, dict[str, str]] | None = None

    @property
    def base_url(self) -> str:
        return self.url

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/", self.root),
            web.get("/api/version", self.version),
            web.get("/api/tags", self.tags),
            web.post("/api/chat", self.chat),
        ]

    @web.middleware
    async def _json_body(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Ollama reads any POST body as JSON, whatever its Content-Type says."""
        if request.method == "POST":
            raw = await request.read()
            if not raw:
                return error(400, "missing request body")
            try:
                json.loads(raw)
            except (ValueError, RecursionError) as problem:
                return error(400, f"invalid character in the request body: {problem}")
        response: web.StreamResponse = await handler(request)
        return response

    async def root(self, request: web.Request) -> web.Response:
        return web.Response(text="Ollama is running", content_type="text/plain")

    async def version(self, request: web.Request) -> web.Response:
        return web.json_response({"version": "0.12.3"})

    async def tags(self, request: web.Request) -> web.Response:
        if self.tags_reply is not None:
            status, body, headers = self.tags_reply
            return web.Response(
                status=status, text=body, content_type=_content_type(body), headers=headers
            )
        return web.json_response({"models": [self._tag(name) for name in self.models]})

    def _tag(self, name: str) -> dict[str, Any]:
        return {
            "name": name,
            "model": name,
            "modified_at": "2025-06-01T10:00:00.000000000Z",
            "size": 2019393189,
            "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
            "details": {
                "parent_model": "",
                "format": "gguf",
                "family": "llama",
                "families": ["llama"],
                "parameter_size": "3.2B",
                "quantization_level": "Q4_K_M",
            },
        }

    def known(self, model: str) -> str | None:
        """The full name of ``model`` (``:latest`` when it has no tag), if it is pulled."""
        full = model if ":" in model else f"{model}:latest"
        return full if full in self.models else None

    def _invalid(self, body: Any) -> web.Response | None:
        if not isinstance(body, dict):
            return _unmarshal(body, "ChatRequest", "api.ChatRequest")
        model = body.get("model")
        if model is not None and not isinstance(model, str):
            return _unmarshal(model, "ChatRequest.model", "string")
        if not model:
            return error(400, "model is required")
        if self.known(model) is None:
            return error(404, f'model "{model}" not found, try pulling it first')
        if body.get("stream") is not None and not isinstance(body["stream"], bool):
            return _unmarshal(body["stream"], "ChatRequest.stream", "bool")
        return self._invalid_messages(body.get("messages")) or self._invalid_options(
            body.get("options")
        )

    def _invalid_messages(self, messages: Any) -> web.Response | None:
        if messages is None:
            return None
        if not isinstance(messages, list):
            return _unmarshal(messages, "ChatRequest.messages", "[]api.Message")
        for index, message in enumerate(messages):
            if not isinstance(message, dict):
                return _unmarshal(message, "ChatRequest.messages", "api.Message")
            if not isinstance(message.get("content"), str):
                return _unmarshal(message.get("content"), "Message.messages.content", "string")
            if message.get("role") not in ROLES:
                return error(400, f"messages[{index}]: invalid role {message.get('role')!r}")
        return None

    def _invalid_options(self, options: Any) -> web.Response | None:
        if options is None:
            return None
        if not isinstance(options, dict):
            return _unmarshal(options, "ChatRequest.options", "map[string]interface {}")
        for name, value in options.items():
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if name in NUMBER_OPTIONS and not number:
                return error(400, f"invalid float value {value!r} for option {name!r}")
            if name in INTEGER_OPTIONS and not (number and float(value).is_integer()):
                return error(400, f"invalid int value {value!r} for option {name!r}")
        return None

    async def chat(self, request: web.Request) -> web.StreamResponse:
        body = json.loads(await request.read())
        invalid = self._invalid(body)
        if invalid is not None:
            return invalid
        canned = self.canned()
        if canned is not None:
            return canned
        model = self.known(body["model"]) or body["model"]
        if not body.get("messages"):
            return web.json_response({**self._line(model, ""), "done_reason": "load", "done": True})
        if body.get("stream") is False:
            return web.json_response(self.whole(model))
        response = await start_stream(request, NDJSON)
        if self.raw_body is not None:
            await response.write(self.raw_body)
        elif "empty" not in self.quirks:
            await self._write_reply(response, model)
        await response.write_eof()
        return response

    def _line(self, model: str, content: str, thinking: str = "") -> dict[str, Any]:
        message = {"role": "assistant", "content": content}
        if thinking:
            message["thinking"] = thinking
        return {"model": model, "created_at": _now(), "message": message, "done": False}

    def _last(self, model: str, pieces: int) -> dict[str, Any]:
        return {
            **self._line(model, ""),
            "done": True,
            "done_reason": "length" if "length" in self.quirks else "stop",
            "total_duration": 4883583458,
            "load_duration": 1334875,
            "prompt_eval_count": PROMPT_TOKENS,
            "prompt_eval_duration": 342546000,
            "eval_count": pieces,
            "eval_duration": 4535599000,
        }

    def thought(self) -> str:
        return self.script.reasoning or THOUGHT

    def content_pieces(self) -> list[str]:
        """The answer's pieces, the reasoning inline first with ``think_inline``."""
        pieces = self.script.text_pieces()
        if "think_inline" in self.quirks:
            pieces = ["<think>", *_words(self.thought()), "</think>", "\n\n", *pieces]
        return pieces

    def whole(self, model: str) -> dict[str, Any]:
        """The reply as one object, for ``stream: false``."""
        pieces = self.content_pieces()
        last = self._last(model, len(pieces))
        thinking = self.thought() if "thinking" in self.quirks else ""
        return {**last, "message": self._line(model, "".join(pieces), thinking)["message"]}

    async def _write_reply(self, response: web.StreamResponse, model: str) -> None:
        def write(value: dict[str, Any]) -> Any:
            return response.write(json.dumps(value).encode() + b"\n")

        if "thinking" in self.quirks:
            for word in _words(self.thought()):
                await write(self._line(model, "", thinking=word))
        pieces = self.content_pieces()
        for index, piece in enumerate(pieces):
            await write(self._line(model, piece))
            if index == 1 and "hang" in self.quirks:
                await self.hang()
            if index == 1 and "error_midstream" in self.quirks:
                await write({"error": MIDSTREAM_ERROR})
                return
        if "no_done" not in self.quirks:
            await write(self._last(model, len(pieces)))
        if "linger" in self.quirks:
            await self.hang()
