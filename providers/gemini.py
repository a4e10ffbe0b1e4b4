"""Google Gemini (the Generative Language API): ``streamGenerateContent`` streamed as SSE.

``POST {base}/models/{model}:streamGenerateContent?alt=sse`` with the key in the
``x-goog-api-key`` header (never in the URL, where logs and proxies keep it). Each event is a
``GenerateContentResponse``: text in ``candidates[0].content.parts``, reasoning in parts marked
``"thought": true``, ``finishReason`` and ``usageMetadata`` on any event (the last event may
carry nothing else), ``promptFeedback.blockReason`` with no candidates when the prompt itself
was refused, and ``{"error": {...}}`` when the service fails mid-reply. There is no end marker.
tests/emulators/gemini.py has a switch for each of these.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import quote

from .api import api_error, error_text, required_key, stream_error
from .contract import Context, Provider, Request
from .errors import (
    AuthenticationError,
    EmptyReplyError,
    MalformedResponseError,
    ProviderError,
    ProviderNotWorkingError,
    RefusedError,
)
from .http import Http, http_for, read_text
from .stream import iter_sse_batches, parse_json
from .types import Chunk, CredentialKind, FinishReason, Message, Reasoning, Usage

CONFIG_NAMES: Mapping[str, str] = {
    "temperature": "temperature",
    "top_p": "topP",
    "max_tokens": "maxOutputTokens",
    "seed": "seed",
    "presence_penalty": "presencePenalty",
    "frequency_penalty": "frequencyPenalty",
}
"""Our option names and their ``generationConfig`` names."""
THINKING_BUDGETS: Mapping[str, int] = {"low": 1024, "medium": 8192, "high": 24576}
"""Reasoning effort as the tokens a model may think with (``thinkingConfig.thinkingBudget``)."""

REFUSALS = frozenset(
    {"SAFETY", "RECITATION", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "IMAGE_SAFETY"}
)
"""Finish reasons that mean the service stopped the reply by its own rules."""
_FINISHES = {"STOP": "stop", "MAX_TOKENS": "length"}
_UNSPECIFIED = "FINISH_REASON_UNSPECIFIED"
MODEL_PAGES = 20
"""At most this many pages of the model list are read (a page holds up to 1,000)."""
_GENERATES = frozenset({"generateContent", "streamGenerateContent"})


@dataclass(frozen=True, kw_only=True)
class Gemini(Provider):
    """The Gemini API at ``url`` (the base, ending in ``/v1beta``)."""

    credential_kinds: tuple[CredentialKind, ...] = ("api_key",)
    needs_auth: bool = True
    alternating_roles: bool = True
    key_env: tuple[str, ...] = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
    supported_options: frozenset[str] = frozenset({*CONFIG_NAMES, "reasoning_effort"})

    kind: ClassVar[str] = "Gemini"
    sends_headers: ClassVar[bool] = True
    lists_models: ClassVar[bool] = True

    def _headers(self, context: Context) -> dict[str, str]:
        headers = dict(context.credentials.headers)
        key = required_key(self, context.credentials.api_key)
        if key:
            headers["x-goog-api-key"] = key
        return headers

    def payload(self, request: Request) -> dict[str, Any]:
        """The JSON body of a ``streamGenerateContent`` call."""
        body: dict[str, Any] = {"contents": contents(request.turns)}
        if system := request.system:
            body["systemInstruction"] = {"parts": [{"text": system}]}
        given = request.options.given()
        effort = given.pop("reasoning_effort", None)
        config: dict[str, Any] = {CONFIG_NAMES[name]: v for name, v in given.items()}
        if isinstance(effort, str) and effort in THINKING_BUDGETS:
            config["thinkingConfig"] = {
                "thinkingBudget": THINKING_BUDGETS[effort],
                "includeThoughts": True,
            }
        if config:
            body["generationConfig"] = config
        return body

    async def stream(self, request: Request, context: Context) -> AsyncIterator[Chunk]:
        headers = self._headers(context)
        model = self.get_model(request.model).removeprefix("models/")  # as the API lists it
        path = f"/models/{quote(model, safe='')}:streamGenerateContent"
        async with (
            http_for(self.name, context) as http,
            http.request(
                "POST",
                f"{self.url}{path}?alt=sse",
                check=False,
                json=self.payload(request),
                headers=headers,
                allow_redirects=False,  # the key header would follow a redirect anywhere
            ) as response,
        ):
            if response.status >= 300:
                body = await read_text(response)
                raise self._error(response.status, body, response.headers, model, path)
            async for chunk in self._read(response):
                yield chunk

    async def _read(self, response: Any) -> AsyncIterator[Chunk]:
        loads = json.loads
        reply = _Reply(self)
        out: list[Chunk] = []
        async for events in iter_sse_batches(response):
            try:
                for event in events:
                    try:
                        value = loads(event.data)
                    except (ValueError, RecursionError):
                        if not event.data.strip():
                            continue
                        value = parse_json(event.data, self.name)
                    reply.take(value, out)
            except ProviderError:
                for chunk in out:  # the text before the error in this batch is kept
                    yield chunk
                raise
            for chunk in out:
                yield chunk
            out.clear()
        for chunk in reply.end():
            yield chunk

    def _error(self, status: int, body: str, headers: Any, model: str, path: str) -> ProviderError:
        if 300 <= status < 400:
            return ProviderNotWorkingError(
                f"{self.get_label()} redirected the request (HTTP {status}); Parley does not "
                "send the API key on to another address.",
                provider=self.name,
            )
        if status == 400 and "API_KEY_INVALID" in body:
            return AuthenticationError(
                f"{self.get_label()} rejected the API key (HTTP 400): {error_text(body)}",
                provider=self.name,
                hint=f"Check the key for {self.get_label()} in Settings → Providers "
                "(or `parley keys set`).",
                status=400,
            )
        return api_error(status, body, headers, self, model=model, path=path)

    async def list_models(self, context: Context) -> list[str]:
        headers = self._headers(context)
        names: list[str] = []
        async with http_for(self.name, context) as http:
            token = ""
            for _ in range(MODEL_PAGES):
                value = await self._model_page(http, headers, token)
                names.extend(generating_models(value, self.name))
                token = value.get("nextPageToken") or ""
                if not isinstance(token, str) or not token:
                    break
        return names

    async def _model_page(self, http: Http, headers: dict[str, str], token: str) -> Any:
        params = {"pageSize": "1000", **({"pageToken": token} if token else {})}
        async with http.request(
            "GET",
            f"{self.url}/models",
            check=False,
            params=params,
            headers=headers,
            allow_redirects=False,
        ) as response:
            body = await read_text(response)
            if response.status >= 300:
                raise self._error(response.status, body, response.headers, "", "/models")
        value = parse_json(body, self.name)
        if not isinstance(value, dict):
            raise _unknown_list(self.name)
        return value


def contents(turns: tuple[Message, ...]) -> list[dict[str, Any]]:
    """The turns as Gemini ``contents``: roles ``user`` and ``model``, turns of one role in
    a row joined (the API wants them to alternate), empty turns left out."""
    result: list[dict[str, Any]] = []
    for message in turns:
        role = "model" if message.get("role") == "assistant" else "user"
        parts = _parts(message.get("content"))
        if not parts:
            continue
        if result and result[-1]["role"] == role:
            result[-1]["parts"].extend(parts)
        else:
            result.append({"role": role, "parts": parts})
    return result


def _parts(content: Any) -> list[dict[str, str]]:
    if isinstance(content, str):
        return [{"text": content}] if content else []
    if isinstance(content, list):  # OpenAI content parts: their text
        return [
            {"text": item["text"]}
            for item in content
            if isinstance(item, dict) and isinstance(item.get("text"), str) and item["text"]
        ]
    return []


def generating_models(value: Mapping[str, Any], provider: str) -> list[str]:
    """The names in a page of the model list (without ``models/``) of the models that
    generate content (not the embedding ones)."""
    models = value.get("models", [])
    if not isinstance(models, list):
        raise _unknown_list(provider)
    names: list[str] = []
    for model in models:
        if not isinstance(model, dict) or not isinstance(model.get("name"), str):
            continue
        methods = model.get("supportedGenerationMethods")
        if isinstance(methods, list) and _GENERATES.intersection(methods):
            names.append(model["name"].removeprefix("models/"))
    return names


def _unknown_list(provider: str) -> MalformedResponseError:
    return MalformedResponseError(
        "The model list is not in a form Parley knows (no models[].name).", provider=provider
    )


class _Reply:
    """What the events of one reply said so far."""

    __slots__ = ("finish", "provider", "text", "thought", "usage")

    def __init__(self, provider: Gemini) -> None:
        self.provider = provider
        self.text = False
        self.thought = False
        self.finish = ""
        self.usage: Mapping[str, Any] | None = None

    def take(self, value: Any, out: list[Chunk]) -> None:
        """Add the chunks of one event to ``out``."""
        if isinstance(value, list) and len(value) == 1:
            value = value[0]  # an error may come as a one-item list
        if not isinstance(value, dict):
            raise MalformedResponseError(
                f"The service sent {json.dumps(value)[:80]!r} where a response was expected.",
                provider=self.provider.name,
            )
        if "error" in value:
            raise stream_error(value, self.provider)
        usage = value.get("usageMetadata")
        if isinstance(usage, dict) and usage:
            self.usage = usage
        candidates = value.get("candidates")
        if not candidates or not isinstance(candidates, list):
            self._check_prompt(value.get("promptFeedback"))
            return
        candidate = candidates[0]
        if isinstance(candidate, dict):
            self._candidate(candidate, out)

    def _candidate(self, candidate: Mapping[str, Any], out: list[Chunk]) -> None:
        content = candidate.get("content")
        parts = content.get("parts") if isinstance(content, dict) else None
        if isinstance(parts, list):
            for part in parts:
                text = part.get("text") if isinstance(part, dict) else None
                if not text or not isinstance(text, str):
                    continue
                if part.get("thought") is True:
                    self.thought = True
                    out.append(Reasoning(text))
                else:
                    self.text = True
                    out.append(text)
        reason = candidate.get("finishReason")
        if reason and isinstance(reason, str) and reason != _UNSPECIFIED:
            self.finish = reason

    def _check_prompt(self, feedback: Any) -> None:
        reason = feedback.get("blockReason") if isinstance(feedback, dict) else None
        if reason and isinstance(reason, str) and reason != "BLOCK_REASON_UNSPECIFIED":
            raise RefusedError(
                f"{self.provider.get_label()} blocked the prompt ({reason}), so it wrote no reply.",
                provider=self.provider.name,
                hint="Rephrase the message (or start a new conversation), or pick another "
                "provider.",
            )

    def end(self) -> list[Chunk]:
        """The finish reason and usage, once the stream ended; or why it was no reply."""
        finish = self.finish
        if not self.text:
            self._check_nothing(finish)
        chunks: list[Chunk] = []
        if finish:
            chunks.append(FinishReason(_FINISHES.get(finish, finish.lower())))
        if self.usage is not None:
            chunks.append(usage_chunk(self.usage))
        return chunks

    def _check_nothing(self, finish: str) -> None:
        label = self.provider.get_label()
        name = self.provider.name
        if finish in REFUSALS:
            raise RefusedError(
                f"{label} stopped the reply before any text ({finish}).", provider=name
            )
        if self.thought:
            return  # reasoning only: the finish reason says why (often max_tokens)
        if finish == "MAX_TOKENS":
            raise EmptyReplyError(
                f"{label} reached max_tokens before writing any text.",
                provider=name,
                hint="Raise max_tokens: thinking models spend tokens on thinking first.",
            )
        why = f" (finish reason {finish})" if finish else ""
        raise EmptyReplyError(f"{label} sent an empty reply{why}.", provider=name)


def usage_chunk(usage: Mapping[str, Any]) -> Usage:
    """``usageMetadata`` as ``Usage``; thinking tokens count as completion tokens (they are
    billed as output, and ``totalTokenCount`` includes them)."""

    def count(name: str) -> int | None:
        value = usage.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    answer, thoughts = count("candidatesTokenCount"), count("thoughtsTokenCount")
    completion = None if answer is None and thoughts is None else (answer or 0) + (thoughts or 0)
    return Usage(count("promptTokenCount"), completion, count("totalTokenCount"))


GEMINI = Gemini(
    name="Gemini",
    label="Google Gemini",
    url="https://generativelanguage.googleapis.com/v1beta",
    default_model="gemini-2.5-flash",
    models=("gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite", "gemini-2.0-flash"),
)
