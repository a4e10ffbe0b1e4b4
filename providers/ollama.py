"""Ollama's own API: ``POST {url}/api/chat`` streamed as JSON lines, ``GET {url}/api/tags``.

The reply is one JSON object a line (``application/x-ndjson``): ``message.content`` pieces,
``message.thinking`` pieces from a thinking model, then a last line with ``"done": true``,
``done_reason`` and the token counts. An error that happens while the model runs comes as
a line ``{"error": "..."}`` in the 200 stream; an HTTP error as ``{"error": "..."}`` too.
Older models and templates put their reasoning inline as ``<think>…</think>``. Each of these,
and the ways a stream ends early, has an emulator switch (tests/emulators/ollama.py).
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, cast

import aiohttp

from .api import api_error, error_text, first_model, stream_error
from .contract import Context, Provider, Request
from .errors import (
    EmptyReplyError,
    InvalidBaseUrlError,
    MalformedResponseError,
    NotFoundError,
    ProviderError,
    ProviderNotWorkingError,
)
from .http import Http, http_for, read_text
from .reasoning import ThinkSplitter
from .stream import iter_line_batches, parse_json
from .types import Chunk, CredentialKind, FinishReason, Message, ProviderInfo, Reasoning, Usage

OPTION_FIELDS = {
    "temperature": "temperature",
    "top_p": "top_p",
    "max_tokens": "num_predict",
    "seed": "seed",
    "presence_penalty": "presence_penalty",
    "frequency_penalty": "frequency_penalty",
}
"""Our option names, and the names Ollama's ``options`` object gives them."""

EMPTY_REPLY = "The server ended the reply before sending anything; the model may have failed."
EMPTY_REPLY_HINT = "Try again; if it happens again, Ollama's server log says why."
NOTHING_WRITTEN = "The model finished its reply without writing anything."
NOTHING_WRITTEN_HINT = "Try again, or rephrase the message."
NOT_RUNNING_HINT = (
    "Is Ollama running? Start it with `ollama serve` (or open the Ollama app), or set the "
    "address it listens at in Settings → Providers."
)


@dataclass(frozen=True, kw_only=True)
class Ollama(Provider):
    """An Ollama server at ``url`` (its base, without ``/api``).

    Ollama asks for no key, so none is needed (``needs_auth`` False). An API key may still
    be stored (``credential_kinds``): it is sent as a Bearer token, for an Ollama behind a
    reverse proxy that checks one. The endpoint's extra headers are sent as well.
    """

    credential_kinds: tuple[CredentialKind, ...] = ("api_key",)
    supported_options: frozenset[str] = frozenset(OPTION_FIELDS)
    local: bool = True

    kind: ClassVar[str] = "Ollama"
    sends_headers: ClassVar[bool] = True
    lists_models: ClassVar[bool] = True

    def _api(self) -> str:
        if not self.url:
            raise InvalidBaseUrlError(
                f"{self.get_label()} needs the address of the Ollama server.",
                provider=self.name,
                hint="Set it in Settings → Providers, or give `parley ask --base-url "
                "http://127.0.0.1:11434`.",
            )
        return f"{self.url}/api"

    @asynccontextmanager
    async def _http(self, context: Context) -> AsyncIterator[Http]:
        """``http_for`` this call; a server that cannot be reached is one not started."""
        try:
            async with http_for(self.name, context) as http:
                yield http
        except ProviderNotWorkingError as error:
            if isinstance(error.__cause__, aiohttp.ClientConnectorError):
                error.hint = NOT_RUNNING_HINT
            raise

    def _headers(self, context: Context, *, stream: bool) -> dict[str, str]:
        headers = {"accept": "application/x-ndjson" if stream else "application/json"}
        headers.update(context.credentials.headers)
        if context.credentials.api_key:
            headers["authorization"] = f"Bearer {context.credentials.api_key}"
        return headers

    def payload(self, request: Request, model: str) -> dict[str, Any]:
        """The JSON body of a streamed chat request."""
        payload: dict[str, Any] = {
            "model": model,
            "messages": [_message(m) for m in request.messages],
            "stream": True,
        }
        options = {OPTION_FIELDS[name]: value for name, value in request.options.given().items()}
        if options:
            payload["options"] = options
        return payload

    async def stream(self, request: Request, context: Context) -> AsyncIterator[Chunk]:
        url = f"{self._api()}/chat"
        headers = self._headers(context, stream=True)
        async with self._http(context) as http:
            model = self.get_model(request.model)
            if not model:  # none named: the server's first, and the reply says which
                model = await self._first_model(http, context)
                yield ProviderInfo(self.name, model)
            payload = self.payload(request, model)
            async with http.request(
                "POST", url, check=False, json=payload, headers=headers
            ) as response:
                if response.status >= 400:
                    body = await read_text(response)
                    raise self._chat_error(response.status, body, response.headers, model)
                reply = _Reply(self)
                # iter_json_lines' own reader: one await per read from the socket, not per line
                async with aclosing(_batches(response)) as batches:
                    async for lines in batches:
                        for chunk in reply.feed(lines):
                            yield chunk
                        if reply.failure is not None:
                            raise reply.failure
                        if reply.done is not None:
                            break
                for chunk in reply.finish():
                    yield chunk

    def _chat_error(self, status: int, body: str, headers: Any, model: str) -> ProviderError:
        """``api_error``, with a model Ollama does not have named and how to get it."""
        said = error_text(body)
        lowered = said.lower()
        if status == 404 and "model" in lowered and "not found" in lowered:
            return NotFoundError(
                f"{self.get_label()} has no model “{model}” (HTTP 404): {said}",
                provider=self.name,
                hint=f"Download it with `ollama pull {model}`, or pick a model from the "
                "refreshed model list.",
                status=404,
            )
        return api_error(status, body, headers, self, model=model, path="/api/chat")

    async def _first_model(self, http: Http, context: Context) -> str:
        """The first model the server lists, for a request that named none."""
        hint = "Download one with `ollama pull llama3.2`, or name one with --model."
        return first_model(self, await self._models(http, context), hint)

    async def list_models(self, context: Context) -> list[str]:
        self._api()
        async with self._http(context) as http:
            return await self._models(http, context)

    async def _models(self, http: Http, context: Context) -> list[str]:
        headers = self._headers(context, stream=False)
        async with http.request(
            "GET", f"{self._api()}/tags", check=False, headers=headers
        ) as response:
            body = await read_text(response)
            if response.status >= 400:
                raise api_error(response.status, body, response.headers, self, path="/api/tags")
        return tag_names(parse_json(body, self.name), self.name)


def _batches(response: aiohttp.ClientResponse) -> AsyncGenerator[list[bytes], None]:
    """The body's lines a batch per read, as the generator it is, so that leaving the reply
    early (its last line came, or an error) closes it at once rather than when collected."""
    return cast("AsyncGenerator[list[bytes], None]", iter_line_batches(response))


def _message(message: Message) -> dict[str, Any]:
    """A message as Ollama takes it: its content one string (text parts joined)."""
    content = message.get("content")
    if isinstance(content, list):
        content = "\n".join(
            str(part.get("text") or "")
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return {"role": message["role"], "content": content if isinstance(content, str) else ""}


def tag_names(value: Any, provider: str) -> list[str]:
    """The model names of ``/api/tags``: ``models[].name`` (``models[].model`` when unnamed)."""
    items = value.get("models") if isinstance(value, dict) else None
    if not isinstance(items, list):
        raise MalformedResponseError(
            "The model list is not in the form Ollama sends (no models[].name).",
            provider=provider,
        )
    names: list[str] = []
    for item in items:
        if isinstance(item, dict):
            name = item.get("name") or item.get("model")
            if isinstance(name, str) and name:
                names.append(name)
    return names


class _Reply:
    """One streamed reply, read a batch of lines at a time.

    The text of the lines of one batch is joined into one chunk (and so is the reasoning),
    so a fast stream costs a ``json.loads`` a line and little more. An error line, or a line
    that is not a JSON object, ends the reply: ``failure`` is set once the chunks before it
    are handed out, so the text that came first is kept.
    """

    __slots__ = ("arrived", "done", "failure", "pending", "provider", "splitter", "thinking")

    def __init__(self, provider: Ollama) -> None:
        self.provider = provider
        self.splitter = ThinkSplitter()
        self.pending: list[str] = []  # text (or reasoning, when ``thinking``) not handed out
        self.thinking = False
        self.arrived = False
        self.done: Mapping[str, Any] | None = None
        self.failure: ProviderError | None = None

    def feed(self, lines: list[bytes]) -> list[Chunk]:
        """The chunks ``lines`` hold; stops at the last line or at an error."""
        out: list[Chunk] = []
        loads = json.loads
        try:
            for line in lines:
                try:
                    value = loads(line)
                except (ValueError, RecursionError):
                    if not line.strip():
                        continue
                    value = parse_json(line, self.provider.name)
                if not isinstance(value, dict):
                    raise self._not_a_line(line)
                if self._take(value, out):
                    break
        except ProviderError as error:
            self.failure = error
        self._flush(out)
        if self.failure is not None:
            out.extend(self.splitter.finish())
        return out

    def _not_a_line(self, line: bytes) -> MalformedResponseError:
        shown = line[:80].decode("utf-8", "replace")
        return MalformedResponseError(
            f"The server sent {shown!r} where a line of the reply was expected.",
            provider=self.provider.name,
        )

    def _take(self, value: Mapping[str, Any], out: list[Chunk]) -> bool:
        """Take one line's ``value``; True when it is the last line."""
        message = value.get("message")
        if isinstance(message, dict):
            thought = message.get("thinking")
            if thought and isinstance(thought, str):
                self._add(thought, True, out)
            content = message.get("content")
            if content and isinstance(content, str):
                self._add(content, False, out)
        if "error" in value:
            raise stream_error(value, self.provider)
        if value.get("done") is True:
            self.done = value
            return True
        return False

    def _add(self, text: str, thinking: bool, out: list[Chunk]) -> None:
        if thinking is not self.thinking:
            self._flush(out)
            self.thinking = thinking
        self.pending.append(text)

    def _flush(self, out: list[Chunk]) -> None:
        if not self.pending:
            return
        text = "".join(self.pending)
        self.pending.clear()
        if self.thinking:
            out.append(Reasoning(text))
            self.arrived = True
        elif pieces := self.splitter.feed(text):
            out.extend(pieces)
            self.arrived = True

    def finish(self) -> list[Chunk]:
        """What is still held back, the finish reason and the usage; raises for a reply
        with nothing in it."""
        out = self.splitter.finish()
        if not (self.arrived or out):
            if self.done is None:
                raise EmptyReplyError(
                    EMPTY_REPLY, provider=self.provider.name, hint=EMPTY_REPLY_HINT
                )
            raise EmptyReplyError(
                NOTHING_WRITTEN, provider=self.provider.name, hint=NOTHING_WRITTEN_HINT
            )
        if self.done is not None:
            reason = self.done.get("done_reason")
            if reason and isinstance(reason, str):
                out.append(FinishReason(reason))
            if (usage := _usage(self.done)) is not None:
                out.append(usage)
        return out


def _usage(done: Mapping[str, Any]) -> Usage | None:
    def count(name: str) -> int | None:
        value = done.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    prompt, completion = count("prompt_eval_count"), count("eval_count")
    if prompt is None and completion is None:
        return None
    total = prompt + completion if prompt is not None and completion is not None else None
    return Usage(prompt, completion, total)


OLLAMA = Ollama(name="Ollama", label="Ollama (local)", url="http://127.0.0.1:11434")
"""Ollama on this machine, at its usual port."""
