"""OpenAICompatible against a strict loopback emulator, with each way real servers differ."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chat.conversation import Conversation, Message, MessageState, ReplyError
from chat.secrets import MemorySecretStore
from chat.session import ChatSession, Reply, ReplyObserver
from providers.contract import Context, Credentials, Options, Request
from providers.errors import (
    AuthenticationError,
    ContextLengthError,
    EmptyReplyError,
    ErrorKind,
    InvalidBaseUrlError,
    MissingCredentialsError,
    NotFoundError,
    ProviderError,
    RateLimitError,
    ResponseStatusError,
    UnsupportedOptionError,
)
from providers.http import new_client_session
from providers.openai_compat import EMPTY_REPLY, OpenAICompatible
from providers.presets import MISTRAL, OPENAI, OPENAI_COMPATIBLE
from providers.types import AnswerWasReasoning, Chunk, FinishReason, Reasoning, Usage
from tests.emulators.openai import OpenAIEmulator
from tests.support.stored_keys import store_with_key

HI = ({"role": "user", "content": "hi"},)
REPLY = "Hello from the emulator."


@pytest.fixture
async def emulator() -> AsyncIterator[OpenAIEmulator]:
    async with OpenAIEmulator() as emulator:
        yield emulator


def at(emulator: OpenAIEmulator, provider: OpenAICompatible = OPENAI) -> OpenAICompatible:
    moved = provider.with_base_url(emulator.base_url)
    assert isinstance(moved, OpenAICompatible)
    return moved


def keyed(emulator: OpenAIEmulator) -> Context:
    return Context(credentials=Credentials(api_key=emulator.key))


async def chunks(
    emulator: OpenAIEmulator,
    *quirks: str,
    request: Request | None = None,
    provider: OpenAICompatible = OPENAI,
) -> list[Chunk]:
    emulator.quirks.update(quirks)
    request = request or Request("test-model", HI)
    return [chunk async for chunk in at(emulator, provider).stream(request, keyed(emulator))]


def text(received: list[Chunk]) -> str:
    return "".join(chunk for chunk in received if isinstance(chunk, str))


def reasoning(received: list[Chunk]) -> str:
    return "".join(chunk.text for chunk in received if isinstance(chunk, Reasoning))


async def test_a_reply_streams_with_its_finish_reason_and_usage(emulator: OpenAIEmulator) -> None:
    received = await chunks(emulator)
    assert text(received) == REPLY
    assert received[-2:] == [FinishReason("stop"), Usage(9, 12, 21)]


async def test_the_request_is_what_the_api_documents(emulator: OpenAIEmulator) -> None:
    request = Request(
        "test-model",
        ({"role": "system", "content": "Be brief."}, *HI),
        Options(temperature=0.2, max_tokens=50),
    )
    await chunks(emulator, request=request)
    (seen,) = emulator.requests("POST", "/v1/chat/completions")
    assert seen.headers["Authorization"] == f"Bearer {emulator.key}"
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.json() == {
        "model": "test-model",
        "messages": [{"role": "system", "content": "Be brief."}, *HI],
        "stream": True,
        "stream_options": {"include_usage": True},
        "temperature": 0.2,
        "max_tokens": 50,
    }


async def test_reasoning_fields_of_a_history_never_go_to_the_server(
    emulator: OpenAIEmulator,
) -> None:
    history = (
        *HI,
        {"role": "assistant", "content": "a", "reasoning": "r", "signature": "s"},
        {"role": "user", "content": "again"},
    )
    assert text(await chunks(emulator, request=Request("test-model", history))) == REPLY


@pytest.mark.parametrize(
    "quirks",
    [
        ("usage_every_chunk",),
        ("groq_usage",),
        ("comments",),
        ("no_space",),
        ("crlf",),
        ("custom_events",),
        ("comments", "no_space", "crlf", "custom_events"),
    ],
)
async def test_what_real_servers_send_gives_the_same_reply(
    emulator: OpenAIEmulator, quirks: tuple[str, ...]
) -> None:
    received = await chunks(emulator, *quirks)
    assert text(received) == REPLY
    assert received[-2:] == [FinishReason("stop"), Usage(9, 12, 21)]


@pytest.mark.parametrize("quirk", ["reasoning_content", "reasoning", "think_inline"])
async def test_reasoning_is_told_apart_from_the_answer(
    emulator: OpenAIEmulator, quirk: str
) -> None:
    emulator.script.reasoning = "Let me think about it."
    received = await chunks(emulator, quirk)
    assert text(received).strip() == REPLY
    assert reasoning(received).strip() == "Let me think about it."
    assert not any(isinstance(chunk, AnswerWasReasoning) for chunk in received)


async def test_reasoning_without_its_opening_tag_is_taken_back(emulator: OpenAIEmulator) -> None:
    emulator.script.reasoning = "Let me think about it."
    received = await chunks(emulator, "think_unopened")
    taken = received.index(AnswerWasReasoning())
    assert text(received[:taken]).strip() == "Let me think about it."
    assert text(received[taken:]).strip() == REPLY


async def test_reasoning_without_its_opening_tag_ends_as_reasoning_in_the_message(
    emulator: OpenAIEmulator,
) -> None:
    emulator.script.reasoning = "Let me think about it."
    emulator.quirks.add("think_unopened")
    message = await _reply(emulator)
    assert message.content.strip() == REPLY
    assert "Let me think about it." in message.reasoning


@pytest.mark.parametrize("quirk", ["empty_finish", "no_finish", "no_done"])
async def test_a_stream_that_ends_loosely_still_completes(
    emulator: OpenAIEmulator, quirk: str
) -> None:
    received = await chunks(emulator, quirk)
    assert text(received) == REPLY
    reasons = [chunk for chunk in received if isinstance(chunk, FinishReason)]
    assert reasons == ([] if quirk in ("empty_finish", "no_finish") else [FinishReason("stop")])


async def test_a_content_filter_stop_is_shown_as_such(emulator: OpenAIEmulator) -> None:
    emulator.quirks.add("content_filter")
    message = await _reply(emulator)
    assert message.state is MessageState.COMPLETE
    assert message.finish_reason == "content_filter"
    assert "content filter" in message.note


async def test_an_error_inside_a_200_stream_keeps_the_text_so_far(
    emulator: OpenAIEmulator,
) -> None:
    emulator.quirks.add("error_midstream")
    message = await _reply(emulator)
    assert message.state is MessageState.FAILED
    assert message.content == "Hello from "
    assert message.error is not None
    assert "Upstream provider error" in message.error.sentence
    assert message.error.status == 502


async def test_an_empty_200_stream_says_the_context_may_be_too_long(
    emulator: OpenAIEmulator,
) -> None:
    with pytest.raises(EmptyReplyError) as caught:
        await chunks(emulator, "empty_stream")
    assert EMPTY_REPLY in str(caught.value)
    assert caught.value.kind is ErrorKind.EMPTY


CONTEXT_ERROR = (
    '{"error": {"message": "This model\'s maximum context length is 8192 tokens. However, '
    'your messages resulted in 9000 tokens.", "type": "invalid_request_error", '
    '"code": "context_length_exceeded"}}'
)


@pytest.mark.parametrize(
    ("status", "body", "headers", "error", "words"),
    [
        (403, '{"error": {"message": "Forbidden"}}', {}, AuthenticationError, "Access was refused"),
        (413, "Request Entity Too Large", {}, ContextLengthError, "too large"),
        (400, CONTEXT_ERROR, {}, ContextLengthError, "longer than the model's context"),
        (429, '{"error": {"message": "Slow down"}}', {"Retry-After": "20"}, RateLimitError, "20"),
        (500, "Internal Server Error: boom", {}, ResponseStatusError, "boom"),
        (502, "<html><title>502 Bad Gateway</title></html>", {}, ResponseStatusError, "Bad Gate"),
        (503, "Service Unavailable", {}, ResponseStatusError, "HTTP 503"),
    ],
)
async def test_http_errors_say_what_happened(
    emulator: OpenAIEmulator,
    status: int,
    body: str,
    headers: dict[str, str],
    error: type[ProviderError],
    words: str,
) -> None:
    emulator.answer_with(status, body, headers)
    with pytest.raises(error) as caught:
        await chunks(emulator)
    assert words in str(caught.value)
    assert caught.value.status == status


async def test_a_wrong_key_is_refused_in_the_services_words(emulator: OpenAIEmulator) -> None:
    provider = at(emulator)
    context = Context(credentials=Credentials(api_key="sk-wrong-1234"))
    with pytest.raises(AuthenticationError) as caught:
        [chunk async for chunk in provider.stream(Request("test-model", HI), context)]
    assert "Incorrect API key provided: sk-...1234" in str(caught.value)
    assert "Check the key for OpenAI" in str(caught.value)


async def test_a_service_preset_without_a_key_says_where_to_add_one(
    emulator: OpenAIEmulator,
) -> None:
    with pytest.raises(MissingCredentialsError) as caught:
        [chunk async for chunk in OPENAI.stream(Request("test-model", HI), Context())]
    assert str(caught.value).startswith("OpenAI: An API key is needed. Add the key for OpenAI")
    assert "OPENAI_API_KEY" in str(caught.value)
    assert emulator.seen == []


async def test_an_unknown_model_is_named(emulator: OpenAIEmulator) -> None:
    with pytest.raises(NotFoundError) as caught:
        await chunks(emulator, request=Request("gpt-9", HI))
    assert str(caught.value).startswith("OpenAI: There is no model “gpt-9” here, or no path")
    assert "does not exist" in str(caught.value)


async def test_models_are_listed_from_the_server(emulator: OpenAIEmulator) -> None:
    assert await at(emulator).list_models(keyed(emulator)) == ["test-model", "other-model"]


async def test_a_keyless_local_server_needs_no_key_and_picks_its_first_model(
    emulator: OpenAIEmulator,
) -> None:
    emulator.quirks.add("keyless")
    provider = at(emulator, OPENAI_COMPATIBLE)
    received = [chunk async for chunk in provider.stream(Request("", HI), Context())]
    assert text(received) == REPLY
    (seen,) = emulator.requests("POST", "/v1/chat/completions")
    assert seen.json()["model"] == "test-model"
    assert "Authorization" not in seen.headers


async def test_the_generic_entry_without_a_base_url_says_to_give_one() -> None:
    with pytest.raises(InvalidBaseUrlError) as caught:
        [chunk async for chunk in OPENAI_COMPATIBLE.stream(Request("m", HI), Context())]
    assert "--base-url" in str(caught.value)


async def test_a_server_that_refuses_stream_options_is_not_sent_them(
    emulator: OpenAIEmulator,
) -> None:
    received = await chunks(emulator, "strict_fields", provider=MISTRAL)
    assert text(received) == REPLY
    with pytest.raises(ResponseStatusError, match="Extra inputs are not permitted"):
        await chunks(emulator, provider=OPENAI)


async def test_extra_headers_of_an_endpoint_are_sent(emulator: OpenAIEmulator) -> None:
    provider = at(emulator)
    context = Context(credentials=Credentials(api_key=emulator.key, headers={"X-Team": "blue"}))
    [chunk async for chunk in provider.stream(Request("test-model", HI), context)]
    assert emulator.seen[-1].headers["X-Team"] == "blue"


async def _reply(emulator: OpenAIEmulator) -> Message:
    conversation = Conversation()
    conversation.add("user", "hi")
    async with new_client_session() as http:
        provider = at(emulator)
        session = ChatSession(await store_with_key(provider, "test-key"), http)
        return await session.reply(conversation, provider, "test-model").run()


async def test_an_option_the_provider_cannot_send_is_refused_before_sending(
    emulator: OpenAIEmulator,
) -> None:
    conversation = Conversation()
    conversation.add("user", "hi")
    session = ChatSession(MemorySecretStore())
    provider = MISTRAL.with_base_url(emulator.base_url)
    message = await session.reply(conversation, provider, "test-model", options={"seed": 3}).run()
    assert message.state is MessageState.FAILED
    assert message.error is not None
    assert message.error.kind == ErrorKind.UNSUPPORTED_OPTION
    assert "does not support the option seed" in message.error.sentence
    assert emulator.seen == []
    assert UnsupportedOptionError.kind == ErrorKind.UNSUPPORTED_OPTION


class Watcher(ReplyObserver):
    def __init__(self) -> None:
        self.retries: list[tuple[str, float]] = []

    def reply_retrying(self, reply: Reply, error: ReplyError, delay: float) -> None:
        self.retries.append((error.kind, delay))


async def _watched(emulator: OpenAIEmulator) -> tuple[Message, Watcher]:
    conversation = Conversation()
    conversation.add("user", "hi")
    watcher = Watcher()
    provider = at(emulator)
    session = ChatSession(await store_with_key(provider, "test-key"), retry_delay=0.01)
    reply = session.reply(conversation, provider, "test-model", observer=watcher)
    return await reply.run(), watcher


@pytest.mark.parametrize(
    ("status", "headers", "delay"),
    [(503, {}, 0.01), (502, {}, 0.01), (529, {}, 0.01), (429, {"Retry-After": "0"}, 0.01)],
)
async def test_a_transient_failure_before_any_text_is_tried_once_more(
    emulator: OpenAIEmulator, status: int, headers: dict[str, str], delay: float
) -> None:
    emulator.answer_with(status, '{"error": {"message": "busy"}}', headers, times=1)
    message, watcher = await _watched(emulator)
    assert message.state is MessageState.COMPLETE
    assert message.content == REPLY
    assert [d for _, d in watcher.retries] == [delay]
    assert len(emulator.requests("POST", "/v1/chat/completions")) == 2


async def test_a_second_transient_failure_is_not_retried_again(emulator: OpenAIEmulator) -> None:
    emulator.answer_with(503, "Service Unavailable")
    message, watcher = await _watched(emulator)
    assert message.state is MessageState.FAILED
    assert len(watcher.retries) == 1
    assert len(emulator.requests("POST", "/v1/chat/completions")) == 2


@pytest.mark.parametrize(
    ("status", "headers"), [(429, {"Retry-After": "11"}), (429, {}), (500, {}), (401, {})]
)
async def test_a_failure_that_is_not_transient_is_not_retried(
    emulator: OpenAIEmulator, status: int, headers: dict[str, str]
) -> None:
    emulator.answer_with(status, '{"error": {"message": "no"}}', headers)
    message, watcher = await _watched(emulator)
    assert message.state is MessageState.FAILED
    assert watcher.retries == []
    assert len(emulator.requests("POST", "/v1/chat/completions")) == 1


async def test_no_retry_once_text_has_arrived(emulator: OpenAIEmulator) -> None:
    emulator.quirks.add("error_midstream")  # a 502 error object after some text
    message, watcher = await _watched(emulator)
    assert message.state is MessageState.FAILED
    assert message.content == "Hello from "
    assert watcher.retries == []


async def test_reasoning_effort_goes_as_the_api_names_it(emulator: OpenAIEmulator) -> None:
    request = Request("test-model", HI, Options(reasoning_effort="high"))
    await chunks(emulator, request=request)
    (seen,) = emulator.requests("POST", "/v1/chat/completions")
    assert seen.json()["reasoning_effort"] == "high"


async def test_an_effort_the_service_refuses_is_its_sentence(emulator: OpenAIEmulator) -> None:
    request = Request("test-model", HI, Options(reasoning_effort="extreme"))
    with pytest.raises(ProviderError) as caught:
        await chunks(emulator, request=request)
    assert "Supported values are" in str(caught.value)
    assert caught.value.status == 400
