"""An OpenAI-compatible chat API on loopback, strict where the real one is, with a switch for
each way real servers (OpenRouter, Groq, DeepSeek, llama.cpp, vLLM, LM Studio) differ.

Quirks (``OpenAIEmulator(*quirks)``):
    keyless            no key needed (a local server)
    usage_every_chunk  usage in every chunk, not only in a final one
    groq_usage         usage in ``x_groq.usage`` of the last chunk (Groq)
    comments           ``: OPENROUTER PROCESSING`` and ``: ping`` lines
    no_space           ``data:{...}`` with no space after the colon
    crlf               CRLF line endings
    custom_events      ``event: progress`` events, which clients ignore
    reasoning_content  reasoning in ``delta.reasoning_content`` (DeepSeek, llama.cpp)
    reasoning          reasoning in ``delta.reasoning`` (vLLM, Ollama)
    think_inline       ``<think>…</think>`` at the start of the content (LM Studio)
    think_unopened     the same without the opening tag
    empty_finish       ``finish_reason: ""`` where null was meant
    no_finish          no finish reason at all
    no_done            no ``data: [DONE]``
    content_filter     the reply stops with ``finish_reason: content_filter``
    error_midstream    an error object after some text, then the connection closes
    empty_stream       a 200 stream with nothing in it (LM Studio on context overflow)
    hang               some text, then silence until the client hangs up
    strict_fields      unknown request fields are refused with 422 (Mistral)
    odd_chunks         before the text: a ``data:`` line with nothing (a keep-alive), a first
                       chunk with no choices (Azure's content-filter report), a choice that is
                       not an object, a choice with ``delta: null``, and ``content`` and
                       reasoning fields of null or "" (DeepSeek, llama.cpp)
    not_an_object      a chunk that is JSON but not an object (a broken proxy)
    not_json           a chunk that is not JSON at all
    models_hang        ``/v1/models`` answers nothing until the client hangs up
    models_canned      ``answer_with`` answers ``/v1/models`` too, not only the chat
    odd_usage          usage counts that are not integers (a string, a boolean), and an empty
                       usage object in a chunk before
"""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from .api import ApiEmulator, start_stream

HANG, CLOSE = object(), object()
"""Markers in a stream's lines: wait for the client to hang up; end the stream here."""
ROLES = frozenset({"system", "user", "assistant", "developer", "tool"})
MESSAGE_KEYS = frozenset({"role", "content", "name"})
FIELDS = frozenset(
    {
        "model",
        "messages",
        "stream",
        "stream_options",
        "temperature",
        "top_p",
        "max_tokens",
        "seed",
        "presence_penalty",
        "frequency_penalty",
        "reasoning_effort",
    }
)


def error(status: int, message: str, kind: str, code: str | None = None) -> web.Response:
    """The service's own error shape."""
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return web.json_response(body, status=status)


class OpenAIEmulator(ApiEmulator):
    """``/v1/chat/completions`` and ``/v1/models``; the base URL is ``url + "/v1"``."""

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/v1/chat/completions", self.chat),
            web.get("/v1/models", self.list_models),
        ]

    def _refused_key(self, request: web.Request) -> web.Response | None:
        if "keyless" in self.quirks:
            return None
        auth = request.headers.get("Authorization", "")
        if not auth:
            return error(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                "invalid_request_error",
            )
        if auth != f"Bearer {self.key}":
            shown = auth.removeprefix("Bearer ")[-4:]
            return error(
                401,
                f"Incorrect API key provided: sk-...{shown}.",
                "invalid_request_error",
                "invalid_api_key",
            )
        return None

    async def list_models(self, request: web.Request) -> web.Response:
        refused = self._refused_key(request)
        if refused is not None:
            return refused
        if "models_hang" in self.quirks:
            await self.hang()
        canned = self.canned() if "models_canned" in self.quirks else None
        if canned is not None:
            return canned
        data = [
            {"id": model, "object": "model", "created": 1700000000, "owned_by": "emulator"}
            for model in self.models
        ]
        return web.json_response({"object": "list", "data": data})

    def _invalid(self, body: Any) -> web.Response | None:
        if not isinstance(body, dict):
            return error(400, "The body must be a JSON object.", "invalid_request_error")
        if "strict_fields" in self.quirks and (extra := set(body) - (FIELDS - {"stream_options"})):
            return error(422, f"Extra inputs are not permitted: {sorted(extra)}", "invalid_request")
        effort = body.get("reasoning_effort", "medium")
        if effort not in ("minimal", "low", "medium", "high"):
            return error(
                400,
                f"Invalid value: '{effort}'. Supported values are: 'minimal', 'low', 'medium',"
                " and 'high'.",
                "invalid_request_error",
                "invalid_value",
            )
        model = body.get("model")
        if not isinstance(model, str) or not model:
            return error(400, "you must provide a model parameter", "invalid_request_error")
        if model not in self.models:
            return error(
                404,
                f"The model `{model}` does not exist or you do not have access to it.",
                "invalid_request_error",
                "model_not_found",
            )
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return error(400, "'messages' must be a non-empty array.", "invalid_request_error")
        for index, message in enumerate(messages):
            if not isinstance(message, dict) or message.get("role") not in ROLES:
                return error(400, f"messages[{index}]: invalid role.", "invalid_request_error")
            if set(message) - MESSAGE_KEYS:
                extra = sorted(set(message) - MESSAGE_KEYS)
                return error(
                    400,
                    f"Unrecognized request argument supplied: messages[{index}].{extra[0]}",
                    "invalid_request_error",
                )
            if not isinstance(message.get("content"), str | list):
                return error(400, f"messages[{index}].content is missing.", "invalid_request_error")
        if body.get("stream") is not True:
            return error(400, "This emulator only streams: send stream: true.", "invalid_request")
        if "stream_options" in body and not isinstance(body["stream_options"], dict):
            return error(400, "'stream_options' must be an object.", "invalid_request_error")
        return None

    async def chat(self, request: web.Request) -> web.StreamResponse:
        refused = self._refused_key(request)
        if refused is not None:
            return refused
        body = json.loads(await request.read())
        invalid = self._invalid(body)
        if invalid is not None:
            return invalid
        canned = self.canned()
        if canned is not None:
            return canned
        response = await start_stream(request)
        if "empty_stream" in self.quirks:
            await response.write_eof()
            return response
        with_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        for line in self.events(body["model"], with_usage):
            if line is HANG:
                await self.hang()
            elif line is CLOSE:
                break
            else:
                assert isinstance(line, bytes)
                await response.write(line)
        await response.write_eof()
        return response

    def _line(self, value: Any) -> bytes:
        sep = "data:" if "no_space" in self.quirks else "data: "
        end = "\r\n" if "crlf" in self.quirks else "\n"
        data = value if isinstance(value, str) else json.dumps(value)
        return f"{sep}{data}{end}{end}".encode()

    def _chunk(
        self, model: str, delta: dict[str, Any] | None, finish: str | None, **extra: Any
    ) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        value = {
            "id": "chatcmpl-emulated",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": [choice],
            **extra,
        }
        return self._line(value)

    def _odd_lines(self, model: str, end: bytes) -> list[bytes | object]:
        """What the ``odd_chunks``, ``not_an_object`` and ``not_json`` quirks add."""
        lines: list[bytes | object] = []
        if "odd_chunks" in self.quirks:
            lines.append(b"data:" + end + end)
            azure = {"id": "", "object": "", "created": 0, "model": "", "choices": []}
            lines.append(self._line({**azure, "prompt_filter_results": []}))
            lines.append(self._line({**azure, "choices": ["not a choice"]}))
            lines.append(self._chunk(model, None, None))
            lines.append(self._chunk(model, {"content": None, "reasoning_content": None}, None))
            empty = {"content": "", "reasoning_content": "", "reasoning": ""}
            lines.append(self._chunk(model, empty, None))
        if "not_an_object" in self.quirks:
            lines.append(self._line(json.dumps("a note from a proxy " + "-" * 90)))
        if "not_json" in self.quirks:
            lines.append(self._line('{"choices": [{"delta": '))
        return lines

    def events(self, model: str, with_usage: bool) -> list[bytes | object]:
        """The stream's lines, in order (``HANG`` and ``CLOSE`` mark where to stop)."""
        quirks = self.quirks
        end = b"\r\n" if "crlf" in quirks else b"\n"
        usage: dict[str, Any] = {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21}
        if "odd_usage" in quirks:
            usage = {"prompt_tokens": 9, "completion_tokens": "12", "total_tokens": True}
        every = {"usage": usage} if "usage_every_chunk" in quirks else {}
        lines: list[bytes | object] = []
        if "comments" in quirks:
            lines.append(b": OPENROUTER PROCESSING" + end + end)
        lines.append(self._chunk(model, {"role": "assistant", "content": ""}, None, **every))
        if "custom_events" in quirks:
            lines.append(b"event: progress" + end + b'data: {"step": 1}' + end + end)
        lines.extend(self._odd_lines(model, end))
        if "odd_usage" in quirks:
            lines.append(self._chunk(model, {"content": ""}, None, usage={}))
        thought = self.script.reasoning
        if thought and ("reasoning_content" in quirks or "reasoning" in quirks):
            field = "reasoning_content" if "reasoning_content" in quirks else "reasoning"
            for word in thought.split(" "):
                lines.append(self._chunk(model, {field: word + " "}, None, **every))
        pieces = self.script.text_pieces()
        if thought and "think_inline" in quirks:
            pieces = ["<think>", thought, "</think>", "\n\n", *pieces]
        if thought and "think_unopened" in quirks:
            pieces = [thought, "</think>", "\n\n", *pieces]
        for index, piece in enumerate(pieces):
            lines.append(self._chunk(model, {"content": piece}, None, **every))
            if "comments" in quirks and index == 0:
                lines.append(b": ping" + end + end)
            if "hang" in quirks and index == 1:
                lines.append(HANG)
            if "error_midstream" in quirks and index == 1:
                failure = {"error": {"message": "Upstream provider error", "code": 502}}
                lines.extend([self._line(failure), CLOSE])
                return lines
        finish: str | None = "stop"
        if "content_filter" in quirks:
            finish = "content_filter"
        if "empty_finish" in quirks:
            finish = ""
        if "no_finish" not in quirks:
            groq = {"x_groq": {"id": "req_1", "usage": usage}} if "groq_usage" in quirks else {}
            lines.append(self._chunk(model, {}, finish, **every, **groq))
        if with_usage and "groq_usage" not in quirks:
            final = {
                "id": "chatcmpl-emulated",
                "object": "chat.completion.chunk",
                "model": model,
                "choices": [],
                "usage": usage,
            }
            lines.append(self._line(final))
        if "no_done" not in quirks:
            lines.append(self._line("[DONE]"))
        return lines
