"""Gemini against its loopback emulator: the request it sends, the stream it reads, its errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat.conversation import Conversation, MessageState
from chat.credentials import credential_name
from chat.secrets import MemorySecretStore
from chat.session import ChatSession
from providers.contract import Context, Credentials, Options, Request
from providers.errors import (
    AuthenticationError,
    EmptyReplyError,
    IdleTimeoutError,
    MissingCredentialsError,
    NotFoundError,
    OverloadedError,
    ProviderError,
    ProviderNotWorkingError,
    RateLimitError,
    RefusedError,
)
from providers.gemini import GEMINI
from providers.http import Timeouts, new_client_session
from providers.types import Chunk, FinishReason, Reasoning, Usage
from tests.emulators.gemini import PROMPT_TOKENS, GeminiEmulator

MODEL = "gemini-2.5-flash"
REPLY = "Hello from the emulator."
HI = ({"role": "user", "content": "Hi"},)
PATH = f"/v1beta/models/{MODEL}:streamGenerateContent"
NO_OPTIONS = Options()


def context(key: str | None = GeminiEmulator.key, idle: float = 5) -> Context:
    return Context(credentials=Credentials(api_key=key), timeouts=Timeouts(connect=2, idle=idle))


async def collect(
    emu: GeminiEmulator,
    messages: tuple[dict[str, Any], ...] = HI,
    *,
    model: str = MODEL,
    options: Options = NO_OPTIONS,
    ctx: Context | None = None,
) -> list[Chunk]:
    provider = GEMINI.with_base_url(emu.base_url)
    request = Request(model, messages, options)
    return [c async for c in provider.stream(request, ctx or context())]


async def collect_until_error(
    emu: GeminiEmulator, **kwargs: Any
) -> tuple[list[Chunk], ProviderError]:
    chunks: list[Chunk] = []
    provider = GEMINI.with_base_url(emu.base_url)
    request = Request(kwargs.pop("model", MODEL), HI)
    try:
        async for chunk in provider.stream(request, kwargs.pop("ctx", None) or context()):
            chunks.append(chunk)
    except ProviderError as error:
        return chunks, error
    raise AssertionError(f"no error, and these chunks: {chunks}")


def text_of(chunks: list[Chunk]) -> str:
    return "".join(c for c in chunks if isinstance(c, str))


def typed(chunks: list[Chunk], kind: type[Any]) -> list[Any]:
    return [c for c in chunks if isinstance(c, kind)]


@pytest.fixture
async def session() -> AsyncIterator[ChatSession]:
    async with new_client_session() as http:
        yield ChatSession(MemorySecretStore(), http, timeouts=Timeouts(connect=2, idle=5))


# The happy stream, and what the service is sent.


async def test_streams_the_text_word_by_word_with_finish_and_usage() -> None:
    async with GeminiEmulator() as emu:
        chunks = await collect(emu)
    assert [c for c in chunks if isinstance(c, str)] == ["Hello ", "from ", "the ", "emulator."]
    assert chunks[-2:] == [FinishReason("stop"), Usage(PROMPT_TOKENS, 4, PROMPT_TOKENS + 4)]


async def test_sends_roles_system_instruction_and_generation_config() -> None:
    messages = (
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "How are you?"},
    )
    options = Options(
        temperature=0.2,
        top_p=0.9,
        max_tokens=100,
        seed=7,
        presence_penalty=0.1,
        frequency_penalty=0.3,
    )
    async with GeminiEmulator() as emu:
        assert text_of(await collect(emu, messages, options=options)) == REPLY
    (seen,) = emu.requests("POST", PATH)
    assert seen.json() == {
        "contents": [
            {"role": "user", "parts": [{"text": "Hi"}]},
            {"role": "model", "parts": [{"text": "Hello."}]},
            {"role": "user", "parts": [{"text": "How are you?"}]},
        ],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "generationConfig": {
            "temperature": 0.2,
            "topP": 0.9,
            "maxOutputTokens": 100,
            "seed": 7,
            "presencePenalty": 0.1,
            "frequencyPenalty": 0.3,
        },
    }
    assert seen.query == {"alt": "sse"}
    assert seen.headers["x-goog-api-key"] == emu.key
    assert emu.key not in seen.path
    assert "authorization" not in seen.headers


async def test_no_system_instruction_or_config_when_none_given() -> None:
    async with GeminiEmulator() as emu:
        await collect(emu)
    assert emu.requests("POST", PATH)[0].json() == {
        "contents": [{"role": "user", "parts": [{"text": "Hi"}]}]
    }


async def test_a_models_prefix_is_dropped_and_turns_of_one_role_are_joined() -> None:
    messages = ({"role": "user", "content": "One."}, {"role": "user", "content": "Two."})
    async with GeminiEmulator() as emu:
        assert text_of(await collect(emu, messages, model=f"models/{MODEL}")) == REPLY
    (seen,) = emu.requests("POST", PATH)
    assert seen.json()["contents"] == [
        {"role": "user", "parts": [{"text": "One."}, {"text": "Two."}]}
    ]


async def test_no_model_means_the_default_one() -> None:
    async with GeminiEmulator() as emu:
        await collect(emu, model="")
    assert emu.requests("POST", f"/v1beta/models/{GEMINI.default_model}:streamGenerateContent")


# The ways a stream ends.


async def test_thought_parts_are_reasoning_and_count_as_completion_tokens() -> None:
    async with GeminiEmulator("thinking") as emu:
        emu.script.reasoning = "Let me see."
        chunks = await collect(emu)
    assert [c.text for c in typed(chunks, Reasoning)] == ["Let ", "me ", "see."]
    assert chunks.index(Reasoning("Let ")) < chunks.index("Hello ")
    assert text_of(chunks) == REPLY
    assert typed(chunks, Usage) == [Usage(PROMPT_TOKENS, 4 + 3, PROMPT_TOKENS + 7)]


async def test_a_last_event_with_only_finish_and_usage() -> None:
    async with GeminiEmulator("final_only_finish") as emu:
        chunks = await collect(emu)
    assert text_of(chunks) == REPLY
    assert chunks[-2:] == [FinishReason("stop"), Usage(PROMPT_TOKENS, 4, PROMPT_TOKENS + 4)]


@pytest.mark.parametrize(
    ("quirk", "reason"),
    [
        ("safety", "safety"),
        ("recitation", "recitation"),
        ("prohibited", "prohibited_content"),
        ("blocklist", "blocklist"),
    ],
)
async def test_a_reply_stopped_by_the_rules_keeps_its_text(quirk: str, reason: str) -> None:
    async with GeminiEmulator(quirk) as emu:
        chunks = await collect(emu)
    assert text_of(chunks) == "Hello from "
    assert typed(chunks, FinishReason) == [FinishReason(reason)]


@pytest.mark.parametrize("quirk", ["safety", "recitation", "prohibited", "blocklist"])
async def test_a_reply_stopped_before_any_text_is_refused(quirk: str) -> None:
    async with GeminiEmulator(quirk) as emu:
        emu.script.reply = ""
        _, error = await collect_until_error(emu)
    assert isinstance(error, RefusedError)
    reason = {"prohibited": "PROHIBITED_CONTENT"}.get(quirk, quirk.upper())
    assert f"Google Gemini stopped the reply before any text ({reason})" in str(error)


async def test_a_blocked_prompt_is_a_clear_refusal() -> None:
    async with GeminiEmulator("prompt_blocked") as emu:
        chunks, error = await collect_until_error(emu)
    assert chunks == []
    assert isinstance(error, RefusedError)
    assert "Google Gemini blocked the prompt (SAFETY)" in str(error)
    assert error.kind == "refused"


async def test_an_error_midstream_keeps_the_text_before_it() -> None:
    async with GeminiEmulator("error_midstream") as emu:
        chunks, error = await collect_until_error(emu)
    assert chunks == ["Hello ", "from "]
    assert isinstance(error, OverloadedError)
    assert "The model is overloaded" in str(error)


async def test_an_error_in_the_same_read_as_text_keeps_the_text() -> None:
    text = {"candidates": [{"content": {"parts": [{"text": "Partial"}], "role": "model"}}]}
    failure = {"error": {"code": 500, "message": "Internal error.", "status": "INTERNAL"}}
    async with GeminiEmulator() as emu:
        emu.raw_body = b"".join(f"data: {json.dumps(v)}\r\n\r\n".encode() for v in (text, failure))
        chunks, error = await collect_until_error(emu)
    assert chunks == ["Partial"]
    assert error.status == 500
    assert "Internal error." in str(error)


async def test_max_tokens_is_length_and_an_empty_stream_is_an_empty_reply() -> None:
    value = {
        "candidates": [{"content": {"parts": [{"text": "Cut"}]}, "finishReason": "MAX_TOKENS"}]
    }
    async with GeminiEmulator() as emu:
        emu.raw_body = f"data: {json.dumps(value)}\r\n\r\n".encode()
        assert await collect(emu) == ["Cut", FinishReason("length")]
        emu.raw_body = b""
        _, error = await collect_until_error(emu)
    assert isinstance(error, EmptyReplyError)


async def test_a_silent_service_times_out_and_the_connection_is_closed() -> None:
    async with GeminiEmulator("hang") as emu:
        chunks, error = await collect_until_error(emu, ctx=context(idle=0.3))
        await asyncio.wait_for(emu.hung_up.wait(), 2)
    assert chunks == ["Hello ", "from "]
    assert isinstance(error, IdleTimeoutError)


# HTTP errors.


async def test_a_wrong_key_is_an_authentication_error() -> None:
    async with GeminiEmulator() as emu:
        _, error = await collect_until_error(emu, ctx=context("AIza-wrong"))
    assert isinstance(error, AuthenticationError)
    assert "API key not valid" in str(error)
    assert error.status == 400


async def test_no_key_is_asked_for_before_anything_is_sent() -> None:
    async with GeminiEmulator() as emu:
        _, error = await collect_until_error(emu, ctx=context(None))
    assert isinstance(error, MissingCredentialsError)
    assert "GEMINI_API_KEY" not in str(error)  # moved to the emulator: not its home
    assert emu.seen == []


async def test_an_unknown_model_is_not_found_and_named() -> None:
    async with GeminiEmulator() as emu:
        _, error = await collect_until_error(emu, model="gemini-9-ultra")
    assert isinstance(error, NotFoundError)
    assert error.status == 404
    assert "“gemini-9-ultra”" in str(error)
    assert "models/gemini-9-ultra is not found" in str(error)


async def test_rate_limit_and_unavailable_answers() -> None:
    exhausted = {
        "error": {"code": 429, "message": "Quota exceeded.", "status": "RESOURCE_EXHAUSTED"}
    }
    busy = {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}
    async with GeminiEmulator() as emu:
        emu.answer_with(429, json.dumps(exhausted), {"Retry-After": "3"}, times=1)
        _, limited = await collect_until_error(emu)
        emu.answer_with(503, json.dumps(busy), times=1)
        _, overloaded = await collect_until_error(emu)
    assert isinstance(limited, RateLimitError)
    assert limited.retry_after == 3
    assert "Quota exceeded." in str(limited)
    assert isinstance(overloaded, OverloadedError)
    assert overloaded.transient


async def test_a_redirect_is_not_followed_with_the_key() -> None:
    async with GeminiEmulator() as emu:
        emu.answer_with(307, "", {"Location": f"{emu.url}/elsewhere"}, times=1)
        _, error = await collect_until_error(emu)
    assert isinstance(error, ProviderNotWorkingError)
    assert "redirected the request (HTTP 307)" in str(error)
    assert [s.path for s in emu.seen] == [PATH]


# The model list.


async def test_lists_the_generating_models_of_every_page() -> None:
    async with GeminiEmulator("paged_models") as emu:
        provider = GEMINI.with_base_url(emu.base_url)
        assert await provider.list_models(context()) == list(emu.models)
    pages = emu.requests("GET", "/v1beta/models")
    assert len(pages) == 2
    assert "pageToken" not in pages[0].query
    assert pages[1].query["pageToken"]
    assert all(p.headers["x-goog-api-key"] == emu.key and "key" not in p.query for p in pages)


async def test_the_model_list_with_a_wrong_key() -> None:
    async with GeminiEmulator() as emu:
        provider = GEMINI.with_base_url(emu.base_url)
        with pytest.raises(AuthenticationError):
            await provider.list_models(context("AIza-wrong"))


# Through the chat session.


async def test_a_reply_through_the_session(session: ChatSession) -> None:
    chat = Conversation(system_prompt="Be brief.")
    chat.add("user", "Hi")
    async with GeminiEmulator("thinking") as emu:
        provider = GEMINI.with_base_url(emu.base_url)
        await session.secrets.set(credential_name(provider, "api_key"), emu.key)
        reply = session.reply(chat, provider, f"models/{MODEL}")
        message = await reply.run()
    assert message.state is MessageState.COMPLETE
    assert (message.content, message.finish_reason, message.note) == (REPLY, "stop", "")
    assert message.reasoning == "Thinking it over."
    body = emu.requests("POST", PATH)[0].json()
    assert body["systemInstruction"] == {"parts": [{"text": "Be brief."}]}


async def test_an_error_midstream_through_the_session(session: ChatSession) -> None:
    chat = Conversation()
    chat.add("user", "Hi")
    async with GeminiEmulator("error_midstream") as emu:
        provider = GEMINI.with_base_url(emu.base_url)
        await session.secrets.set(credential_name(provider, "api_key"), emu.key)
        message = await session.reply(chat, provider, MODEL).run()
    assert message.state is MessageState.FAILED
    assert message.content == "Hello from "
    assert message.error is not None
    assert message.error.kind == "overloaded"
    assert "overloaded" in message.error.sentence
    assert len(emu.requests("POST", PATH)) == 1  # text had come: no retry


async def test_a_safety_stop_through_the_session_says_why(session: ChatSession) -> None:
    chat = Conversation()
    chat.add("user", "Hi")
    async with GeminiEmulator("safety") as emu:
        provider = GEMINI.with_base_url(emu.base_url)
        await session.secrets.set(credential_name(provider, "api_key"), emu.key)
        message = await session.reply(chat, provider, MODEL).run()
    assert message.state is MessageState.COMPLETE
    assert (message.content, message.finish_reason) == ("Hello from ", "safety")
    assert "safety" in message.note


# Hostile bodies.

FINISHES = ["STOP", "MAX_TOKENS", "SAFETY", "OTHER", "", "FINISH_REASON_UNSPECIFIED"]
leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
json_values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)
parts = st.fixed_dictionaries(
    {"text": st.text(max_size=5) | json_values},
    optional={"thought": st.booleans() | json_values},
)
candidates = st.fixed_dictionaries(
    {},
    optional={
        "content": st.fixed_dictionaries({"parts": st.lists(parts, max_size=3) | json_values}),
        "finishReason": st.sampled_from(FINISHES) | json_values,
    },
)
responses = st.fixed_dictionaries(
    {},
    optional={
        "candidates": st.lists(candidates, max_size=2) | json_values,
        "usageMetadata": st.dictionaries(
            st.sampled_from(["promptTokenCount", "candidatesTokenCount", "totalTokenCount"]),
            json_values,
        ),
        "promptFeedback": st.fixed_dictionaries({"blockReason": json_values}),
        "error": json_values,
    },
)
events = (responses | json_values).map(lambda v: f"data: {json.dumps(v)}\r\n\r\n".encode())
bodies = st.lists(events | st.binary(max_size=40), max_size=6).map(b"".join)


@pytest.mark.fuzz
@given(bodies)
async def test_any_body_raises_only_provider_errors(body: bytes) -> None:
    async with GeminiEmulator() as emu:
        emu.raw_body = body
        try:
            chunks = await collect(emu)
        except ProviderError:
            return
    assert all(isinstance(c, str | Reasoning | FinishReason | Usage) for c in chunks)


@pytest.mark.parametrize(("effort", "budget"), [("low", 1024), ("medium", 8192), ("high", 24576)])
async def test_reasoning_effort_goes_as_a_thinking_budget(effort: str, budget: int) -> None:
    async with GeminiEmulator() as emu:
        chunks = await collect(emu, options=Options(reasoning_effort=effort, temperature=0.5))
    assert text_of(chunks) == REPLY
    (seen,) = emu.requests("POST", PATH)
    assert seen.json()["generationConfig"] == {
        "temperature": 0.5,
        "thinkingConfig": {"thinkingBudget": budget, "includeThoughts": True},
    }


async def test_an_effort_the_api_has_no_budget_for_is_not_sent() -> None:
    async with GeminiEmulator() as emu:
        await collect(emu, options=Options(reasoning_effort="extreme"))
    (seen,) = emu.requests("POST", PATH)
    assert "generationConfig" not in seen.json()


async def test_the_emulator_refuses_a_thinking_budget_the_api_refuses() -> None:
    from tests.emulators.gemini import _invalid_thinking

    assert _invalid_thinking({"thinkingBudget": 1024, "includeThoughts": True}) is None
    assert _invalid_thinking({"thinkingBudget": 99_999}) is not None
    assert _invalid_thinking({"thinkingBudget": "high"}) is not None
    assert _invalid_thinking({"budget": 3}) is not None
    assert _invalid_thinking("x") is not None
