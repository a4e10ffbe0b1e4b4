"""Auto: the enabled providers in order, the next one only on a failure before any text."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import pytest

from chat.auto import SKIP_SECONDS, Auto, ProviderHealth, make_auto
from chat.cli import EXIT_OK, main
from chat.conversation import Conversation, Message, MessageState
from chat.credentials import configured
from chat.secrets import MemorySecretStore
from chat.session import ChatSession
from chat.settings import Settings
from providers.contract import Provider
from providers.presets import LM_STUDIO, OPENAI, VLLM
from tests.emulators.openai import OpenAIEmulator

REPLY = "Hello from the emulator."


@pytest.fixture
async def servers() -> AsyncIterator[tuple[OpenAIEmulator, OpenAIEmulator]]:
    async with OpenAIEmulator("keyless") as first, OpenAIEmulator("keyless") as second:
        yield first, second


def local(name: str, emulator: OpenAIEmulator) -> Provider:
    return dataclasses.replace(LM_STUDIO, name=name, label=name, url=emulator.base_url)


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


async def ask(auto: Auto, session: ChatSession | None = None) -> Message:
    conversation = Conversation()
    conversation.add("user", "hi")
    session = session or ChatSession(MemorySecretStore(), retry_delay=0.01)
    return await session.reply(conversation, auto.configured_with(None), "").run()


async def test_a_failure_before_any_text_falls_back_to_the_next(
    servers: tuple[OpenAIEmulator, OpenAIEmulator],
) -> None:
    first, second = servers
    first.answer_with(401, '{"error": {"message": "no"}}')
    message = await ask(make_auto([local("One", first), local("Two", second)]))
    assert message.state is MessageState.COMPLETE
    assert (message.content, message.provider, message.model) == (REPLY, "Two", "test-model")
    assert len(first.requests("POST", "/v1/chat/completions")) == 1


async def test_no_fallback_once_text_has_arrived(
    servers: tuple[OpenAIEmulator, OpenAIEmulator],
) -> None:
    first, second = servers
    first.quirks.add("error_midstream")
    message = await ask(make_auto([local("One", first), local("Two", second)]))
    assert message.state is MessageState.FAILED
    assert (message.content, message.provider) == ("Hello from ", "One")
    assert second.seen == []


async def test_when_all_fail_one_message_lists_each_with_its_error(
    servers: tuple[OpenAIEmulator, OpenAIEmulator],
) -> None:
    first, second = servers
    first.answer_with(401, '{"error": {"message": "bad key"}}')
    second.answer_with(500, "Internal Server Error: exploded")
    message = await ask(make_auto([local("One", first), local("Two", second)]))
    assert message.state is MessageState.FAILED
    assert message.error is not None
    assert message.error.kind == "all_failed"
    lines = message.error.sentence.splitlines()
    assert lines[0] == "Auto: Every provider Auto tried failed:"
    assert lines[1].startswith("• One: One: The API key was rejected (HTTP 401): bad key")
    assert lines[2].startswith("• Two: Two: The service answered HTTP 500")


async def test_a_provider_that_failed_three_times_is_skipped_for_a_minute(
    servers: tuple[OpenAIEmulator, OpenAIEmulator],
) -> None:
    first, second = servers
    first.answer_with(401, '{"error": {"message": "no"}}')
    clock = Clock()
    session = ChatSession(MemorySecretStore())
    session.health = ProviderHealth(clock)
    auto = make_auto([local("One", first), local("Two", second)])
    for _ in range(4):
        assert (await ask(auto, session)).provider == "Two"
    assert len(first.requests("POST", "/v1/chat/completions")) == 3  # the 4th skipped it
    clock.now += SKIP_SECONDS
    first.status_reply = None  # it works again
    assert (await ask(auto, session)).provider == "One"


async def test_the_users_order_is_kept_and_unknown_names_left_out() -> None:
    auto = make_auto([OPENAI, LM_STUDIO, VLLM], "vLLM, nope, OpenAI,vllm")
    assert [p.name for p in auto.members] == ["vLLM", "OpenAI"]


async def test_with_no_order_local_servers_come_first() -> None:
    auto = make_auto([OPENAI, LM_STUDIO])
    assert [p.name for p in auto.members] == ["LMStudio", "OpenAI"]


async def test_each_member_is_configured_with_its_own_settings(tmp_path: object) -> None:
    settings = Settings()
    settings.set_provider("LMStudio", "base_url", "http://127.0.0.1:4321/v1")
    settings.set_provider("LMStudio", "model", "qwen")
    auto = configured(make_auto([LM_STUDIO]), settings).provider
    assert isinstance(auto, Auto)
    (candidate,) = auto.candidates
    assert (candidate.provider.url, candidate.model) == ("http://127.0.0.1:4321/v1", "qwen")


async def test_parley_ask_auto_says_who_answered(
    servers: tuple[OpenAIEmulator, OpenAIEmulator], capsys: pytest.CaptureFixture[str]
) -> None:
    first, _ = servers
    settings = Settings.load()
    settings.set("auto_providers", "vLLM, OpenAICompatible")
    settings.set_provider("OpenAICompatible", "base_url", first.base_url)
    settings.set_provider("vLLM", "base_url", "http://127.0.0.1:9/v1")  # nothing there
    settings.save()
    code = await asyncio.to_thread(main, ["ask", "-p", "auto", "hi"])
    out, err = capsys.readouterr()
    assert (code, out) == (EXIT_OK, REPLY)
    assert err == "parley: answered by OpenAI-compatible (test-model).\n"
