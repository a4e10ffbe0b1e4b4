"""The life of one reply: credentials in, the provider's stream driven, every outcome reported."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, urlsplit, urlunsplit

from providers.base import BaseProvider
from providers.errors import ProviderError
from providers.http import Timeouts
from providers.types import CredentialUpdate, FinishReason, ProviderInfo, Reasoning, Usage

from .conversation import Conversation, Message, MessageState

if TYPE_CHECKING:
    import aiohttp

from .secrets import (
    SecretStore,
    SecretStoreError,
    decode_cookies,
    encode_cookies,
    secret_name,
)

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

    def reply_failed(self, reply: Reply, error: str) -> None:
        """The reply failed; ``error`` is a sentence for the user. Text so far is kept."""
        return None

    def reply_cancelled(self, reply: Reply) -> None:
        """The user stopped the reply. Text so far is kept."""
        return None


class _Unobserved(ReplyObserver):
    """The observer of a reply nobody watches."""


def proxy_secret_name(proxy: str) -> str:
    """The keyring name of the password of ``proxy`` (a URL without the password)."""
    return secret_name("proxy", "password", proxy)


class ChatSession:
    """Runs replies for the app and the command line, with the app's shared parts."""

    def __init__(
        self,
        secrets: SecretStore,
        http: aiohttp.ClientSession | None = None,
        *,
        timeouts: Timeouts | None = None,
    ) -> None:
        self.secrets = secrets
        self.http = http
        self.timeouts = timeouts or Timeouts()

    def reply(
        self,
        conversation: Conversation,
        provider: type[BaseProvider],
        model: str,
        *,
        proxy: str | None = None,
        options: Mapping[str, Any] | None = None,
        observer: ReplyObserver | None = None,
    ) -> Reply:
        """A new assistant reply at the end of ``conversation``; ``await reply.run()`` runs it."""
        return Reply(self, conversation, provider, model, proxy, dict(options or {}), observer)

    async def credentials(self, provider: type[BaseProvider]) -> dict[str, Any]:
        """The stored credentials ``provider`` declares, as its keyword arguments."""
        found: dict[str, Any] = {}
        for kind in provider.credential_kinds:
            value = await self.secrets.get(
                secret_name(provider.get_name(), kind, provider.origin())
            )
            if kind == "cookies":
                if cookies := decode_cookies(value):
                    found["cookies"] = cookies
            elif value:
                found[kind] = value
        return found

    async def proxy_with_password(self, proxy: str | None) -> str | None:
        """``proxy`` with its password from the keyring put back, when it names a user
        without a password and a password is stored for it (see ``proxy_secret_name``)."""
        if not proxy:
            return proxy
        parts = urlsplit(proxy)
        if not parts.username or parts.password is not None:
            return proxy
        password = await self.secrets.get(proxy_secret_name(proxy))
        if not password:
            return proxy
        userinfo, _, hostport = parts.netloc.rpartition("@")
        netloc = f"{userinfo}:{quote(password, safe='')}@{hostport}"
        return urlunsplit(parts._replace(netloc=netloc))

    async def store_credential(
        self, provider: type[BaseProvider], update: CredentialUpdate
    ) -> None:
        """Keep (or forget) a credential a provider handed back."""
        name = secret_name(provider.get_name(), update.kind, update.scope or provider.origin())
        if update.value is None or update.value == {} or update.value == "":
            await self.secrets.delete(name)
        elif isinstance(update.value, dict):
            await self.secrets.set(name, encode_cookies(update.value))
        else:
            await self.secrets.set(name, update.value)


def _model_used(provider: type[BaseProvider], model: str) -> tuple[str, str]:
    """The model ``provider`` will answer with for ``model``, and a note when that is not
    the one asked for (a provider may replace a name it does not know with its default)."""
    get_model = getattr(provider, "get_model", None)
    if get_model is None:  # a provider without a model list sends what it is given
        return model, ""
    try:
        used = str(get_model(model))
    except ProviderError:  # not offered: the stream raises it, where it is reported
        return model, ""
    if not model or used == model or model in getattr(provider, "model_aliases", {}):
        return used or model, ""
    name = provider.get_label()
    return used, f"{name} does not offer the model “{model}”, so it answered with “{used}”."


class Reply:
    """One assistant reply: started → text… → finished | failed | cancelled."""

    def __init__(
        self,
        session: ChatSession,
        conversation: Conversation,
        provider: type[BaseProvider],
        model: str,
        proxy: str | None,
        options: dict[str, Any],
        observer: ReplyObserver | None,
    ) -> None:
        self.session = session
        self.conversation = conversation
        self.provider = provider
        self.model = model
        self.proxy = proxy
        self.options = options
        self.observer = observer or _Unobserved()
        self.usage: Usage | None = None
        self._parts: list[str] = []
        self._reasoning: list[str] = []
        used, note = _model_used(provider, model)
        self.message: Message = conversation.add(
            "assistant",
            "",
            state=MessageState.PENDING,
            provider=provider.get_name(),
            model=used,
            note=note,
        )

    @property
    def text(self) -> str:
        return "".join(self._parts)

    async def run(self) -> Message:
        """Drive the provider's stream to the end. Cancelling the task stops the request."""
        message = self.message
        messages = self.conversation.history(
            until=message,
            with_history=self.provider.supports_message_history,
            with_system=self.provider.supports_system_message,
        )
        message.state = MessageState.STREAMING
        self.observer.reply_started(self)
        try:
            await self._stream(messages)
        except asyncio.CancelledError:
            self._end(MessageState.CANCELLED)
            self.observer.reply_cancelled(self)
            raise
        except (ProviderError, SecretStoreError) as error:
            self._fail(str(error))
        except Exception as error:  # a provider's bug must reach the user, not only a log
            log.warning("%s failed unexpectedly", self.provider.get_name(), exc_info=True)
            self._fail(
                f"{self.provider.get_name()} failed unexpectedly: {error!r}. Try again, or "
                "pick another provider; if it keeps happening, report it to the provider's authors."
            )
        else:
            self._end(MessageState.COMPLETE)
            self.observer.reply_finished(self)
        return message

    def cancelled_before_start(self) -> None:
        """End the reply as cancelled if its task was cancelled before ``run`` began.

        A task cancelled before its first step never runs its coroutine, so ``run`` cannot
        report it; whoever owns the task calls this when it ends cancelled (a no-op once
        ``run`` has started).
        """
        if self.message.state is MessageState.PENDING:
            self._end(MessageState.CANCELLED)
            self.observer.reply_cancelled(self)

    async def _stream(self, messages: list[dict[str, Any]]) -> None:
        kwargs = await self.session.credentials(self.provider)
        kwargs.update(self.options)
        stream = self.provider.create_async_generator(
            self.model,
            messages,
            proxy=await self.session.proxy_with_password(self.proxy),
            session=self.session.http,
            timeouts=self.session.timeouts,
            **kwargs,
        )
        try:
            async for chunk in stream:
                if isinstance(chunk, str):
                    if chunk:
                        self._parts.append(chunk)
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
        elif isinstance(chunk, Reasoning):
            self._reasoning.append(chunk.text)
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
        elif isinstance(chunk, CredentialUpdate):
            await self.session.store_credential(self.provider, chunk)

    def _end(self, state: MessageState) -> None:
        self.message.content = self.text
        self.message.reasoning = "".join(self._reasoning)
        self.message.state = state

    def _fail(self, error: str) -> None:
        self.message.error = error
        self._end(MessageState.FAILED)
        self.observer.reply_failed(self, error)
