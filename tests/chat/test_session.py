"""ChatSession and Reply against a real loopback SSE server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from chat.conversation import Conversation, MessageState
from chat.secrets import MemorySecretStore, secret_name
from chat.session import ChatSession, Reply, ReplyObserver
from providers import AsyncGeneratorProvider
from providers.http import Timeouts, new_client_session
from providers.types import Chunk, Messages

from .streaming_server import LoopbackChat, StreamServer


class Recorder(ReplyObserver):
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.first_text = asyncio.Event()

    def reply_started(self, reply: Reply) -> None:
        self.events.append(("started", ""))

    def reply_text(self, reply: Reply, text: str) -> None:
        self.events.append(("text", text))
        self.first_text.set()

    def reply_finished(self, reply: Reply) -> None:
        self.events.append(("finished", ""))

    def reply_failed(self, reply: Reply, error: str) -> None:
        self.events.append(("failed", error))

    def reply_cancelled(self, reply: Reply) -> None:
        self.events.append(("cancelled", ""))


@pytest.fixture
async def session() -> AsyncIterator[ChatSession]:
    async with new_client_session() as http:
        yield ChatSession(MemorySecretStore(), http, timeouts=Timeouts(connect=2, idle=2))


def conversation(text: str = "Hi", system: str = "") -> Conversation:
    chat = Conversation(system_prompt=system)
    chat.add("user", text)
    return chat


async def test_reply_streams_and_reports_each_stage(
    server: StreamServer, session: ChatSession
) -> None:
    provider = LoopbackChat.with_base_url(server.url)
    recorder = Recorder()
    chat = conversation()
    message = await session.reply(chat, provider, "m1", observer=recorder).run()
    assert message.state is MessageState.COMPLETE
    assert message.content == "Hello there, friend."
    assert message.finish_reason == "stop"
    assert message.usage == {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}
    assert recorder.events[0] == ("started", "")
    assert recorder.events[-1] == ("finished", "")
    assert "".join(t for kind, t in recorder.events if kind == "text") == message.content
    assert chat.messages[-1] is message


async def test_credentials_are_read_and_updates_stored(
    server: StreamServer, session: ChatSession
) -> None:
    provider = LoopbackChat.with_base_url(server.url)
    name = secret_name("LoopbackChat", "api_key", server.url)
    await session.secrets.set(name, "sk-first")
    await session.reply(conversation(), provider, "m").run()
    assert server.requests[0]["headers"]["Authorization"] == "Bearer sk-first"
    assert await session.secrets.get(name) == "rotated-key"


async def test_server_error_fails_with_its_message(
    server: StreamServer, session: ChatSession
) -> None:
    server.fail_status = 500
    recorder = Recorder()
    message = await session.reply(
        conversation(), LoopbackChat.with_base_url(server.url), "m", observer=recorder
    ).run()
    assert message.state is MessageState.FAILED
    assert message.error is not None
    assert "HTTP 500" in message.error.sentence
    assert "Server exploded" in message.error.sentence
    assert recorder.events[-1][0] == "failed"


async def test_cut_stream_keeps_the_text_that_arrived(
    server: StreamServer, session: ChatSession
) -> None:
    server.cut_after = 2
    message = await session.reply(conversation(), LoopbackChat.with_base_url(server.url), "m").run()
    assert message.state is MessageState.FAILED
    assert message.content == "Hello there,"
    assert message.error is not None
    assert "closed in the middle of the reply" in message.error.sentence
    assert "kept" in message.error.sentence


async def test_cancel_stops_the_request_and_keeps_text(
    server: StreamServer, session: ChatSession
) -> None:
    server.reply = " ".join(f"w{i}" for i in range(200))
    server.delay = 0.05
    recorder = Recorder()
    reply = session.reply(
        conversation(), LoopbackChat.with_base_url(server.url), "m", observer=recorder
    )
    task = asyncio.create_task(reply.run())
    await recorder.first_text.wait()
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 0.1
    await asyncio.wait_for(server.disconnected.wait(), 2)
    assert reply.message.state is MessageState.CANCELLED
    assert reply.message.content.startswith("w0")
    assert recorder.events[-1] == ("cancelled", "")


async def test_a_cancel_before_the_task_ran_is_reported_once(
    server: StreamServer, session: ChatSession
) -> None:
    recorder = Recorder()
    reply = session.reply(
        conversation(), LoopbackChat.with_base_url(server.url), "m", observer=recorder
    )
    task = asyncio.create_task(reply.run())
    task.cancel()  # before the task's first step: run() never starts
    with pytest.raises(asyncio.CancelledError):
        await task
    assert recorder.events == []
    reply.cancelled_before_start()
    reply.cancelled_before_start()
    assert reply.message.state is MessageState.CANCELLED
    assert recorder.events == [("cancelled", "")]
    assert server.requests == []


async def test_cancelled_before_start_is_a_no_op_once_run_has_reported(
    server: StreamServer, session: ChatSession
) -> None:
    recorder = Recorder()
    reply = session.reply(
        conversation(), LoopbackChat.with_base_url(server.url), "m", observer=recorder
    )
    await reply.run()
    reply.cancelled_before_start()
    assert reply.message.state is MessageState.COMPLETE
    assert recorder.events[-1] == ("finished", "")


class Broken(AsyncGeneratorProvider):
    url = "http://127.0.0.1:9"

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        yield "partial "
        raise KeyError("choices")


async def test_a_provider_bug_reaches_the_user(session: ChatSession) -> None:
    message = await session.reply(conversation(), Broken, "m").run()
    assert message.state is MessageState.FAILED
    assert message.content == "partial "
    assert message.error is not None
    assert message.error.sentence == (
        "Broken failed unexpectedly. Try again, or pick another provider; if it "
        "keeps happening, report it to the provider's authors, with what Parley's log says "
        "of it. (KeyError('choices'))"
    )


async def test_history_follows_the_provider_flags(
    server: StreamServer, session: ChatSession
) -> None:
    chat = conversation("first", system="Be brief.")
    chat.add("assistant", "answer")
    chat.add("user", "second")
    base = LoopbackChat.with_base_url(server.url)
    await session.reply(chat, base, "m").run()
    sent = server.requests[-1]["body"]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]

    flat = type("Flat", (base,), {"supports_message_history": False})
    flat.supports_system_message = False
    await session.reply(chat, flat, "m").run()
    sent = server.requests[-1]["body"]["messages"]
    assert sent == [{"role": "user", "content": "Be brief.\n\nsecond"}]
