"""Continuing a reply that was cut off, against a loopback server: what is sent, where the
new text goes, and that a failure on the way loses none of the old text."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chat.conversation import Conversation, MessageState
from chat.secrets import MemorySecretStore
from chat.session import CONTINUE, ChatSession, finish_note
from providers.http import Timeouts, new_client_session
from tests.chat.streaming_server import Loopback, StreamServer


@pytest.fixture
async def session() -> AsyncIterator[ChatSession]:
    async with new_client_session() as http:
        yield ChatSession(MemorySecretStore(), http, timeouts=Timeouts(connect=5, idle=10))


def cut_off(conversation: Conversation) -> None:
    conversation.add("user", "Count to six.")
    conversation.add(
        "assistant",
        "One two three",
        state=MessageState.COMPLETE,
        finish_reason="length",
        note=finish_note(Loopback.with_base_url("http://127.0.0.1:9")(), "length"),
        provider="Loopback",
    )


async def test_the_model_is_asked_to_go_on_and_its_words_join_the_same_reply(
    session: ChatSession, server: StreamServer
) -> None:
    server.reply = "four five six."
    conversation = Conversation(system_prompt="Be terse.")
    cut_off(conversation)
    partial = conversation.messages[-1]
    provider = Loopback.with_base_url(server.url)
    reply = session.reply(conversation, provider, "m1", continuing=partial)
    message = await reply.run()
    assert message is partial
    assert conversation.messages == [conversation.messages[0], partial]  # no new message
    assert server.requests[-1]["body"]["messages"] == [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "Count to six."},
        {"role": "assistant", "content": "One two three"},
        {"role": "user", "content": CONTINUE},
    ]
    assert message.content == "One two threefour five six."
    assert (message.state, message.finish_reason, message.note) == (
        MessageState.COMPLETE,
        "stop",
        "",
    )


async def test_a_continuation_that_fails_keeps_the_text_from_before(
    session: ChatSession, server: StreamServer
) -> None:
    server.reply = "four five six."
    server.cut_after = 1
    conversation = Conversation()
    cut_off(conversation)
    partial = conversation.messages[-1]
    provider = Loopback.with_base_url(server.url)
    message = await session.reply(conversation, provider, "m1", continuing=partial).run()
    assert message.state is MessageState.FAILED
    assert message.content == "One two threefour"
    assert message.error is not None


async def test_a_service_without_history_gets_the_reply_so_far_in_the_question(
    session: ChatSession, server: StreamServer
) -> None:
    class Forgetful(Loopback):
        supports_message_history = False

    conversation = Conversation()
    cut_off(conversation)
    provider = Forgetful.with_base_url(server.url)
    await session.reply(conversation, provider, "m1", continuing=conversation.messages[-1]).run()
    (sent,) = server.requests[-1]["body"]["messages"]
    assert sent["role"] == "user"
    assert sent["content"].startswith("Count to six.\n\n")
    assert "One two three" in sent["content"]
    assert sent["content"].endswith(CONTINUE)
