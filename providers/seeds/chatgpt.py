"""ChatGpt (chatgpt.com's anonymous backend): sentinel proofs, a turnstile, a streamed reply."""

from __future__ import annotations

import asyncio
import functools
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import aiohttp

from ..base import AsyncGeneratorProvider, ProviderModelMixin
from ..errors import BlockedError, MalformedResponseError, ProviderError
from ..helpers import format_conversation
from ..http import (
    USER_AGENT,
    Http,
    browser_headers,
    excerpt,
    is_cloudflare_page,
    open_http,
    read_text,
)
from ..http import status_error as http_status_error
from ..stream import iter_sse_json, parse_json
from ..types import Chunk, FinishReason, Messages
from .chatgpt_events import ReplyDecoder
from .chatgpt_pow import TIMEZONE_OFFSET_MIN, answer_token, build_config, requirements_token
from .chatgpt_turnstile import solve_turnstile

T = TypeVar("T")
REQUIREMENTS_PATH = "/backend-anon/sentinel/chat-requirements"
CONVERSATION_PATH = "/backend-anon/conversation"
UNUSUAL_ACTIVITY = "unusual activity"


@dataclass(frozen=True, slots=True)
class Requirements:
    """What the site asks before a conversation (the reply to chat-requirements)."""

    token: str
    turnstile_dx: str | None = None
    pow_seed: str | None = None
    pow_difficulty: str | None = None


def _detail(body: str) -> str:
    """The ``detail`` text of a JSON error body ("" when there is none)."""
    try:
        reply = json.loads(body)
    except ValueError:
        return ""
    detail = reply.get("detail") if isinstance(reply, dict) else None
    if isinstance(detail, dict):
        detail = detail.get("message") or json.dumps(detail)
    return detail if isinstance(detail, str) else ""


def refusal(status: int, body: str, headers: Any, provider: str) -> ProviderError:
    """The error for a reply that refused us: blocked, rate limited, or an HTTP error."""
    detail = _detail(body)
    if UNUSUAL_ACTIVITY in detail.lower():
        return BlockedError(
            f"The request was blocked by the site: {excerpt(detail)}", provider=provider
        )
    if is_cloudflare_page(status, body, headers):
        return BlockedError(
            "The request was blocked by the site: an anti-bot (Cloudflare) page answered, "
            f"HTTP {status}.",
            provider=provider,
        )
    if status == 403:
        return BlockedError(
            f"The request was blocked by the site (HTTP 403): {excerpt(detail or body)}",
            provider=provider,
        )
    return http_status_error(status, body, headers, provider)


async def _off_loop(function: Callable[..., T], *args: Any) -> T:
    """CPU work (proofs of work, the turnstile program) on the default executor.

    ``function`` takes a keyword ``stop``, a ``threading.Event`` it checks as it runs. When
    the await is cancelled (Stop), the event is set and the work is waited for: a thread
    cannot be killed, so it is asked to end, and the cancellation goes on once it has.
    """
    loop = asyncio.get_running_loop()
    stop = threading.Event()
    job = loop.run_in_executor(None, functools.partial(function, *args, stop=stop))
    try:
        return await asyncio.shield(job)
    except asyncio.CancelledError:
        stop.set()
        job.add_done_callback(_discard_outcome)
        await asyncio.wait([job])
        raise


def _discard_outcome(job: asyncio.Future[Any]) -> None:
    """Mark a stopped job's outcome as seen: it was asked to stop and its error means nothing."""
    if not job.cancelled():
        job.exception()


class ChatGpt(AsyncGeneratorProvider, ProviderModelMixin):
    """chatgpt.com without an account. Every address is derived from ``url``."""

    url = "https://chatgpt.com"
    working = False
    supported_options: ClassVar[frozenset[str] | None] = frozenset()
    supports_stream = True
    supports_message_history = True
    supports_system_message = True
    default_model = "auto"
    models: ClassVar[list[str]] = [
        "auto",
        "gpt-3.5-turbo",
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-4",
        "gpt-4-turbo",
        "chatgpt-4o-latest",
    ]
    model_aliases: ClassVar[dict[str, str]] = {"gpt-4o": "chatgpt-4o-latest"}

    @classmethod
    def get_model(cls, model: str) -> str:
        """A listed name as is, an alias mapped, anything else the default (as the seed did)."""
        if model in cls.models:
            return model
        return cls.model_aliases.get(model, cls.default_model)

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        """Warm up, prove work, run the turnstile, then stream the reply as text deltas."""
        if not messages:
            raise ProviderError("There is no message to send.", provider=cls.get_name())
        async with open_http(
            cls.get_name(),
            session=kwargs.get("session"),
            proxy=proxy,
            timeouts=kwargs.get("timeouts"),
            tls=kwargs.get("tls"),
        ) as http:
            visit = Visit(cls, http)
            await visit.warm_up()
            config = build_config(USER_AGENT, visit.elapsed_ms())
            token = await visit.work(requirements_token, config)
            needs = await visit.chat_requirements(token)
            headers = await visit.sentinel_headers(needs, token, config)
            async for chunk in visit.converse(cls.get_model(model), messages, headers):
                yield chunk


class Visit:
    """One call's visit to the site: its cookies, its clock, its device id."""

    def __init__(self, provider: type[ChatGpt], http: Http):
        self.provider = provider
        self.name = provider.get_name()
        self.url = provider.url
        self.http = http
        self.started = time.perf_counter()
        self.device_id = str(uuid.uuid4())
        self.cookies: dict[str, str] = {"_dd_s": ""}

    def elapsed_ms(self) -> float:
        """Milliseconds since the visit started (the page's ``performance.now()``)."""
        return (time.perf_counter() - self.started) * 1000

    def headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """Browser headers for an API call, with the cookies the site set."""
        headers = browser_headers(self.url)
        headers["cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        headers["oai-device-id"] = self.device_id
        headers["oai-language"] = "en-US"
        headers.update(extra or {})
        return headers

    def remember(self, response: aiohttp.ClientResponse) -> None:
        """Keep the cookies a reply sets (the app's session keeps none for us)."""
        for name, morsel in response.cookies.items():
            if morsel["max-age"] == "0":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    async def warm_up(self) -> None:
        """``GET {url}/`` like a browser opening the page, keeping the cookies it sets."""
        headers = browser_headers(self.url, navigation=True)
        headers["cookie"] = "_dd_s="
        async with self.http.request("GET", f"{self.url}/", check=False, headers=headers) as r:
            if r.status >= 400:
                raise refusal(r.status, await read_text(r), r.headers, self.name)
            self.remember(r)
        # The site ties the device id to its oai-did cookie, as its own page does.
        self.device_id = self.cookies.get("oai-did") or self.device_id

    async def chat_requirements(self, token: str) -> Requirements:
        """``POST`` the requirements token; what the site asks for before the conversation."""
        url = self.url + REQUIREMENTS_PATH
        async with self.http.request(
            "POST", url, check=False, json={"p": token}, headers=self.headers()
        ) as response:
            body = await read_text(response)
            self.remember(response)
            if response.status != 200 or UNUSUAL_ACTIVITY in _detail(body).lower():
                raise refusal(response.status, body, response.headers, self.name)
        return self._requirements(parse_json(body, self.name), body)

    def _requirements(self, reply: Any, body: str) -> Requirements:
        if not isinstance(reply, dict) or not isinstance(reply.get("token"), str):
            raise self._malformed("The site's chat requirements carry no token", body)
        found: dict[str, Any] = {"token": reply["token"]}
        turnstile = reply.get("turnstile")
        if isinstance(turnstile, dict) and turnstile.get("required"):
            if not isinstance(turnstile.get("dx"), str):
                raise self._malformed("The site requires a turnstile but sent no program", body)
            found["turnstile_dx"] = turnstile["dx"]
        work = reply.get("proofofwork")
        if isinstance(work, dict) and work.get("required"):
            seed, difficulty = work.get("seed"), work.get("difficulty")
            if not (isinstance(seed, str) and isinstance(difficulty, str)):
                raise self._malformed("The site requires a proof of work but sent no seed", body)
            found.update(pow_seed=seed, pow_difficulty=difficulty)
        return Requirements(**found)

    def _malformed(self, what: str, body: str) -> MalformedResponseError:
        return MalformedResponseError(f"{what}: {excerpt(body)!r}.", provider=self.name)

    async def work(self, function: Callable[..., T], *args: Any) -> T:
        """CPU work off the loop, stopped with the reply (see ``_off_loop``); its errors name
        this provider."""
        try:
            return await _off_loop(function, *args)
        except ProviderError as error:
            error.provider = error.provider or self.name
            raise

    async def sentinel_headers(
        self, needs: Requirements, token: str, config: list[Any]
    ) -> dict[str, str]:
        """The conversation's proof headers; the proof of work runs on an executor."""
        headers = {"openai-sentinel-chat-requirements-token": needs.token}
        if needs.pow_seed is not None and needs.pow_difficulty is not None:
            headers["openai-sentinel-proof-token"] = await self.work(
                answer_token, needs.pow_seed, needs.pow_difficulty, config
            )
        if needs.turnstile_dx is not None:
            headers["openai-sentinel-turnstile-token"] = await self.work(
                solve_turnstile, needs.turnstile_dx, token, self.url, self.started
            )
        return headers

    def body(self, model: str, messages: Messages) -> dict[str, Any]:
        return {
            "action": "next",
            "messages": format_conversation(messages),
            "parent_message_id": str(uuid.uuid4()),
            "model": model,
            "timezone_offset_min": TIMEZONE_OFFSET_MIN,
            "history_and_training_disabled": False,
            "conversation_mode": {"kind": "primary_assistant"},
            "force_paragen": False,
            "force_use_sse": True,
            "websocket_request_id": str(uuid.uuid4()),
            "system_hints": [],
        }

    async def converse(
        self, model: str, messages: Messages, sentinel: dict[str, str]
    ) -> AsyncIterator[Chunk]:
        """``POST`` the conversation and stream the assistant's text as it grows."""
        headers = self.headers({**sentinel, "accept": "text/event-stream"})
        async with self.http.request(
            "POST",
            self.url + CONVERSATION_PATH,
            check=False,
            json=self.body(model, messages),
            headers=headers,
        ) as response:
            await self._check_stream(response)
            decoder = ReplyDecoder(self.name)
            texts = 0
            async for event in iter_sse_json(response, self.name):
                if piece := decoder.feed(event):
                    texts += 1
                    yield piece
        if decoder.finish_reason:
            yield FinishReason(decoder.finish_reason)
        elif not texts:
            raise MalformedResponseError(
                "The site's reply stream ended without any answer text.", provider=self.name
            )

    async def _check_stream(self, response: aiohttp.ClientResponse) -> None:
        if response.status != 200:
            body = await read_text(response)
            raise refusal(response.status, body, response.headers, self.name)
        if response.content_type == "application/json":
            body = await read_text(response)
            if UNUSUAL_ACTIVITY in _detail(body).lower():
                raise refusal(response.status, body, response.headers, self.name)
            raise self._malformed("The site answered with JSON instead of a reply stream", body)
