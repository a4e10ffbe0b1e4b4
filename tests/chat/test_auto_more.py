"""Auto's parts one by one: its members, their configuration, the health count, its errors."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from chat.auto import Candidate, ProviderHealth, all_failed, make_auto
from chat.conversation import Conversation, MessageState, ReplyError
from chat.secrets import MemorySecretStore
from chat.session import ChatSession
from chat.settings import Settings
from providers.contract import Context, Provider, Request
from providers.errors import InvalidBaseUrlError, ProviderError
from providers.presets import LM_STUDIO, OPENAI, OPENAI_COMPATIBLE, VLLM
from providers.types import Chunk


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Pinned(Provider):
    """A service reachable at one address only: another base URL is refused."""

    def with_base_url(self, base_url: str) -> Provider:
        raise InvalidBaseUrlError(f"{self.name} answers only at {self.url}.", provider=self.name)

    async def stream(self, request: Request, context: Context) -> AsyncIterator[Chunk]:
        yield "unused"


def test_auto_is_one_streaming_provider_named_auto_with_no_address() -> None:
    auto = make_auto([OPENAI])
    assert (auto.name, auto.get_label(), auto.url, auto.supports_stream) == (
        "Auto",
        "Auto (first that answers)",
        "",
        True,
    )
    assert (auto.members, auto.candidates) == ((OPENAI,), ())


def test_with_no_order_only_working_listed_servers_with_an_address_are_members() -> None:
    broken = dataclasses.replace(LM_STUDIO, name="Broken", working=False)
    nowhere = dataclasses.replace(OPENAI_COMPATIBLE, name="Nowhere", url="")
    fixed = Pinned(name="Fixed", url="http://127.0.0.1:9/v1", local=True)
    inner = make_auto([VLLM])
    auto = make_auto([OPENAI, broken, nowhere, fixed, inner, VLLM, LM_STUDIO])
    assert [p.name for p in auto.members] == ["vLLM", "LMStudio", "OpenAI"]


def test_an_order_names_members_in_any_case_once_each_and_never_auto() -> None:
    inner = make_auto([VLLM])
    auto = make_auto([OPENAI, LM_STUDIO, inner], " lmstudio ,, AUTO, OpenAI, LMStudio ")
    assert auto.members == (LM_STUDIO, OPENAI)


def test_without_settings_each_member_is_tried_as_it_is_with_its_default_model() -> None:
    auto = make_auto([LM_STUDIO, OPENAI], "LMStudio, OpenAI").configured_with(None)
    assert auto.candidates == (Candidate(LM_STUDIO, None, ""), Candidate(OPENAI, None, ""))
    assert auto.members == (LM_STUDIO, OPENAI)


def test_each_member_gets_its_saved_address_proxy_and_model_and_a_bad_one_is_left_out() -> None:
    pinned = Pinned(name="Pinned", url="http://127.0.0.1:9/v1")
    settings = Settings()
    settings.set_provider("Pinned", "base_url", "http://127.0.0.1:10/v1")
    settings.set_provider("LMStudio", "base_url", "http://127.0.0.1:4321/v1")
    settings.set_provider("LMStudio", "proxy", "http://127.0.0.1:3128")
    settings.set_provider("LMStudio", "model", "qwen")
    auto = make_auto([pinned, LM_STUDIO, OPENAI], "Pinned, LMStudio, OpenAI")
    configured = auto.configured_with(settings)
    assert configured.candidates == (
        Candidate(
            LM_STUDIO.with_base_url("http://127.0.0.1:4321/v1"), "http://127.0.0.1:3128", "qwen"
        ),
        Candidate(OPENAI, None, ""),
    )
    assert (configured.name, configured.members) == ("Auto", auto.members)


async def test_auto_asked_directly_says_it_runs_only_through_the_chat_session() -> None:
    auto = make_auto([OPENAI])
    with pytest.raises(ProviderError) as caught:
        async for _ in auto.stream(Request("m", ()), Context()):
            pass
    assert str(caught.value) == (
        "Auto: Auto tries other providers and runs only through the chat session."
    )


def test_a_provider_is_skipped_after_three_failures_in_a_row_for_a_minute() -> None:
    clock = Clock()
    health = ProviderHealth(clock)
    assert health.usable("One")
    health.failed("One")
    health.failed("One")
    assert health.usable("One")
    health.failed("One")
    assert (health.usable("One"), health.usable("Two")) == (False, True)
    clock.now += 59.9
    assert not health.usable("One")
    clock.now += 0.1
    assert health.usable("One")


def test_a_minute_is_counted_from_the_last_failure() -> None:
    clock = Clock()
    health = ProviderHealth(clock)
    for _ in range(3):
        health.failed("One")
        clock.now += 50
    assert not health.usable("One")  # 50 s after the third
    health.failed("One")
    clock.now += 59
    assert not health.usable("One")


def test_a_success_forgets_the_failures() -> None:
    health = ProviderHealth(Clock())
    for _ in range(3):
        health.failed("One")
        health.failed("Two")
    health.succeeded("One")
    health.succeeded("Never failed")
    assert (health.usable("One"), health.usable("Two")) == (True, False)
    health.failed("One")
    health.failed("One")
    assert health.usable("One")


def test_an_auto_with_no_providers_says_where_to_set_them() -> None:
    error = all_failed(make_auto([]), [], [])
    assert (error.kind, error.provider) == ("all_failed", "Auto")
    assert str(error) == (
        "Auto: Auto has no providers to try. Set the providers it tries, in order, as "
        "auto_providers in the settings."
    )


def test_when_every_provider_fails_each_is_listed_with_its_own_error_then_the_skipped() -> None:
    auto = make_auto([LM_STUDIO, OPENAI], "LMStudio, OpenAI").configured_with(None)
    error = all_failed(auto, [(LM_STUDIO, "LMStudio: Not running")], ["OpenAI", "vLLM"])
    assert (error.kind, error.provider) == ("all_failed", "Auto")
    assert str(error) == (
        "Auto: Every provider Auto tried failed:\n"
        "• LM Studio (local): LMStudio: Not running\n"
        "• OpenAI: skipped, it failed 3 times in a row\n"
        "• vLLM: skipped, it failed 3 times in a row.\n"
        "Fix the first one (a key, a server to start), or try again in a minute."
    )


async def test_a_reply_through_an_auto_with_no_providers_fails_with_that_sentence() -> None:
    conversation = Conversation()
    conversation.add("user", "hi")
    session = ChatSession(MemorySecretStore())
    message = await session.reply(conversation, make_auto([]).configured_with(None), "").run()
    assert message.state is MessageState.FAILED
    assert message.error == ReplyError(
        "all_failed",
        "Auto: Auto has no providers to try. Set the providers it tries, in order, as "
        "auto_providers in the settings.",
        "Auto",
    )
