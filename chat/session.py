"""The life of one reply: credentials in, the provider's stream driven, every outcome reported."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from providers.base import BaseProvider
from providers.contract import Context, Options, Provider, Request
from providers.errors import CaBundleError, ErrorKind, ProviderError
from providers.http import Timeouts
from providers.legacy import as_provider
from providers.tls import tls_context
from providers.types import (
    AnswerWasReasoning,
    CredentialUpdate,
    FinishReason,
    ProviderInfo,
    Reasoning,
    ReasoningSignature,
    Usage,
)

from . import credentials
from .auto import Auto, ProviderHealth, all_failed
from .conversation import Conversation, Message, MessageState, ReplyError
from .secrets import SecretStore, SecretStoreError

if TYPE_CHECKING:
    import ssl

    import aiohttp

log = logging.getLogger(__name__)


class ReplyObserver(Protocol):
    """What a reply reports. Subclass it and override what you need (the rest do nothing);
    every method is called on the event loop thread."""

    def reply_started(self, reply: Reply) -> None:
        """The request is about to go out."""
        return None

    def reply_text(self, reply: Reply, text: str) -> None:
        """A piece of answer text arrived (a delta, never the whole text)."""
        return None

    def reply_reasoning(self, reply: Reply, text: str) -> None:
        """A piece of reasoning text arrived."""
        return None

    def reply_finished(self, reply: Reply) -> None:
        """The reply is complete."""
        return None

    def reply_failed(self, reply: Reply, error: ReplyError) -> None:
        """The reply failed; ``str(error)`` is a sentence for the user. Text so far is kept."""
        return None

    def reply_text_was_reasoning(self, reply: Reply) -> None:
        """The text reported so far was the model's reasoning (``reply.reasoning`` now)."""
        return None

    def reply_retrying(self, reply: Reply, error: ReplyError, delay: float) -> None:
        """A transient failure before any text: the request goes once more in ``delay`` s."""
        return None

    def reply_cancelled(self, reply: Reply) -> None:
        """The user stopped the reply. Text so far is kept."""
        return None


class _Unobserved(ReplyObserver):
    """The observer of a reply nobody watches."""


class ChatSession:
    """Runs replies for the app and the command line, with the app's shared parts."""

    def __init__(
        self,
        secrets: SecretStore,
        http: aiohttp.ClientSession | None = None,
        *,
        timeouts: Timeouts | None = None,
        ca_bundle: str = "",
        retry_delay: float = 1.0,
        open_keyring: Callable[[], Awaitable[SecretStore]] | None = None,
    ) -> None:
        self.secrets = secrets
        self.open_keyring = open_keyring
        """Opens the keyring put off for now (see ``credentials.keyring_can_wait``): called
        once, when a provider refuses a reply sent without a key, to ask again with one."""
        self.http = http
        self.timeouts = timeouts or Timeouts()
        """How long the next request may wait (``set_timeouts`` changes it)."""
        self.ca_bundle = ca_bundle
        """The file of extra certificate authorities the next request trusts ("" for none)."""
        self._tls: tuple[tuple[str, int, int], ssl.SSLContext] | None = None
        """The TLS context made from ``ca_bundle``, and the file's path, mtime and size then."""
        self.retry_delay = retry_delay
        """Seconds before the one retry of a transient failure the service gave no wait for."""
        self.health = ProviderHealth()
        """Which providers Auto skips for now (they kept failing)."""

    def reply(
        self,
        conversation: Conversation,
        provider: Provider | type[BaseProvider],
        model: str,
        *,
        proxy: str | None = None,
        options: Options | Mapping[str, Any] | None = None,
        observer: ReplyObserver | None = None,
        continuing: Message | None = None,
    ) -> Reply:
        """A new assistant reply at the end of ``conversation``; ``await reply.run()`` runs it.

        ``provider`` is used as given (see ``chat.credentials.configured`` for the provider
        at its saved base URL); its credentials come from the store (see
        ``chat.credentials.credentials_for``).
        With ``continuing`` (a reply that was cut off), the model is asked to go on from
        where it stopped, and what it says is added to that reply.
        """
        if not isinstance(options, Options):
            options = Options.of(options or {})
        reply = Reply(self, conversation, as_provider(provider), model, proxy, options, observer)
        if continuing is not None:
            reply.go_on(continuing)
        else:
            reply.begin()
        return reply

    async def keyring_opened(self, provider: Provider) -> bool:
        """Open the keyring that was put off; does it hold a credential for ``provider``
        that was not sent? False when there was nothing to open."""
        if self.open_keyring is None:
            return False
        opener, self.open_keyring = self.open_keyring, None
        sent = await credentials.credentials_for(provider, self.secrets)
        self.secrets = await opener()
        return await credentials.credentials_for(provider, self.secrets) != sent

    def set_timeouts(self, timeouts: Timeouts) -> None:
        """Use ``timeouts`` from the next request on (a reply under way keeps its own)."""
        self.timeouts = timeouts

    def set_ca_bundle(self, ca_bundle: str) -> None:
        """Trust the authorities in ``ca_bundle`` ("" for none), besides the system's, from
        the next request on."""
        if ca_bundle != self.ca_bundle:
            self.ca_bundle = ca_bundle
            self._tls = None

    async def tls(self) -> ssl.SSLContext | None:
        """The TLS context requests verify certificates with: None (the system's authorities)
        without a CA bundle. Made again when the bundle's file changes; one that cannot be
        used raises ``providers.errors.CaBundleError`` (a ``ProviderError``)."""
        path = self.ca_bundle
        if not path:
            return None
        key = _file_key(path)
        if self._tls is not None and self._tls[0] == key:
            return self._tls[1]
        context = await asyncio.to_thread(tls_context, path)  # reads the system's store too
        if self.ca_bundle == path:  # not changed while it was being read
            self._tls = (key, context)
        return context

    async def ca_bundle_problem(self) -> str:
        """Why the CA bundle cannot be used, as a sentence ("" when it can, or none is set)."""
        try:
            await self.tls()
        except CaBundleError as error:
            return str(error)
        return ""

    async def context(self, provider: Provider, proxy: str | None) -> Context:
        """What ``provider`` is driven with: the app's client, its credentials, the current
        timeouts and TLS context, and the proxy with its password."""
        timeouts, tls = self.timeouts, await self.tls()
        return Context(
            http=self.http,
            credentials=await credentials.credentials_for(provider, self.secrets),
            timeouts=timeouts,
            proxy=await credentials.proxy_with_password(proxy, self.secrets),
            tls=tls,
        )


def _file_key(path: str) -> tuple[str, int, int]:
    """``path`` with its file's mtime and size (zeros when it cannot be read): a bundle
    replaced in place is read again."""
    try:
        found = os.stat(os.path.expanduser(path))
    except OSError:
        return path, 0, 0
    return path, found.st_mtime_ns, found.st_size


def _model_used(provider: Provider, model: str) -> tuple[str, str]:
    """The model ``provider`` will answer with for ``model``, and a note when that is not
    the one asked for (a provider may replace a name it does not know with its default)."""
    try:
        used = provider.get_model(model)
    except ProviderError:  # not offered: the stream raises it, where it is reported
        return model, ""
    if not model or used == model or model in provider.model_aliases:
        return used or model, ""
    name = provider.get_label()
    return used, f"{name} does not offer the model “{model}”, so it answered with “{used}”."


class Reply:
    """One assistant reply: started → text… → finished | failed | cancelled."""

    def __init__(
        self,
        session: ChatSession,
        conversation: Conversation,
        provider: Provider,
        model: str,
        proxy: str | None,
        options: Options,
        observer: ReplyObserver | None,
    ) -> None:
        self.session = session
        self.conversation = conversation
        self.provider = provider
        self.model = model
        self.proxy = proxy
        self.options = options
        self.observer = observer or _Unobserved()
        self._current = provider
        self.usage: Usage | None = None
        self._parts: list[str] = []
        self._reasoning: list[str] = []
        self._sent_at = 0.0
        self._reasoning_from: float | None = None
        self._kept = 0
        """Pieces of text the reply had before this request (it continues a cut-off one)."""
        self._kept_reasoning = 0
        self.continued_from = ""
        """The text of the reply being continued ("" for a new reply)."""
        self.message = Message("assistant", "")

    def begin(self) -> None:
        """Add the new reply to the conversation (``ChatSession.reply`` calls it)."""
        used, note = _model_used(self.provider, self.model)
        self.message = self.conversation.add(
            "assistant",
            "",
            state=MessageState.PENDING,
            provider=self.provider.name,
            model=used,
            note=note,
        )

    def go_on(self, message: Message) -> None:
        """Continue ``message``, a reply that was cut off: its text so far stays, the rest
        is added to it."""
        self.message = message
        self.continued_from = message.content
        self._parts = [message.content]
        self._reasoning = [message.reasoning] if message.reasoning else []
        self._kept, self._kept_reasoning = len(self._parts), len(self._reasoning)
        length_note = finish_note(self.provider, "length")
        message.note = " ".join(message.note.replace(length_note, "").split())
        used, note = _model_used(self.provider, self.model)
        message.provider, message.model = self.provider.name, used
        message.note = " ".join(filter(None, (message.note, note)))
        message.state, message.finish_reason, message.error = MessageState.PENDING, None, None
        message.first_token_s = None
        self.conversation.changed(message)

    def _got_any(self) -> bool:
        """Text or reasoning came in answer to this request."""
        return len(self._parts) > self._kept or len(self._reasoning) > self._kept_reasoning

    @property
    def text(self) -> str:
        return "".join(self._parts)

    @property
    def current(self) -> Provider:
        """The provider being asked (one of Auto's, for Auto)."""
        return self._current

    @property
    def reasoning(self) -> str:
        return "".join(self._reasoning)

    async def run(self) -> Message:
        """Drive the provider's stream to the end. Cancelling the task stops the request."""
        message = self.message
        provider = self.provider
        message.state = MessageState.STREAMING
        self._sent_at = time.monotonic()
        self.conversation.changed(message)
        self.observer.reply_started(self)
        try:
            if isinstance(provider, Auto):
                await self._fall_back(provider)
            else:
                await self.attempt(provider, self.proxy, message.model or self.model)
        except asyncio.CancelledError:
            self._end(MessageState.CANCELLED)
            self.observer.reply_cancelled(self)
            raise
        except ProviderError as error:
            self._fail(reply_error(error, provider.name))
        except SecretStoreError as error:
            self._fail(ReplyError("keyring", str(error), provider.name))
        except Exception as error:  # a provider's bug must reach the user, not only a log
            from .logs import redact

            log.warning("%s failed unexpectedly", provider.name, exc_info=True)
            self._fail(
                ReplyError(
                    ErrorKind.UNEXPECTED,
                    f"{provider.get_label()} failed unexpectedly. Try again, or pick another "
                    "provider; if it keeps happening, report it to the provider's authors, "
                    f"with what Parley's log says of it. ({redact(repr(error))})",
                    provider.name,
                )
            )
        else:
            self._end(MessageState.COMPLETE)
            self.observer.reply_finished(self)
        return message

    async def attempt(self, provider: Provider, proxy: str | None, model: str) -> None:
        """Ask ``provider``; once more after a short wait when it failed in a way worth
        retrying before any text arrived. Once text has arrived, there is no retry."""
        provider.check_options(self.options)
        self._current = provider
        messages = self.conversation.history(
            until=self.message,
            with_history=provider.supports_message_history,
            with_system=provider.supports_system_message,
            alternating=provider.alternating_roles,
        )
        if self.continued_from:
            messages = continued(
                messages, self.continued_from, with_history=provider.supports_message_history
            )
        request = Request(model, tuple(messages), self.options)
        try:
            await self._stream(provider, proxy, request)
        except ProviderError as error:
            if self._got_any():
                raise
            if error.kind is ErrorKind.AUTHENTICATION and await self.session.keyring_opened(
                provider
            ):
                await self._stream(provider, proxy, request)  # now with the stored key
                return
            if not error.transient:
                raise
            delay = min(error.retry_after or self.session.retry_delay, 10.0)
            self.observer.reply_retrying(self, reply_error(error, provider.name), delay)
            await asyncio.sleep(delay)
            await self._stream(provider, proxy, request)

    async def _fall_back(self, auto: Auto) -> None:
        """Each of Auto's providers in turn, until one answers; never once text came."""
        health = self.session.health
        failures: list[tuple[Provider, str]] = []
        skipped: list[str] = []
        for candidate in auto.candidates:
            provider = candidate.provider
            if not health.usable(provider.name):
                skipped.append(provider.get_label())
                continue
            used, _ = _model_used(provider, candidate.model)
            self.message.provider, self.message.model = provider.name, used
            try:
                await self.attempt(provider, candidate.proxy, used)
            except (ProviderError, SecretStoreError) as error:
                if self._got_any():
                    raise
                health.failed(provider.name)
                failures.append((provider, str(error)))
                continue
            health.succeeded(provider.name)
            return
        raise all_failed(auto, failures, skipped)

    def cancelled_before_start(self) -> None:
        """End the reply as cancelled if its task was cancelled before ``run`` began.

        A task cancelled before its first step never runs its coroutine, so ``run`` cannot
        report it; whoever owns the task calls this when it ends cancelled (a no-op once
        ``run`` has started).
        """
        if self.message.state is MessageState.PENDING:
            self._end(MessageState.CANCELLED)
            self.observer.reply_cancelled(self)

    async def _stream(self, provider: Provider, proxy: str | None, request: Request) -> None:
        context = await self.session.context(provider, proxy)
        stream = provider.stream(request, context)
        try:
            async for chunk in stream:
                if isinstance(chunk, str):
                    if chunk:
                        self._arrived()
                        self._reasoned()
                        self._parts.append(chunk)
                        self.conversation.streamed(self.message, chunk)
                        self.observer.reply_text(self, chunk)
                else:
                    await self._typed(chunk)
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                await aclose()

    async def _typed(self, chunk: object) -> None:
        if isinstance(chunk, FinishReason):
            self.message.finish_reason = chunk.reason
            if note := finish_note(self._current, chunk.reason):
                self.message.note = " ".join(filter(None, (self.message.note, note)))
        elif isinstance(chunk, AnswerWasReasoning):
            if self._reasoning_from is None:  # it began with the first "answer" text
                self._reasoning_from = self._sent_at + (self.message.first_token_s or 0.0)
            self._reasoning.append("".join(self._parts[self._kept :]))
            del self._parts[self._kept :]
            self.message.reasoning = self.reasoning
            self.conversation.changed(self.message, restreamed=True)  # not answer text now
            self.observer.reply_text_was_reasoning(self)
        elif isinstance(chunk, Reasoning):
            self._arrived()
            if self._reasoning_from is None:
                self._reasoning_from = time.monotonic()
            self._reasoning.append(chunk.text)
            self.conversation.streamed(self.message, chunk.text, reasoning=True)
            self.observer.reply_reasoning(self, chunk.text)
        elif isinstance(chunk, Usage):
            self.usage = chunk
            self.message.usage = {
                "prompt_tokens": chunk.prompt_tokens,
                "completion_tokens": chunk.completion_tokens,
                "total_tokens": chunk.total_tokens,
            }
        elif isinstance(chunk, ProviderInfo):
            self.message.provider = chunk.name
            self.message.model = chunk.model or self.message.model
        elif isinstance(chunk, ReasoningSignature):
            self.message.signature = chunk.signature
        elif isinstance(chunk, CredentialUpdate):
            await credentials.store_update(self._current, chunk, self.session.secrets)

    def _arrived(self) -> None:
        if self.message.first_token_s is None:
            self.message.first_token_s = time.monotonic() - self._sent_at

    def _reasoned(self) -> None:
        """The reasoning ended (the answer began, or the reply ended): keep how long it took."""
        if self._reasoning_from is not None and self.message.reasoning_s is None:
            self.message.reasoning_s = time.monotonic() - self._reasoning_from

    def _end(self, state: MessageState) -> None:
        self._reasoned()
        message = self.message
        message.content = self.text
        message.reasoning = "".join(self._reasoning)
        message.state = state
        if self._sent_at:
            message.duration_s = time.monotonic() - self._sent_at
        self.conversation.changed(message)

    def _fail(self, error: ReplyError) -> None:
        self.message.error = error
        self._end(MessageState.FAILED)
        self.observer.reply_failed(self, error)


CONTINUE = (
    "Your last answer was cut off. Continue it from exactly where it stopped, without "
    "repeating anything and without any preamble."
)
"""What is asked of the model to continue a reply that was cut off."""


def continued(
    messages: list[dict[str, Any]], partial: str, *, with_history: bool
) -> list[dict[str, Any]]:
    """``messages`` (the history up to a cut-off reply) and a request to continue
    ``partial``, the reply so far: as a turn of its own after it, or, for a service that
    gets no history, inside the question."""
    if with_history or not messages:
        return [
            *messages,
            {"role": "assistant", "content": partial},
            {"role": "user", "content": CONTINUE},
        ]
    *before, question = messages
    asked = f"{question['content']}\n\nYou had begun to answer:\n\n{partial}\n\n{CONTINUE}"
    return [*before, {**question, "content": asked}]


def reply_error(error: ProviderError, provider: str) -> ReplyError:
    """What is kept of ``error`` on the failed message."""
    return ReplyError(
        kind=str(error.kind),
        sentence=str(error),
        provider=error.provider or provider,
        status=error.status,
        retry_after=error.retry_after,
    )


_STOPPED_BY = {
    "content_filter": "its content filter",
    "safety": "its safety rules",
    "prohibited_content": "its rules on prohibited content",
    "blocklist": "its list of blocked terms",
    "spii": "its rules on personal information",
    "recitation": "its rule against reciting sources",
    "refusal": "its safety rules",
}


def finish_note(provider: Provider, reason: str) -> str:
    """A sentence for a reply the service ended early, "" for one that simply ended."""
    if reason == "length":
        return (
            "The reply reached the longest length allowed; raise max_tokens or ask it to continue."
        )
    if reason in _STOPPED_BY:
        return (
            f"{provider.get_label()} stopped the reply because of {_STOPPED_BY[reason]} "
            f"(finish reason “{reason}”); the text above is what came before."
        )
    return ""
