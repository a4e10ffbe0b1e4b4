"""Real replies (ChatSession against a loopback server) streaming into a conversation that the
store follows: what the window does. Each ends on disk as it ended in memory, and while one
streams its text so far is on disk too."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from chat.conversation import Conversation, MessageState
from chat.secrets import MemorySecretStore
from chat.session import ChatSession, Reply, ReplyObserver
from chat.store import Store, StoreError
from chat.store.rows import load_conversation
from providers import AsyncGeneratorProvider
from providers.http import Timeouts, new_client_session
from providers.types import AnswerWasReasoning, Chunk, Messages, Reasoning
from tests.chat.streaming_server import Loopback, StreamServer

GENEROUS_S = 20.0


@pytest.fixture
def quick_store(problems: list[StoreError]) -> Iterator[Store]:
    """A store whose writer writes streamed pieces 10 ms after they arrive."""
    opened = Store.open(problem=problems.append, flush_seconds=0.01)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
async def session() -> AsyncIterator[ChatSession]:
    async with new_client_session() as http:
        yield ChatSession(MemorySecretStore(), http, timeouts=Timeouts(connect=5, idle=10))


class FirstText(ReplyObserver):
    def __init__(self) -> None:
        self.arrived = asyncio.Event()

    def reply_text(self, reply: Reply, text: str) -> None:
        self.arrived.set()


def followed(store: Store, question: str = "Hi") -> Conversation:
    conversation = Conversation()
    store.follow(conversation)
    conversation.add("user", question)
    return conversation


async def saved(store: Store, conversation: Conversation) -> Conversation:
    """``conversation`` as read back from disk once everything sent before is written."""
    await asyncio.wrap_future(store.submit(lambda db: None))
    loaded = await store.read(load_conversation, conversation.id)
    assert loaded is not None
    return loaded


def partials(path: Path) -> list[tuple[str, int, str]]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(
            "SELECT message_id, reasoning, text FROM partials ORDER BY num"
        ).fetchall()


async def test_a_complete_reply_is_saved_with_its_whole_record(
    quick_store: Store, session: ChatSession, server: StreamServer, problems: list[StoreError]
) -> None:
    conversation = followed(quick_store, "Say hello.")
    provider = Loopback.with_base_url(server.url)
    message = await session.reply(conversation, provider, "m1").run()
    loaded = await saved(quick_store, conversation)

    reply = loaded.messages[-1]
    assert reply == message  # every field, as it is in memory
    assert reply.state is MessageState.COMPLETE
    assert reply.content == "Hello there, friend."
    assert (reply.provider, reply.model) == (provider.get_name(), "m1")
    assert reply.finish_reason == "stop"
    assert reply.usage == {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}
    assert reply.first_token_s is not None
    assert reply.duration_s is not None
    assert 0 <= reply.first_token_s <= reply.duration_s
    assert [m.content for m in loaded.messages] == ["Say hello.", "Hello there, friend."]
    assert loaded.title == "Say hello."
    assert partials(quick_store.path) == []
    assert problems == []


async def test_a_streaming_reply_is_on_disk_as_far_as_it_came(
    quick_store: Store, session: ChatSession, server: StreamServer
) -> None:
    words = [f"w{i}" for i in range(400)]
    server.reply = " ".join(words)
    server.delay = 0.01
    conversation = followed(quick_store)
    reply = session.reply(conversation, Loopback.with_base_url(server.url), "m")
    task = asyncio.create_task(reply.run())
    try:
        for _ in range(int(GENEROUS_S / 0.01)):
            on_disk = "".join(text for _, _, text in partials(quick_store.path))
            if len(on_disk.split()) >= 3:
                break
            await asyncio.sleep(0.01)
        assert server.reply.startswith(on_disk), "the text on disk is not what arrived"
        assert len(on_disk.split()) >= 3, f"only {on_disk!r} on disk after {GENEROUS_S} s"
        row = await quick_store.read(
            lambda db: db.execute(
                "SELECT state, owner FROM messages WHERE id = ?", (reply.message.id,)
            ).fetchone()
        )
        assert row[0] == "streaming"
        assert row[1]  # this Parley's, so that another does not take it as left behind
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_a_failed_reply_is_saved_with_its_typed_error(
    quick_store: Store, session: ChatSession, server: StreamServer
) -> None:
    server.fail_status = 500
    conversation = followed(quick_store)
    message = await session.reply(conversation, Loopback.with_base_url(server.url), "m").run()
    reply = (await saved(quick_store, conversation)).messages[-1]
    assert reply.state is MessageState.FAILED
    assert reply.error is not None
    assert reply.error == message.error
    assert reply.error.status == 500
    assert reply.error.kind == message.error.kind
    assert "HTTP 500" in reply.error.sentence
    assert reply == message


async def test_a_reply_cut_midway_keeps_its_text_and_error(
    quick_store: Store, session: ChatSession, server: StreamServer
) -> None:
    server.cut_after = 2
    conversation = followed(quick_store)
    message = await session.reply(conversation, Loopback.with_base_url(server.url), "m").run()
    reply = (await saved(quick_store, conversation)).messages[-1]
    assert (reply.state, reply.content) == (MessageState.FAILED, "Hello there,")
    assert reply.error == message.error
    assert partials(quick_store.path) == []


async def test_a_cancelled_reply_is_saved_with_its_partial_text(
    quick_store: Store, session: ChatSession, server: StreamServer
) -> None:
    server.reply = " ".join(f"w{i}" for i in range(200))
    server.delay = 0.05
    observer = FirstText()
    conversation = followed(quick_store)
    reply = session.reply(conversation, Loopback.with_base_url(server.url), "m", observer=observer)
    task = asyncio.create_task(reply.run())
    await asyncio.wait_for(observer.arrived.wait(), GENEROUS_S)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    loaded = (await saved(quick_store, conversation)).messages[-1]
    assert loaded.state is MessageState.CANCELLED
    assert loaded.content == reply.message.content
    assert loaded.content.startswith("w0")
    assert server.reply.startswith(loaded.content)
    assert loaded.duration_s is not None
    assert loaded == reply.message
    assert partials(quick_store.path) == []


# -- what a Parley killed mid-reply leaves, read by the next one


class Thinking(AsyncGeneratorProvider):
    """A model whose answer turns out to have been its reasoning (``</think>`` came with no
    ``<think>``, as LM Studio's templates do), then answers, then hangs until cancelled."""

    url = "http://127.0.0.1:9"
    working = True
    answered: asyncio.Event

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        yield "Let me "
        yield "think."
        yield AnswerWasReasoning()
        yield Reasoning(" Done.")
        yield "The answer."
        cls.answered.set()
        await asyncio.sleep(GENEROUS_S * 10)


def left_by_a_killed_parley(store: Store, into: Path) -> Path:
    """A copy of ``store``'s database as it is on disk now: what a Parley killed at this
    moment leaves (its owner's lock is not beside the copy, so its replies are left behind)."""
    into.mkdir()
    copy = into / "parley.db"
    with closing(sqlite3.connect(store.path)) as source, closing(sqlite3.connect(copy)) as target:
        source.backup(target)
    return copy


async def test_a_reply_left_streaming_comes_back_interrupted_with_its_text(
    quick_store: Store, session: ChatSession, server: StreamServer, tmp_path: Path
) -> None:
    server.reply = " ".join(f"w{i}" for i in range(400))
    server.delay = 0.01
    observer = FirstText()
    conversation = followed(quick_store)
    reply = session.reply(conversation, Loopback.with_base_url(server.url), "m", observer=observer)
    task = asyncio.create_task(reply.run())
    try:
        await asyncio.wait_for(observer.arrived.wait(), GENEROUS_S)
        await asyncio.sleep(0.2)
        await asyncio.wrap_future(quick_store.submit(lambda db: None))
        copy = left_by_a_killed_parley(quick_store, tmp_path / "left")
        sent = reply.text
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    recovered = await asyncio.to_thread(_recovered, copy, conversation.id)
    message = recovered.messages[-1]
    assert message.state is MessageState.INTERRUPTED
    assert message.content  # written by the barrier, if not by the clock
    assert sent.startswith(message.content)


async def test_a_recovered_reply_whose_answer_became_reasoning_keeps_them_apart(
    quick_store: Store, session: ChatSession, tmp_path: Path
) -> None:
    Thinking.answered = asyncio.Event()
    conversation = followed(quick_store)
    reply = session.reply(conversation, Thinking, "m")
    task = asyncio.create_task(reply.run())
    try:
        await asyncio.wait_for(Thinking.answered.wait(), GENEROUS_S)
        await asyncio.wrap_future(quick_store.submit(lambda db: None))
        copy = left_by_a_killed_parley(quick_store, tmp_path / "left")
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert (reply.message.reasoning, reply.message.content) == (
        "Let me think. Done.",
        "The answer.",
    )
    recovered = (await asyncio.to_thread(_recovered, copy, conversation.id)).messages[-1]
    assert recovered.state is MessageState.INTERRUPTED
    assert (recovered.reasoning, recovered.content) == ("Let me think. Done.", "The answer.")


def _recovered(path: Path, conversation_id: str) -> Conversation:
    problems: list[StoreError] = []
    store = Store.open(path, problem=problems.append)
    try:
        assert store.recovered.result(timeout=GENEROUS_S) == 1
        loaded = store.read_now(load_conversation, conversation_id)
    finally:
        store.close()
    assert problems == []
    assert loaded is not None
    return loaded
