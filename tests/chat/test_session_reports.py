"""What a reply reports, argument by argument, and what its message keeps, field by field."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from chat.conversation import Conversation, MessageState, ReplyError
from chat.credentials import credential_name, proxy_secret_name, store_update
from chat.secrets import MemorySecretStore, decode_cookies
from chat.session import ChatSession, Reply, ReplyObserver
from providers.contract import Context, Provider, Request
from providers.http import Timeouts
from providers.presets import OPENAI_COMPATIBLE
from providers.types import Chunk, CredentialUpdate, ProviderInfo
from tests.emulators.openai import OpenAIEmulator


class Strict(ReplyObserver):
    """Records every report, and that each one names the reply it is about."""

    def __init__(self) -> None:
        self.reply: Reply | None = None
        self.calls: list[tuple[str, Any]] = []

    def _add(self, reply: Reply, name: str, value: Any = None) -> None:
        assert reply is self.reply, f"{name} reported about another reply: {reply!r}"
        self.calls.append((name, value))

    def reply_started(self, reply: Reply) -> None:
        self._add(reply, "started")

    def reply_text(self, reply: Reply, text: str) -> None:
        self._add(reply, "text", text)

    def reply_reasoning(self, reply: Reply, text: str) -> None:
        self._add(reply, "reasoning", text)

    def reply_finished(self, reply: Reply) -> None:
        self._add(reply, "finished")

    def reply_failed(self, reply: Reply, error: ReplyError) -> None:
        self._add(reply, "failed", error)

    def reply_cancelled(self, reply: Reply) -> None:
        self._add(reply, "cancelled")


async def _until(condition: Callable[[], bool], within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "not met in time"
        await asyncio.sleep(0.005)


def chat(text: str = "hi") -> Conversation:
    conversation = Conversation()
    conversation.add("user", text)
    return conversation


def start(
    session: ChatSession, provider: Provider, model: str = "test-model"
) -> tuple[Reply, Strict]:
    observer = Strict()
    reply = session.reply(chat(), provider, model, observer=observer)
    observer.reply = reply
    return reply, observer


@pytest.fixture
async def server() -> AsyncIterator[OpenAIEmulator]:
    async with OpenAIEmulator("keyless", "reasoning_content") as server:
        server.script.reasoning = "Think first."
        server.script.pieces = ["Hello", " there."]
        yield server


async def test_a_reply_reports_each_piece_and_its_message_keeps_everything(
    server: OpenAIEmulator,
) -> None:
    reply, observer = start(
        ChatSession(MemorySecretStore()), OPENAI_COMPATIBLE.with_base_url(server.base_url)
    )
    assert reply.message.state is MessageState.PENDING
    assert (reply.message.role, reply.message.content) == ("assistant", "")
    message = await reply.run()
    assert observer.calls == [
        ("started", None),
        ("reasoning", "Think "),
        ("reasoning", "first. "),
        ("text", "Hello"),
        ("text", " there."),
        ("finished", None),
    ]
    assert message is reply.message
    assert (message.state, message.content, message.reasoning) == (
        MessageState.COMPLETE,
        "Hello there.",
        "Think first. ",
    )
    assert (message.provider, message.model, message.finish_reason) == (
        "OpenAICompatible",
        "test-model",
        "stop",
    )
    assert message.usage == {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21}
    assert reply.usage is not None
    assert reply.usage.total_tokens == 21
    assert (reply.text, reply.reasoning, message.error, message.note) == (
        "Hello there.",
        "Think first. ",
        None,
        "",
    )


async def test_a_failed_reply_reports_the_error_it_keeps(server: OpenAIEmulator) -> None:
    server.answer_with(500, "Internal Server Error: boom")
    provider = OPENAI_COMPATIBLE.with_base_url(server.base_url)
    reply, observer = start(ChatSession(MemorySecretStore()), provider)
    message = await reply.run()
    assert message.state is MessageState.FAILED
    assert message.error == ReplyError(
        kind="http",
        sentence=(
            "OpenAICompatible: The service answered HTTP 500: Internal Server Error: boom. The "
            "site has a problem on its side; try again later, or pick another provider."
        ),
        provider="OpenAICompatible",
        status=500,
        retry_after=None,
    )
    assert observer.calls == [("started", None), ("failed", message.error)]


async def test_a_stopped_reply_reports_it_and_keeps_its_text(server: OpenAIEmulator) -> None:
    server.quirks.add("hang")
    provider = OPENAI_COMPATIBLE.with_base_url(server.base_url)
    reply, observer = start(ChatSession(MemorySecretStore()), provider)
    task = asyncio.ensure_future(reply.run())
    await _until(lambda: reply.text == "Hello there.")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (reply.message.state, reply.message.content) == (MessageState.CANCELLED, "Hello there.")
    assert observer.calls[-1] == ("cancelled", None)
    await asyncio.wait_for(server.hung_up.wait(), 5)


class Buggy(Provider):
    async def stream(self, request: Request, context: Context) -> AsyncIterator[Chunk]:
        yield "partial "
        raise KeyError("choices")


async def test_a_providers_bug_is_logged_with_its_trace_and_told_in_our_words(
    caplog: pytest.LogCaptureFixture,
) -> None:
    buggy = Buggy(name="Buggy", url="http://127.0.0.1:9", label="Buggy service")
    reply, _observer = start(ChatSession(MemorySecretStore()), buggy)
    with caplog.at_level(logging.WARNING, logger="chat.session"):
        message = await reply.run()
    (record,) = caplog.records
    assert record.getMessage() == "Buggy failed unexpectedly"
    assert record.exc_info is not None
    assert record.exc_info[0] is KeyError
    caplog.clear()
    assert message.content == "partial "
    assert message.error == ReplyError(
        "unexpected",
        "Buggy service failed unexpectedly. Try again, or pick another provider; if it "
        "keeps happening, report it to the provider's authors, with what Parley's log says "
        "of it. (KeyError('choices'))",
        "Buggy",
    )


class Delegating(Provider):
    async def stream(self, request: Request, context: Context) -> AsyncIterator[Chunk]:
        yield ProviderInfo("Elsewhere")
        yield ProviderInfo("Other", "their-model")
        yield "ok"


async def test_who_really_answered_is_kept_and_a_missing_model_keeps_the_last() -> None:
    provider = Delegating(name="Front", url="http://127.0.0.1:9")
    reply, _ = start(ChatSession(MemorySecretStore()), provider, "asked")
    assert reply.message.model == "asked"
    message = await reply.run()
    assert (message.provider, message.model) == ("Other", "their-model")


def test_the_session_keeps_its_parts_and_defaults() -> None:
    store = MemorySecretStore()
    session = ChatSession(store)
    assert (session.secrets, session.http, session.timeouts, session.retry_delay) == (
        store,
        None,
        Timeouts(),
        1.0,
    )
    timeouts = Timeouts(1, 2)
    assert ChatSession(store, timeouts=timeouts).timeouts is timeouts


def test_a_proxy_password_is_named_by_the_proxy() -> None:
    assert proxy_secret_name("http://alice@127.0.0.1:3128") == (
        "proxy/password@http://alice@127.0.0.1:3128"
    )


async def test_a_handed_back_credential_is_kept_forgotten_or_moved_by_its_scope() -> None:
    store = MemorySecretStore()
    provider = OPENAI_COMPATIBLE.with_base_url("http://127.0.0.1:5/v1")
    here = credential_name(provider, "cookies")
    await store_update(provider, CredentialUpdate("cookies", {"a": "1"}), store)
    assert decode_cookies(await store.get(here)) == {"a": "1"}
    for empty in ({}, "", None):
        await store.set(here, "x")
        await store_update(provider, CredentialUpdate("cookies", empty), store)
        assert await store.get(here) is None
    await store_update(provider, CredentialUpdate("api_key", "k", scope="https://else.test"), store)
    assert store.names() == ["OpenAICompatible/api_key@https://else.test"]
