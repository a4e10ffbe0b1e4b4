"""Any OpenAI-compatible endpoint: ``POST {base}/chat/completions`` streamed, ``GET {base}/models``.

Servers that speak this protocol differ from its documentation in ways their users have
reported; each one handled here has an emulator switch and a test (tests/emulators/openai.py):
usage in a final chunk with no choices, or in any chunk, or in Groq's ``x_groq``; comment lines
and custom ``event:`` types; reasoning in ``delta.reasoning_content`` (DeepSeek, llama.cpp),
in ``delta.reasoning`` (vLLM, Ollama) or inline as ``<think>…</think>`` (LM Studio);
``finish_reason: ""``; no finish reason, no ``[DONE]``; an error object inside a 200 stream;
an empty 200 stream (LM Studio, when the context overflows).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from .api import api_error, first_model, required_key, stream_error
from .contract import Context, Provider, Request
from .errors import EmptyReplyError, InvalidBaseUrlError, MalformedResponseError
from .http import Http, http_for, read_text
from .reasoning import ThinkSplitter
from .stream import iter_sse_batches, parse_json
from .types import Chunk, CredentialKind, FinishReason, ProviderInfo, Reasoning, Usage

EMPTY_REPLY = (
    "The server sent an empty reply; the conversation may be longer than the model's context."
)


@dataclass(frozen=True, kw_only=True)
class OpenAICompatible(Provider):
    """An OpenAI-compatible chat API at ``url`` (the base, ending in ``/v1`` as a rule)."""

    credential_kinds: tuple[CredentialKind, ...] = ("api_key",)
    include_usage: bool = True
    """Ask for usage with ``stream_options`` (a server that refuses it sets this False)."""

    kind: ClassVar[str] = "OpenAI-compatible"
    sends_headers: ClassVar[bool] = True
    lists_models: ClassVar[bool] = True

    def _base(self) -> str:
        if not self.url:
            raise InvalidBaseUrlError(
                f"{self.get_label()} needs the base URL of the server to talk to.",
                provider=self.name,
                hint="Set it in Settings → Providers, or give `parley ask --base-url "
                "http://127.0.0.1:8000/v1`.",
            )
        return self.url

    def _headers(self, context: Context, *, stream: bool) -> dict[str, str]:
        headers = {"accept": "text/event-stream" if stream else "application/json"}
        headers.update(context.credentials.headers)
        key = required_key(self, context.credentials.api_key)
        if key:
            headers["authorization"] = f"Bearer {key}"
        return headers

    def payload(self, request: Request, model: str) -> dict[str, Any]:
        """The JSON body of a streamed chat completion."""
        payload: dict[str, Any] = {
            "model": model,
            "messages": [{"role": m["role"], "content": m["content"]} for m in request.messages],
            "stream": True,
        }
        if self.include_usage:
            payload["stream_options"] = {"include_usage": True}
        payload.update(request.options.given())
        return payload

    async def stream(self, request: Request, context: Context) -> AsyncIterator[Chunk]:
        base = self._base()
        headers = self._headers(context, stream=True)
        async with http_for(self.name, context) as http:
            model = self.get_model(request.model)
            if not model:  # none named: the server's first, and the reply says which
                model = await self._first_model(http, context)
                yield ProviderInfo(self.name, model)
            url = f"{base}/chat/completions"
            payload = self.payload(request, model)
            async with http.request(
                "POST", url, check=False, json=payload, headers=headers
            ) as response:
                if response.status >= 400:
                    body = await read_text(response)
                    raise api_error(
                        response.status,
                        body,
                        response.headers,
                        self,
                        model=model,
                        path="/chat/completions",
                    )
                async for chunk in self._read(response):
                    yield chunk

    async def _read(self, response: Any) -> AsyncIterator[Chunk]:
        loads = json.loads
        splitter = ThinkSplitter()
        usage: Mapping[str, Any] | None = None
        finish = ""
        arrived = False
        async for events in iter_sse_batches(response):
            for event in events:
                if event.event != "message":
                    continue  # a custom event type (a server's progress report)
                try:
                    value = loads(event.data)
                except (ValueError, RecursionError):
                    if not event.data.strip():
                        continue
                    value = parse_json(event.data, self.name)
                if not isinstance(value, dict):
                    raise MalformedResponseError(
                        f"The server sent {event.data[:80]!r} where a chunk was expected.",
                        provider=self.name,
                    )
                if "error" in value:
                    raise stream_error(value, self)
                if (found := _usage(value)) is not None:
                    usage = found
                choices = value.get("choices")
                if not choices or not isinstance(choices, list):
                    continue
                choice = choices[0]
                if not isinstance(choice, dict):
                    continue
                delta = choice.get("delta") or {}
                if isinstance(delta, dict):
                    thought = delta.get("reasoning_content") or delta.get("reasoning")
                    if thought and isinstance(thought, str):
                        arrived = True
                        yield Reasoning(thought)
                    content = delta.get("content")
                    if content and isinstance(content, str):
                        arrived = True
                        for piece in splitter.feed(content):
                            yield piece
                reason = choice.get("finish_reason")
                if reason and isinstance(reason, str):
                    finish = reason
        for piece in splitter.finish():
            yield piece
        if not arrived and finish != "content_filter":
            raise EmptyReplyError(EMPTY_REPLY, provider=self.name)
        if finish:
            yield FinishReason(finish)
        if usage is not None:
            yield _usage_chunk(usage)

    async def _first_model(self, http: Http, context: Context) -> str:
        """The first model the server lists, for a request that named none."""
        hint = "Load a model in the server, or name one with --model."
        return first_model(self, await self._models(http, context), hint)

    async def list_models(self, context: Context) -> list[str]:
        self._base()
        async with http_for(self.name, context) as http:
            return await self._models(http, context)

    async def _models(self, http: Http, context: Context) -> list[str]:
        url = f"{self._base()}/models"
        headers = self._headers(context, stream=False)
        async with http.request("GET", url, check=False, headers=headers) as response:
            body = await read_text(response)
            if response.status >= 400:
                raise api_error(response.status, body, response.headers, self, path="/models")
        return model_ids(parse_json(body, self.name), self.name)


def model_ids(value: Any, provider: str) -> list[str]:
    """The model names of a model list: OpenAI's ``data[].id``, or ``models[].name``
    (llama.cpp and Ollama send both shapes)."""
    if isinstance(value, dict):
        for key, field in (("data", "id"), ("models", "name"), ("models", "model")):
            items = value.get(key)
            if isinstance(items, list):
                names = [
                    str(item[field])
                    for item in items
                    if isinstance(item, dict) and isinstance(item.get(field), str)
                ]
                if names or not items:
                    return names
    raise MalformedResponseError(
        "The model list is not in a form Parley knows (no data[].id).", provider=provider
    )


def _usage(value: Mapping[str, Any]) -> Mapping[str, Any] | None:
    usage = value.get("usage")
    if not isinstance(usage, dict):
        groq = value.get("x_groq")
        usage = groq.get("usage") if isinstance(groq, dict) else None
    return usage if isinstance(usage, dict) and usage else None


def _usage_chunk(usage: Mapping[str, Any]) -> Usage:
    def count(name: str) -> int | None:
        value = usage.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return Usage(count("prompt_tokens"), count("completion_tokens"), count("total_tokens"))
