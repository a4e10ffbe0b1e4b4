"""The Gemini API (Generative Language, v1beta) on loopback, strict where the real one is, with a
switch for each way its streams end other than plainly.

Strict: the key only in ``x-goog-api-key`` (none: 403 PERMISSION_DENIED; a wrong one: 400
INVALID_ARGUMENT with reason API_KEY_INVALID, as Google answers); ``alt=sse`` required (this
emulator only streams); unknown models 404; ``contents`` a non-empty list of ``user`` and
``model`` turns that alternate, a user turn first, each with non-empty text parts (an empty
text is refused, as Google refuses it; a ``system`` role is refused: the system prompt goes in
``systemInstruction: {parts: [...]}``); unknown fields, and unknown ``generationConfig``
names, refused as the real API refuses them. Events are ``data: {json}`` ended by CRLF, as
Google sends them, with no end marker.

Quirks (``GeminiEmulator(*quirks)``):
    thinking           thought parts (``"thought": true``) before the answer
    final_only_finish  the last event carries only ``finishReason`` and ``usageMetadata``
    safety             ``finishReason: SAFETY`` after some text
    recitation         ``finishReason: RECITATION`` after some text
    prohibited         ``finishReason: PROHIBITED_CONTENT`` after some text
    blocklist          ``finishReason: BLOCKLIST`` after some text
    prompt_blocked     one event with ``promptFeedback.blockReason: SAFETY`` and no candidates
    error_midstream    a 503 UNAVAILABLE error object after some text, then the end
    hang               some text, then silence until the client hangs up
    paged_models       the model list in two pages, joined by ``nextPageToken``
    hang_models        the model list never answers, until the client hangs up

``raw_body``, when set, is sent as the whole body of a 200 stream (for fuzz tests);
``answer_models_with`` answers the model list with a status, body and headers of the test's.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .api import ApiEmulator, start_stream

HANG, CLOSE = object(), object()
"""Markers in a stream's pieces: wait for the client to hang up; end the stream here."""
FIELDS = frozenset(
    {"contents", "systemInstruction", "generationConfig", "safetySettings", "tools", "toolConfig"}
)
CONFIG_FIELDS = frozenset(
    {
        "temperature",
        "topP",
        "topK",
        "maxOutputTokens",
        "seed",
        "presencePenalty",
        "frequencyPenalty",
        "stopSequences",
        "candidateCount",
        "responseMimeType",
        "thinkingConfig",
    }
)
STOPPED = {
    "safety": "SAFETY",
    "recitation": "RECITATION",
    "prohibited": "PROHIBITED_CONTENT",
    "blocklist": "BLOCKLIST",
}
"""Quirks that stop the reply after some text, and the finish reason each sends."""
OTHER_MODELS = {
    "text-embedding-004": ["embedContent"],
    "imagen-3.0-generate-002": ["predict"],
}
"""Listed, but they do not generate content."""
PROMPT_TOKENS = 9
RATINGS = [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True}]


def error(code: int, message: str, status: str, **extra: Any) -> web.Response:
    """Google's error shape."""
    return web.json_response(
        {"error": {"code": code, "message": message, "status": status, **extra}}, status=code
    )


def invalid(message: str) -> web.Response:
    return error(400, message, "INVALID_ARGUMENT")


def _unknown_field(name: str, where: str = "") -> web.Response:
    return invalid(
        f'Invalid JSON payload received. Unknown name "{name}"{where}: Cannot find field.'
    )


class GeminiEmulator(ApiEmulator):
    """``/v1beta/models/{model}:streamGenerateContent`` and ``/v1beta/models``; the base URL
    is ``url + "/v1beta"``."""

    key = "AIza-test-key"
    models = ("gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.0-flash")

    def __init__(self, *quirks: str) -> None:
        super().__init__(*quirks)
        self.raw_body: bytes | None = None
        self.models_reply: tuple[int, str, dict[str, str]] | None = None

    def answer_models_with(
        self, status: int, body: str, headers: dict[str, str] | None = None
    ) -> None:
        """Answer every model list request with this status, body and headers."""
        self.models_reply = (status, body, headers or {})

    async def __aenter__(self) -> GeminiEmulator:
        await super().__aenter__()
        return self

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1beta"

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/v1beta/models/{target}", self.generate),
            web.get("/v1beta/models", self.list_models),
        ]

    def _refused_key(self, request: web.Request) -> web.Response | None:
        key = request.headers.get("x-goog-api-key")
        if not key:
            return error(
                403,
                "Method doesn't allow unregistered callers (callers without established "
                "identity). Please use API Key or other form of API consumer identity to call "
                "this API.",
                "PERMISSION_DENIED",
            )
        if key != self.key:
            reason = {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            }
            return error(
                400,
                "API key not valid. Please pass a valid API key.",
                "INVALID_ARGUMENT",
                details=[reason],
            )
        return None

    async def list_models(self, request: web.Request) -> web.Response:
        refused = self._refused_key(request)
        if refused is not None:
            return refused
        if "hang_models" in self.quirks:
            await self.hang()
        if self.models_reply is not None:
            status, body, headers = self.models_reply
            return web.Response(
                status=status, text=body, headers=headers, content_type="application/json"
            )
        entries = [_model_entry(name, ["generateContent", "countTokens"]) for name in self.models]
        entries[1:1] = [_model_entry(name, methods) for name, methods in OTHER_MODELS.items()]
        size_text = request.query.get("pageSize", "50")
        if not size_text.isdigit() or not 0 < int(size_text) <= 1000:
            return invalid("pageSize must be between 1 and 1000.")
        size = int(size_text)
        if "paged_models" in self.quirks:
            size = min(size, (len(entries) + 1) // 2)
        token = request.query.get("pageToken", "")
        start = int(token.removeprefix("after-")) if token.startswith("after-") else 0
        if token and not token.startswith("after-"):
            return invalid("Invalid page token.")
        page: dict[str, Any] = {"models": entries[start : start + size]}
        if start + size < len(entries):
            page["nextPageToken"] = f"after-{start + size}"
        return web.json_response(page)

    async def generate(self, request: web.Request) -> web.StreamResponse:
        refused = self._refused_key(request)
        if refused is not None:
            return refused
        model, _, method = request.match_info["target"].partition(":")
        if method != "streamGenerateContent":
            return error(404, f"Method {method!r} not found (this emulator streams).", "NOT_FOUND")
        if request.query.get("alt") != "sse":
            return invalid("This emulator streams only as server-sent events: send alt=sse.")
        if model not in self.models:
            return error(
                404,
                f"models/{model} is not found for API version v1beta, or is not supported for "
                "generateContent. Call ListModels to see the list of available models and their "
                "supported methods.",
                "NOT_FOUND",
            )
        wrong = _invalid(json.loads(await request.read()))
        if wrong is not None:
            return wrong
        canned = self.canned()
        if canned is not None:
            return canned
        response = await start_stream(request)
        if self.raw_body is not None:
            await response.write(self.raw_body)
        else:
            await self._write(response, model)
        await response.write_eof()
        return response

    async def _write(self, response: web.StreamResponse, model: str) -> None:
        for piece in self.events(model):
            if piece is HANG:
                await self.hang()
            elif piece is CLOSE:
                return
            else:
                assert isinstance(piece, bytes)
                await response.write(piece)

    def events(self, model: str) -> list[bytes | object]:
        """The stream's events, in order (``HANG`` and ``CLOSE`` mark where to stop)."""
        quirks = self.quirks
        if "prompt_blocked" in quirks:
            feedback = {"blockReason": "SAFETY", "safetyRatings": RATINGS}
            return [_event({"promptFeedback": feedback, "usageMetadata": _usage(0, 0)})]
        thoughts = self._thoughts() if "thinking" in quirks else []
        pieces = self.script.text_pieces()
        stop = next((reason for quirk, reason in STOPPED.items() if quirk in quirks), "")
        if stop or "error_midstream" in quirks or "hang" in quirks:
            pieces = pieces[:2]
        parts = [{"text": t, "thought": True} for t in thoughts] + [{"text": t} for t in pieces]
        lines: list[bytes | object] = [
            _event(_response(model, [part], _usage(0, 0))) for part in parts
        ]
        usage = _usage(len(pieces), len(thoughts))
        if "error_midstream" in quirks:
            failure = {
                "code": 503,
                "message": "The model is overloaded. Please try again later.",
                "status": "UNAVAILABLE",
            }
            return [*lines, _event({"error": failure}), CLOSE]
        if "hang" in quirks:
            return [*lines, HANG]
        if stop or "final_only_finish" in quirks or not lines:
            final: dict[str, Any] = {"finishReason": stop or "STOP", "index": 0}
            if stop == "SAFETY":
                final["safetyRatings"] = RATINGS
            lines.append(_event({"candidates": [final], "usageMetadata": usage}))
        else:
            lines[-1] = _event(_response(model, parts[-1:], usage, finish="STOP"))
        return lines

    def _thoughts(self) -> list[str]:
        words = (self.script.reasoning or "Thinking it over.").split(" ")
        return [w if i == len(words) - 1 else w + " " for i, w in enumerate(words)]


def _event(value: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(value)}\r\n\r\n".encode()


def _response(
    model: str, parts: list[dict[str, Any]], usage: dict[str, int], finish: str = ""
) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {
        "candidates": [candidate],
        "usageMetadata": usage,
        "modelVersion": model,
        "responseId": "emulated",
    }


def _usage(answer: int, thoughts: int) -> dict[str, int]:
    """``usageMetadata``: a running one (no candidate count yet) when both counts are 0."""
    usage = {"promptTokenCount": PROMPT_TOKENS}
    if answer or thoughts:
        usage["candidatesTokenCount"] = answer
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    usage["totalTokenCount"] = PROMPT_TOKENS + answer + thoughts
    return usage


def _model_entry(name: str, methods: list[str]) -> dict[str, Any]:
    return {
        "name": f"models/{name}",
        "version": "001",
        "displayName": name,
        "inputTokenLimit": 1048576,
        "outputTokenLimit": 65536,
        "supportedGenerationMethods": methods,
    }


def _invalid(body: Any) -> web.Response | None:
    """Why the request body would be refused (None when it would not)."""
    if not isinstance(body, dict):
        return invalid("Invalid JSON payload received. Expected an object.")
    for name in body:
        if name not in FIELDS:
            return _unknown_field(name)
    return (
        _invalid_contents(body.get("contents"))
        or _invalid_system(body)
        or _invalid_config(body.get("generationConfig", {}))
    )


def _invalid_contents(contents: Any) -> web.Response | None:
    if not isinstance(contents, list) or not contents:
        return invalid("* GenerateContentRequest.contents: contents is not specified\n")
    for index, content in enumerate(contents):
        role = content.get("role") if isinstance(content, dict) else None
        if role not in ("user", "model"):
            return invalid("Please use a valid role: user, model.")
        if role != ("user" if index % 2 == 0 else "model"):
            return invalid(
                "Please ensure that multiturn requests alternate between user and model, "
                "starting with a user turn."
            )
        wrong = _invalid_parts(content, f"contents[{index}]")
        if wrong is not None:
            return wrong
    return None


def _invalid_parts(content: Any, where: str) -> web.Response | None:
    if not isinstance(content, dict):
        return invalid(f"* GenerateContentRequest.{where}: must be an object\n")
    for name in content:
        if name not in ("role", "parts"):
            return _unknown_field(name, f" at '{where}'")
    parts = content.get("parts")
    if not isinstance(parts, list) or not parts:
        return invalid(f"* GenerateContentRequest.{where}.parts: contents.parts must not be empty.")
    for part in parts:
        if not isinstance(part, dict) or not isinstance(part.get("text"), str):
            return invalid(f"* GenerateContentRequest.{where}.parts: a part needs its text.")
        if not part["text"]:
            return invalid(
                "Unable to submit request because it has an empty text parameter. Add a value "
                "to the parameter and try again."
            )
    return None


def _invalid_system(body: dict[str, Any]) -> web.Response | None:
    if "systemInstruction" not in body:
        return None
    return _invalid_parts(body["systemInstruction"], "system_instruction")


def _invalid_config(config: Any) -> web.Response | None:
    if not isinstance(config, dict):
        return invalid("Invalid value at 'generation_config': expected an object.")
    for name, value in config.items():
        if name not in CONFIG_FIELDS:
            return _unknown_field(name, " at 'generation_config'")
        if name != "thinkingConfig" and not isinstance(value, int | float | list | str):
            return invalid(f"Invalid value at 'generation_config.{name}'.")
        if name == "thinkingConfig" and (refused := _invalid_thinking(value)):
            return refused
    return None


def _invalid_thinking(config: Any) -> web.Response | None:
    """The API's checks of ``thinkingConfig``: known fields, a whole budget of -1 (dynamic)
    up to 32,768, a true-or-false ``includeThoughts``."""
    if not isinstance(config, dict):
        return invalid("Invalid value at 'generation_config.thinking_config'.")
    for name in config:
        if name not in ("thinkingBudget", "includeThoughts"):
            return _unknown_field(name, " at 'generation_config.thinking_config'")
    budget = config.get("thinkingBudget", -1)
    if isinstance(budget, bool) or not isinstance(budget, int) or not -1 <= budget <= 32768:
        return invalid("The thinking budget must be between -1 and 32768.")
    if not isinstance(config.get("includeThoughts", False), bool):
        return invalid("Invalid value at 'generation_config.thinking_config.include_thoughts'.")
    return None
