"""Anthropic against a strict loopback emulator of the Messages API, with each way its
streams go beyond the happy path."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

from chat.conversation import Conversation, Message, MessageState
from chat.session import ChatSession
from providers.anthropic import ANTHROPIC, EMPTY_REPLY, Anthropic
from providers.contract import Context, Credentials, Options, Request
from providers.errors import (
    AuthenticationError,
    ContextLengthError,
    EmptyReplyError,
    ErrorKind,
    MissingCredentialsError,
    NotFoundError,
    OverloadedError,
    ProviderError,
    RateLimitError,
    UnsupportedOptionError,
)
from providers.http import new_client_session
from providers.types import Chunk, FinishReason, Reasoning, ReasoningSignature, Usage
from tests.emulators.anthropic import (
    DEFAULT_REASONING,
    GROWN_OUTPUT_TOKENS,
    SIGNATURE,
    AnthropicEmulator,
)
from tests.providers.conftest import Serve
from tests.providers.test_fuzz_stream import read_fed
from tests.support.fuzz import ends_within
from tests.support.stored_keys import store_with_key

MODEL = "claude-sonnet-4-5"
HI = ({"role": "user", "content": "hi"},)
REPLY = "Hello from the emulator."
MESSAGES = "/v1/messages"


@pytest.fixture
async def emulator() -> AsyncIterator[AnthropicEmulator]:
    async with AnthropicEmulator() as emulator:
        yield emulator


def at(emulator: AnthropicEmulator) -> Anthropic:
    moved = ANTHROPIC.with_base_url(emulator.base_url)
    assert isinstance(moved, Anthropic)
    return moved


def keyed(emulator: AnthropicEmulator, key: str | None = None) -> Context:
    return Context(credentials=Credentials(api_key=key or emulator.key))


async def chunks(
    emulator: AnthropicEmulator,
    *quirks: str,
    request: Request | None = None,
    context: Context | None = None,
) -> list[Chunk]:
    emulator.quirks.update(quirks)
    request = request or Request(MODEL, HI)
    stream = at(emulator).stream(request, context or keyed(emulator))
    return [chunk async for chunk in stream]


async def until_failure(emulator: AnthropicEmulator, *quirks: str) -> tuple[str, ProviderError]:
    """The text that came before the stream raised, and the error."""
    emulator.quirks.update(quirks)
    received: list[Chunk] = []
    try:
        async for chunk in at(emulator).stream(Request(MODEL, HI), keyed(emulator)):
            received.append(chunk)
    except ProviderError as error:
        return text(received), error
    raise AssertionError(f"the stream ended without an error: {received}")


def text(received: list[Chunk]) -> str:
    return "".join(chunk for chunk in received if isinstance(chunk, str))


def reasoning(received: list[Chunk]) -> str:
    return "".join(chunk.text for chunk in received if isinstance(chunk, Reasoning))


async def reply(emulator: AnthropicEmulator, conversation: Conversation, **kwargs: Any) -> Message:
    async with new_client_session() as http:
        provider = at(emulator)
        store = await store_with_key(provider, emulator.key)
        session = ChatSession(store, http, retry_delay=0.01)
        return await session.reply(conversation, provider, MODEL, **kwargs).run()


def conversation(*turns: str, system: str = "") -> Conversation:
    chat = Conversation(system_prompt=system)
    for turn in turns:
        chat.add("user", turn)
    return chat


# The stream.


async def test_a_reply_streams_with_its_finish_reason_and_usage(
    emulator: AnthropicEmulator,
) -> None:
    received = await chunks(emulator)
    assert text(received) == REPLY
    assert [c for c in received if isinstance(c, str)] == ["Hello ", "from ", "the ", "emulator."]
    assert received[-2:] == [FinishReason("stop"), Usage(1, 4, 5)]


async def test_the_request_is_what_the_api_documents(emulator: AnthropicEmulator) -> None:
    messages = (
        {"role": "system", "content": "Be brief."},
        *HI,
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "And again"},
    )
    options = Options(temperature=0.2, top_p=0.9, max_tokens=50)
    await chunks(emulator, request=Request(MODEL, messages, options))
    (seen,) = emulator.requests("POST", MESSAGES)
    assert seen.headers["x-api-key"] == emulator.key
    assert seen.headers["anthropic-version"] == "2023-06-01"
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.headers["Accept"] == "text/event-stream"
    assert "Authorization" not in seen.headers
    assert seen.json() == {
        "model": MODEL,
        "max_tokens": 50,
        "messages": list(messages[1:]),
        "stream": True,
        "system": "Be brief.",
        "temperature": 0.2,
        "top_p": 0.9,
    }


async def test_max_tokens_has_a_default_and_no_system_is_sent_without_one(
    emulator: AnthropicEmulator,
) -> None:
    await chunks(emulator)
    body = emulator.requests("POST", MESSAGES)[0].json()
    assert body["max_tokens"] == ANTHROPIC.default_max_tokens == 8192
    assert "system" not in body
    assert "temperature" not in body


async def test_content_parts_become_blocks_and_extra_headers_are_sent(
    emulator: AnthropicEmulator,
) -> None:
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0K"}}
    parts = [{"type": "text", "text": "What is this?"}, image]
    context = Context(credentials=Credentials(api_key=emulator.key, headers={"X-Team": "blue"}))
    request = Request(MODEL, ({"role": "user", "content": parts},))
    assert text(await chunks(emulator, request=request, context=context)) == REPLY
    (seen,) = emulator.requests("POST", MESSAGES)
    assert seen.headers["X-Team"] == "blue"
    source = {"type": "base64", "media_type": "image/png", "data": "iVBORw0K"}
    assert seen.json()["messages"][0]["content"] == [
        {"type": "text", "text": "What is this?"},
        {"type": "image", "source": source},
    ]


async def test_the_prompt_count_is_of_the_system_and_the_messages(
    emulator: AnthropicEmulator,
) -> None:
    request = Request(MODEL, ({"role": "system", "content": "Be very brief."}, *HI))
    received = await chunks(emulator, request=request)
    assert received[-1] == Usage(4, 4, 8)  # the emulator counts words: 3 + 1


async def test_thinking_arrives_as_reasoning_with_its_signature(
    emulator: AnthropicEmulator,
) -> None:
    emulator.script.reasoning = "First this, then that."
    received = await chunks(emulator, "thinking")
    assert reasoning(received).strip() == "First this, then that."
    assert text(received) == REPLY
    signatures = [c for c in received if isinstance(c, ReasoningSignature)]
    assert signatures == [ReasoningSignature(SIGNATURE)]
    first_text = next(i for i, c in enumerate(received) if isinstance(c, str))
    assert received.index(signatures[0]) < first_text  # given when its block stops
    assert received[-1] == Usage(1, 4 + 4, 9)


async def test_signed_reasoning_goes_back_as_a_thinking_block(
    emulator: AnthropicEmulator,
) -> None:
    chat = conversation("hi")
    emulator.quirks.add("thinking")
    first = await reply(emulator, chat)
    assert first.state is MessageState.COMPLETE
    assert first.reasoning.strip() == DEFAULT_REASONING
    assert first.signature == SIGNATURE
    chat.add("user", "more")
    second = await reply(emulator, chat)
    assert second.state is MessageState.COMPLETE, second.error
    sent = emulator.requests("POST", MESSAGES)[1].json()["messages"]
    assert sent[1] == {
        "role": "assistant",
        "content": [
            {"type": "thinking", "thinking": first.reasoning, "signature": SIGNATURE},
            {"type": "text", "text": REPLY},
        ],
    }
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]


async def test_overloaded_in_the_middle_keeps_the_text_so_far(
    emulator: AnthropicEmulator,
) -> None:
    so_far, error = await until_failure(emulator, "overloaded_midstream")
    assert so_far == "Hello from "
    assert isinstance(error, OverloadedError)
    assert error.kind == ErrorKind.OVERLOADED
    assert "Overloaded" in str(error)


async def test_overloaded_in_the_middle_through_the_session(emulator: AnthropicEmulator) -> None:
    emulator.quirks.add("overloaded_midstream")
    message = await reply(emulator, conversation("hi"))
    assert message.state is MessageState.FAILED
    assert message.content == "Hello from "
    assert message.error is not None
    assert message.error.kind == "overloaded"
    assert len(emulator.requests("POST", MESSAGES)) == 1  # no retry once text has arrived


async def test_the_session_completes_a_reply_with_its_usage(emulator: AnthropicEmulator) -> None:
    message = await reply(emulator, conversation("hi", system="Be brief."))
    assert message.state is MessageState.COMPLETE
    assert message.content == REPLY
    assert message.finish_reason == "stop"
    assert message.usage == {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}
    assert emulator.requests("POST", MESSAGES)[0].json()["system"] == "Be brief."


async def test_cumulative_usage_is_never_added_up(emulator: AnthropicEmulator) -> None:
    received = await chunks(emulator, "usage_growing")
    assert received[-2:] == [FinishReason("stop"), Usage(1, GROWN_OUTPUT_TOKENS, 13)]


async def test_a_refusal_is_a_content_filter_stop(emulator: AnthropicEmulator) -> None:
    received = await chunks(emulator, "refusal")
    assert FinishReason("content_filter") in received
    message = await reply(emulator, conversation("hi"))
    assert message.finish_reason == "content_filter"
    assert "stopped the reply" in message.note


async def test_a_stream_without_message_stop_ends_with_what_came(
    emulator: AnthropicEmulator,
) -> None:
    received = await chunks(emulator, "no_message_stop")
    assert text(received) == REPLY
    assert received[-2:] == [FinishReason("stop"), Usage(1, 4, 5)]


async def test_stopping_a_hung_reply_hangs_up(emulator: AnthropicEmulator) -> None:
    emulator.quirks.add("hang")
    stream = at(emulator).stream(Request(MODEL, HI), keyed(emulator))
    assert [await anext(stream), await anext(stream)] == ["Hello ", "from "]
    await stream.aclose()  # type: ignore[attr-defined]
    await asyncio.wait_for(emulator.hung_up.wait(), 5)


SSE_BODIES = {
    "unknown events and pings": (
        'event: ping\ndata: {"type": "ping"}\n\n'
        'event: future\ndata: {"type": "future_event", "x": 1}\n\n'
        'event: content_block_delta\ndata: {"type": "content_block_delta", "index": 0, '
        '"delta": {"type": "citations_delta", "citation": {}}}\n\n'
        'data: {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "ok"}}\n\n'
        'data: {"type": "message_delta", "delta": {"stop_reason": "max_tokens"}, '
        '"usage": {"output_tokens": 2}}\n\n'
    ),
    "cached input counted in the prompt": (
        'data: {"type": "message_start", "message": {"usage": {"input_tokens": 3, '
        '"cache_creation_input_tokens": 10, "cache_read_input_tokens": 20, '
        '"output_tokens": 1}}}\n\n'
        'data: {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "ok"}}\n\n'
        'data: {"type": "message_delta", "delta": {"stop_reason": "pause_turn"}, '
        '"usage": {"output_tokens": 2}}\n\n'
    ),
}
EXPECTED = {
    "unknown events and pings": [FinishReason("length"), Usage(None, 2, None)],
    "cached input counted in the prompt": [FinishReason("pause_turn"), Usage(33, 2, 35)],
}


@pytest.mark.parametrize("body", list(SSE_BODIES))
async def test_what_the_api_may_add_is_read_or_ignored(
    emulator: AnthropicEmulator, body: str
) -> None:
    emulator.answer_with(200, SSE_BODIES[body])
    received = await chunks(emulator)
    assert received == ["ok", *EXPECTED[body]]


async def test_an_empty_stream_is_an_empty_reply(emulator: AnthropicEmulator) -> None:
    emulator.answer_with(200, 'event: ping\ndata: {"type": "ping"}\n\n')
    with pytest.raises(EmptyReplyError, match=EMPTY_REPLY):
        await chunks(emulator)


async def test_an_error_event_with_no_error_object_is_still_an_error(
    emulator: AnthropicEmulator,
) -> None:
    emulator.answer_with(200, 'event: error\ndata: {"type": "api_error"}\n\n')
    with pytest.raises(ProviderError, match="in the middle of the reply"):
        await chunks(emulator)


async def test_a_rate_limit_event_is_a_rate_limit(emulator: AnthropicEmulator) -> None:
    failure = {"type": "error", "error": {"type": "rate_limit_error", "message": "Slow down"}}
    emulator.answer_with(200, f"event: error\ndata: {json.dumps(failure)}\n\n")
    with pytest.raises(RateLimitError, match="Slow down"):
        await chunks(emulator)


# HTTP errors, in the service's own shape.


def failure(kind: str, message: str) -> str:
    return json.dumps({"type": "error", "error": {"type": kind, "message": message}})


async def test_a_wrong_key_says_to_check_it(emulator: AnthropicEmulator) -> None:
    with pytest.raises(AuthenticationError) as raised:
        await chunks(emulator, context=keyed(emulator, "sk-ant-wrong"))
    assert "invalid x-api-key" in str(raised.value)
    assert "Check the key for Anthropic" in str(raised.value)
    assert raised.value.status == 401


async def test_no_key_is_refused_before_anything_is_sent(emulator: AnthropicEmulator) -> None:
    stream = at(emulator).stream(Request(MODEL, HI), Context())
    with pytest.raises(MissingCredentialsError):
        [chunk async for chunk in stream]
    assert emulator.seen == []


async def test_an_unknown_model_is_named(emulator: AnthropicEmulator) -> None:
    with pytest.raises(NotFoundError) as raised:
        await chunks(emulator, request=Request("claude-nope", HI))
    assert "claude-nope" in str(raised.value)


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected", "retry_after"),
    [
        (529, failure("overloaded_error", "Overloaded"), {}, OverloadedError, None),
        (429, failure("rate_limit_error", "Slow down"), {"retry-after": "7"}, RateLimitError, 7),
        (
            400,
            failure("invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum"),
            {},
            ContextLengthError,
            None,
        ),
    ],
)
async def test_http_errors_say_what_happened(
    emulator: AnthropicEmulator,
    status: int,
    body: str,
    headers: dict[str, str],
    expected: type[ProviderError],
    retry_after: float | None,
) -> None:
    emulator.answer_with(status, body, headers)
    with pytest.raises(expected) as raised:
        await chunks(emulator)
    assert raised.value.status == status
    assert raised.value.retry_after == retry_after
    assert json.loads(body)["error"]["message"] in str(raised.value)


async def test_a_529_before_any_text_is_tried_once_more(emulator: AnthropicEmulator) -> None:
    emulator.answer_with(529, failure("overloaded_error", "Overloaded"), times=1)
    message = await reply(emulator, conversation("hi"))
    assert message.state is MessageState.COMPLETE
    assert message.content == REPLY
    assert len(emulator.requests("POST", MESSAGES)) == 2


async def test_an_option_anthropic_cannot_send_is_refused(emulator: AnthropicEmulator) -> None:
    message = await reply(emulator, conversation("hi"), options={"seed": 3})
    assert message.error is not None
    assert message.error.kind == ErrorKind.UNSUPPORTED_OPTION
    assert emulator.seen == []
    with pytest.raises(UnsupportedOptionError):
        ANTHROPIC.check_options(Options(frequency_penalty=0.5))


# The model list.


async def test_models_are_listed_from_the_service(emulator: AnthropicEmulator) -> None:
    assert await at(emulator).list_models(keyed(emulator)) == list(emulator.models)
    (seen,) = emulator.requests("GET", "/v1/models")
    assert seen.headers["x-api-key"] == emulator.key
    assert seen.headers["anthropic-version"] == "2023-06-01"


async def test_a_long_model_list_is_read_page_by_page(serve: Serve) -> None:
    seen: list[dict[str, str]] = []

    async def models(request: web.Request) -> web.Response:
        seen.append(dict(request.query))
        if "after_id" not in request.query:
            return web.json_response({"data": [{"id": "a"}], "has_more": True, "last_id": "a"})
        return web.json_response({"data": [{"id": "b"}], "has_more": False, "last_id": "b"})

    app = web.Application()
    app.add_routes([web.get("/v1/models", models)])
    provider = ANTHROPIC.with_base_url(f"{await serve(app)}/v1")
    assert await provider.list_models(Context(credentials=Credentials(api_key="k"))) == ["a", "b"]
    assert seen == [{"limit": "1000"}, {"limit": "1000", "after_id": "a"}]


async def test_a_wrong_key_for_the_model_list_says_to_check_it(
    emulator: AnthropicEmulator,
) -> None:
    with pytest.raises(AuthenticationError, match="Check the key"):
        await at(emulator).list_models(keyed(emulator, "sk-ant-wrong"))


def test_the_built_in_value() -> None:
    assert ANTHROPIC.url == "https://api.anthropic.com/v1"
    assert ANTHROPIC.kind == "Anthropic"
    assert ANTHROPIC.alternating_roles
    assert ANTHROPIC.needs_auth
    assert ANTHROPIC.key_env == ("ANTHROPIC_API_KEY",)
    assert ANTHROPIC.get_model("") == ANTHROPIC.default_model in ANTHROPIC.models
    assert ANTHROPIC.supported_options == {"temperature", "top_p", "max_tokens"}


# The emulator is as strict as the service.


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"model": MODEL, "max_tokens": 10, "messages": list(HI), "stream": True}
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


SYSTEM_TURN = {"role": "system", "content": "s"}
ASSISTANT_TURN = {"role": "assistant", "content": "a"}
UNSIGNED_BLOCK = {"type": "thinking", "thinking": "t", "signature": ""}
UNSIGNED = {"role": "assistant", "content": [UNSIGNED_BLOCK]}
VERSION = {"anthropic-version": ""}
REFUSED = {  # headers changed, the body, the status and what the message says
    "no version": (VERSION, _body(), 400, "anthropic-version"),
    "no key": ({"x-api-key": ""}, _body(), 401, "x-api-key header is required"),
    "no max_tokens": ({}, _body(max_tokens=None), 400, "max_tokens"),
    "a system role": ({}, _body(messages=[SYSTEM_TURN, *HI]), 400, "top-level `system`"),
    "two user turns": ({}, _body(messages=[*HI, *HI]), 400, "roles must alternate"),
    "assistant first": ({}, _body(messages=[ASSISTANT_TURN, *HI]), 400, "roles must alternate"),
    "unsigned thinking": ({}, _body(messages=[*HI, UNSIGNED, *HI]), 400, "signature"),
    "an unknown field": ({}, _body(seed=3), 400, "seed: Extra inputs"),
    "an extra message key": ({}, _body(messages=[{**HI[0], "x": 1}]), 400, "messages.0.x"),
}


@pytest.mark.parametrize("case", list(REFUSED))
async def test_the_emulator_refuses_what_the_service_refuses(
    emulator: AnthropicEmulator, case: str
) -> None:
    changes, body, status, said = REFUSED[case]
    headers = {"x-api-key": emulator.key, "anthropic-version": "2023-06-01", **changes}
    headers = {name: value for name, value in headers.items() if value}
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{emulator.base_url}/messages", json=body, headers=headers) as response,
    ):
        answer = await response.json()
    assert response.status == status
    assert answer["type"] == "error"
    assert said in answer["error"]["message"]


# Any body at all: only the documented errors.

EVENT_TYPES = ["message_start", "content_block_start", "content_block_delta"]
EVENT_TYPES += ["content_block_stop", "message_delta", "message_stop", "ping", "error"]
FIELDS = ["type", "delta", "usage", "message", "error", "text", "thinking", "signature"]
FIELDS += ["stop_reason", "output_tokens", "input_tokens", "cache_read_input_tokens"]
DELTA_TYPES = ["text_delta", "thinking_delta", "signature_delta", "error"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(FIELDS), inner),
    max_leaves=8,
)
objects = st.dictionaries(st.sampled_from(FIELDS), st.sampled_from(DELTA_TYPES) | json_values)


@st.composite
def anthropic_events(draw: st.DrawFn) -> bytes:
    """An event of a known type, its fields present or not, of any JSON type."""
    kind = draw(st.sampled_from(EVENT_TYPES))
    fields = draw(st.dictionaries(st.sampled_from(FIELDS[1:5]), objects | json_values))
    named = draw(st.sampled_from([b"", f"event: {kind}\n".encode(), b"event: error\n"]))
    return named + b"data: " + json.dumps({"type": kind, **fields}).encode() + b"\n\n"


bodies = st.one_of(
    st.lists(anthropic_events(), max_size=8).map(b"".join),
    st.binary(max_size=300),
    st.lists(
        st.sampled_from([b"data: ", b"{", b"}", b"\n", b"[", b'"type"', b":"]), max_size=40
    ).map(b"".join),
)


@pytest.mark.fuzz
@given(bodies, st.integers(1, 64))
async def test_any_body_raises_only_provider_errors(body: bytes, size: int) -> None:
    chunked = [body[start : start + size] for start in range(0, len(body), size)]
    try:
        with ends_within():
            await read_fed(chunked, ANTHROPIC._read)
    except ProviderError:
        pass


async def test_an_error_event_nested_as_deep_as_json_allows_is_a_provider_error() -> None:
    # Just under the depth where json.loads gives up, encoding the value again (as
    # stream_error does) would raise RecursionError: the depth of that window depends on
    # the stack, so every depth around it is tried.
    for depth in range(900, 1000):
        nested = b"[" * depth + b"]" * depth
        body = b'data: {"type": "error", "error": {"message": ' + nested + b"}}\n\n"
        with pytest.raises(ProviderError):
            await read_fed([body], ANTHROPIC._read)
