"""Anthropic's requests and answers in full, against its emulator: the model list and its
pages, content parts as the API's blocks, and the words of each error."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from providers.anthropic import ANTHROPIC, EMPTY_REPLY, Anthropic
from providers.contract import Context, Credentials, Request
from providers.errors import (
    EmptyReplyError,
    MalformedResponseError,
    NotFoundError,
    OverloadedError,
    ProviderError,
    RateLimitError,
    ResponseStatusError,
)
from providers.http import Timeouts
from providers.types import Chunk, FinishReason, Message, Reasoning, ReasoningSignature, Usage
from tests.emulators.anthropic import AnthropicEmulator
from tests.emulators.proxy import Tinyproxy, free_port
from tests.support.tracing import traced_session

MODEL = "claude-sonnet-4-5"
HI: tuple[Message, ...] = ({"role": "user", "content": "hi"},)
REPLY = "Hello from the emulator."
NOT_A_LIST = (
    "Anthropic: The model list is not in a form Parley knows (no data[].id). The service may "
    "have changed its protocol; try another provider."
)


@pytest.fixture
async def emulator() -> AsyncIterator[AnthropicEmulator]:
    emulator = AnthropicEmulator()
    async with emulator:
        yield emulator


@pytest.fixture(scope="module")
def tinyproxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tinyproxy]:
    with Tinyproxy(tmp_path_factory.mktemp("tinyproxy")) as proxy:
        yield proxy


def at(emulator: AnthropicEmulator) -> Anthropic:
    moved = ANTHROPIC.with_base_url(emulator.base_url)
    assert isinstance(moved, Anthropic)
    return moved


def keyed(emulator: AnthropicEmulator, **context: Any) -> Context:
    return Context(credentials=Credentials(api_key=emulator.key), **context)


async def models(emulator: AnthropicEmulator, **context: Any) -> list[str]:
    return await at(emulator).list_models(keyed(emulator, **context))


async def chunks(
    emulator: AnthropicEmulator, request: Request | None = None, **context: Any
) -> list[Chunk]:
    stream = at(emulator).stream(request or Request(MODEL, HI), keyed(emulator, **context))
    return [chunk async for chunk in stream]


async def collect(emulator: AnthropicEmulator, into: list[Chunk], **context: Any) -> None:
    """The reply's chunks, into ``into`` as they come (kept when the stream raises)."""
    async for chunk in at(emulator).stream(Request(MODEL, HI), keyed(emulator, **context)):
        into.append(chunk)


def silent(emulator: AnthropicEmulator) -> str:
    """The error of a reply or a model list that stopped coming for 0.3 s."""
    return (
        f"Anthropic: {emulator.url.removeprefix('http://')} sent nothing for 0.3 s. The text "
        "received so far is kept; try again to get the rest."
    )


def queries(emulator: AnthropicEmulator) -> list[dict[str, str]]:
    return [seen.query for seen in emulator.requests("GET", "/v1/models")]


# The model list.


async def test_the_model_list_asks_for_json_through_the_apps_session(
    emulator: AnthropicEmulator,
) -> None:
    session, sent = traced_session()
    async with session:
        assert await models(emulator, http=session) == list(emulator.models)
    assert sent == ["GET /v1/models"]
    (seen,) = emulator.requests("GET", "/v1/models")
    assert seen.query == {"limit": "1000"}
    assert seen.headers["Accept"] == "application/json"
    assert seen.headers["x-api-key"] == emulator.key
    assert seen.headers["anthropic-version"] == "2023-06-01"


async def test_a_reply_is_asked_for_through_the_apps_session(
    emulator: AnthropicEmulator,
) -> None:
    session, sent = traced_session()
    async with session:
        received = await chunks(emulator, http=session)
    assert "".join(c for c in received if isinstance(c, str)) == REPLY
    assert sent == ["POST /v1/messages"]


async def test_a_model_list_longer_than_a_page_is_read_page_by_page(
    emulator: AnthropicEmulator,
) -> None:
    emulator.models = tuple(f"claude-{n}" for n in range(5))
    emulator.models_page_cap = 2
    assert await models(emulator) == list(emulator.models)
    assert queries(emulator) == [
        {"limit": "1000"},
        {"limit": "1000", "after_id": "claude-1"},
        {"limit": "1000", "after_id": "claude-3"},
    ]


async def test_no_more_than_ten_pages_of_models_are_read(emulator: AnthropicEmulator) -> None:
    emulator.models = tuple(f"claude-{n}" for n in range(30))
    emulator.models_page_cap = 2
    assert await models(emulator) == list(emulator.models[:20])
    assert len(queries(emulator)) == 10


@pytest.mark.parametrize(
    "page",
    [
        {"data": [{"id": "claude-a"}], "has_more": True, "last_id": None},
        {"data": [{"id": "claude-a"}], "has_more": True},
        {"data": [{"id": "claude-a"}], "has_more": "true", "last_id": "claude-a"},
        {"data": [{"id": "claude-a"}], "has_more": 1, "last_id": "claude-a"},
        {"data": [{"id": "claude-a"}], "last_id": "claude-a"},
    ],
)
async def test_a_page_that_does_not_say_plainly_there_is_more_is_the_last(
    emulator: AnthropicEmulator, page: dict[str, Any]
) -> None:
    emulator.models_reply = (200, json.dumps(page), {})
    assert await models(emulator) == ["claude-a"]
    assert queries(emulator) == [{"limit": "1000"}]


async def test_only_the_items_of_a_page_with_a_string_id_are_models(
    emulator: AnthropicEmulator,
) -> None:
    data = [{"id": "claude-a"}, "claude-b", ["claude-c"], {"id": 7}, {"name": "d"}, None]
    data.append({"id": "claude-e", "type": "model"})
    emulator.models_reply = (200, json.dumps({"data": data, "has_more": False}), {})
    assert await models(emulator) == ["claude-a", "claude-e"]


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ('{"models": [{"id": "claude-a"}]}', NOT_A_LIST),
        ('{"data": {"id": "claude-a"}}', NOT_A_LIST),
        ('[{"id": "claude-a"}]', NOT_A_LIST),
        ('"claude-a"', NOT_A_LIST),
        (
            "claude-a, claude-b",
            "Anthropic: The service sent something that is not JSON: 'claude-a, claude-b'. The "
            "service may have changed its protocol; try another provider.",
        ),
    ],
)
async def test_a_model_list_in_another_form_says_so(
    emulator: AnthropicEmulator, body: str, said: str
) -> None:
    emulator.models_reply = (200, body, {})
    with pytest.raises(MalformedResponseError) as raised:
        await models(emulator)
    assert str(raised.value) == said


async def test_a_400_for_the_model_list_is_the_services_error(
    emulator: AnthropicEmulator,
) -> None:
    body = {"type": "error", "error": {"type": "invalid_request_error", "message": "bad limit"}}
    emulator.models_reply = (400, json.dumps(body), {})
    with pytest.raises(ResponseStatusError) as raised:
        await models(emulator)
    assert raised.value.status == 400
    assert str(raised.value) == (
        "Anthropic: The service answered HTTP 400: bad limit. The site did not accept the "
        "request; it may have changed how it works."
    )


async def test_a_model_list_at_a_wrong_base_url_names_the_path(
    emulator: AnthropicEmulator,
) -> None:
    body = {"type": "error", "error": {"type": "not_found_error", "message": "Not found"}}
    emulator.models_reply = (404, json.dumps(body), {})
    with pytest.raises(NotFoundError) as raised:
        await models(emulator)
    assert str(raised.value) == (
        "Anthropic: There is no path /models here (HTTP 404): Not found. Pick a model from the "
        f"refreshed model list, or check the base URL ({emulator.base_url})."
    )


async def test_a_rate_limited_model_list_says_how_long_to_wait(
    emulator: AnthropicEmulator,
) -> None:
    body = {"type": "error", "error": {"type": "rate_limit_error", "message": "Slow down"}}
    emulator.models_reply = (429, json.dumps(body), {"retry-after": "7"})
    with pytest.raises(RateLimitError) as raised:
        await models(emulator)
    assert raised.value.retry_after == 7


async def test_a_model_list_that_never_comes_times_out_as_configured() -> None:
    emulator = AnthropicEmulator("models_hang")
    async with emulator:
        timeouts = Timeouts(connect=2, idle=0.3)
        with pytest.raises(ProviderError) as raised:
            await asyncio.wait_for(models(emulator, timeouts=timeouts), 5)
        await asyncio.wait_for(emulator.hung_up.wait(), 2)
    assert str(raised.value) == silent(emulator)


async def test_a_reply_that_stops_coming_times_out_as_configured() -> None:
    emulator = AnthropicEmulator("hang")
    async with emulator:
        received: list[Chunk] = []
        timeouts = Timeouts(connect=2, idle=0.3)
        with pytest.raises(ProviderError) as raised:
            await asyncio.wait_for(collect(emulator, received, timeouts=timeouts), 5)
        await asyncio.wait_for(emulator.hung_up.wait(), 2)
    assert received == ["Hello ", "from "]
    assert str(raised.value) == silent(emulator)


async def test_an_unreachable_service_is_named_in_the_error() -> None:
    port = free_port()
    provider = ANTHROPIC.with_base_url(f"http://127.0.0.1:{port}/v1")
    context = Context(credentials=Credentials(api_key="sk-ant-k"))
    with pytest.raises(ProviderError) as listing:
        await provider.list_models(context)
    with pytest.raises(ProviderError) as replying:
        [chunk async for chunk in provider.stream(Request(MODEL, HI), context)]
    assert str(listing.value) == (
        f"Anthropic: Could not reach 127.0.0.1:{port}: nothing is listening at that address. "
        "The site may be down or gone; if you know a mirror, set the provider's base URL "
        "(Settings → Providers in the window, or `parley ask --base-url URL`)."
    )
    assert str(replying.value) == str(listing.value)


async def test_the_model_list_and_the_reply_go_through_the_proxy(
    emulator: AnthropicEmulator, tinyproxy: Tinyproxy
) -> None:
    assert await models(emulator, proxy=tinyproxy.url) == list(emulator.models)
    received = await chunks(emulator, proxy=tinyproxy.url)
    assert received[-2:] == [FinishReason("stop"), Usage(1, 4, 5)]
    assert [seen.path for seen in emulator.seen] == ["/v1/models", "/v1/messages"]
    for seen in emulator.seen:
        assert "tinyproxy" in seen.headers.get("Via", ""), seen.path


# Content parts as the API's blocks.


def sent_content(emulator: AnthropicEmulator) -> Any:
    (seen,) = emulator.requests("POST", "/v1/messages")
    return seen.json()["messages"][0]["content"]


def image(url: Any) -> dict[str, Any]:
    return {"type": "image_url", "image_url": url}


TEXT_PART = {"type": "text", "text": "Look:"}


@pytest.mark.parametrize(
    ("part", "block"),
    [
        (
            image({"url": "https://example.com/cat.png"}),
            {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}},
        ),
        (
            image("https://example.com/cat.png"),
            {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}},
        ),
        (
            image({"url": "data:image/jpeg;base64,/9j/4AAQ"}),
            {
                "type": "image",
                "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQ"},
            },
        ),
        (
            image({"url": "data:image/gif,GIF89a"}),  # not base64: sent as the URL it is
            {"type": "image", "source": {"type": "url", "url": "data:image/gif,GIF89a"}},
        ),
        (
            {"type": "image", "source": {"type": "url", "url": "https://example.com/a.webp"}},
            {"type": "image", "source": {"type": "url", "url": "https://example.com/a.webp"}},
        ),
    ],
)
async def test_an_image_part_becomes_an_image_block(
    emulator: AnthropicEmulator, part: dict[str, Any], block: dict[str, Any]
) -> None:
    parts = [{"type": "text", "text": "What is this?"}, part]
    received = await chunks(emulator, Request(MODEL, ({"role": "user", "content": parts},)))
    assert "".join(c for c in received if isinstance(c, str)) == REPLY
    assert sent_content(emulator) == [{"type": "text", "text": "What is this?"}, block]


def test_a_data_url_sends_all_it_holds_after_its_first_comma() -> None:
    url = "data:image/png;base64,iVBO,Rw0K"
    request = Request(MODEL, ({"role": "user", "content": [image({"url": url})]},))
    (message,) = ANTHROPIC.payload(request, MODEL)["messages"]
    source = {"type": "base64", "media_type": "image/png", "data": "iVBO,Rw0K"}
    assert message == {"role": "user", "content": [{"type": "image", "source": source}]}


async def test_parts_that_are_not_objects_are_left_out_and_the_rest_kept(
    emulator: AnthropicEmulator,
) -> None:
    parts = ["stray", {"type": "text", "text": "one"}, 7, {"type": "text", "text": "two"}]
    await chunks(emulator, Request(MODEL, ({"role": "user", "content": parts},)))
    assert sent_content(emulator) == [
        {"type": "text", "text": "one"},
        {"type": "text", "text": "two"},
    ]


async def test_a_text_part_is_sent_as_text_whatever_it_holds(
    emulator: AnthropicEmulator,
) -> None:
    parts = [{"type": "text", "text": 42}, {"type": "text", "text": "and more"}]
    await chunks(emulator, Request(MODEL, ({"role": "user", "content": parts},)))
    assert sent_content(emulator) == [
        {"type": "text", "text": "42"},
        {"type": "text", "text": "and more"},
    ]


def test_a_text_part_without_text_is_left_out_as_the_api_refuses_empty_text() -> None:
    parts = [{"type": "text", "text": None}, {"type": "text", "text": ""}, TEXT_PART]
    request = Request(MODEL, ({"role": "user", "content": parts},))
    (message,) = ANTHROPIC.payload(request, MODEL)["messages"]
    assert message == {"role": "user", "content": [{"type": "text", "text": "Look:"}]}


async def test_signed_reasoning_with_no_answer_goes_back_as_the_thinking_alone(
    emulator: AnthropicEmulator,
) -> None:
    turns: tuple[Message, ...] = (
        *HI,
        {"role": "assistant", "content": "", "reasoning": "Hmm.", "signature": "sig-1"},
        {"role": "user", "content": "and?"},
    )
    await chunks(emulator, Request(MODEL, turns))
    (seen,) = emulator.requests("POST", "/v1/messages")
    assert seen.json()["messages"][1] == {
        "role": "assistant",
        "content": [{"type": "thinking", "thinking": "Hmm.", "signature": "sig-1"}],
    }


def test_a_signature_without_its_reasoning_goes_back_with_empty_thinking() -> None:
    turns: tuple[Message, ...] = (
        *HI,
        {"role": "assistant", "content": "Yes.", "reasoning": None, "signature": "sig-1"},
        {"role": "user", "content": "and?"},
    )
    assert ANTHROPIC.payload(Request(MODEL, turns), MODEL)["messages"][1] == {
        "role": "assistant",
        "content": [
            {"type": "thinking", "thinking": "", "signature": "sig-1"},
            {"type": "text", "text": "Yes."},
        ],
    }


def test_a_turn_with_no_content_is_sent_empty() -> None:
    turns: tuple[Message, ...] = (*HI, {"role": "assistant", "content": None})
    assert ANTHROPIC.payload(Request(MODEL, turns), MODEL)["messages"] == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": ""},
    ]


async def test_an_unknown_model_names_the_model_and_the_path(
    emulator: AnthropicEmulator,
) -> None:
    with pytest.raises(NotFoundError) as raised:
        await chunks(emulator, Request("claude-nope", HI))
    assert str(raised.value) == (
        "Anthropic: There is no model “claude-nope” here, or no path /messages (HTTP 404): "
        "model: claude-nope. Pick a model from the refreshed model list, or check the base "
        f"URL ({emulator.base_url})."
    )


# The stream's events, as the service may send them.


def sse(*events: dict[str, Any] | str, named: bool = True) -> str:
    """A stream of ``events``: each a value sent as JSON (named by its type when ``named``),
    or a raw ``data`` field."""
    written = []
    for value in events:
        if isinstance(value, str):
            written.append(f"data: {value}\n\n")
        elif named:
            written.append(f"event: {value['type']}\ndata: {json.dumps(value)}\n\n")
        else:
            written.append(f"data: {json.dumps(value)}\n\n")
    return "".join(written)


def text_delta(text: str) -> dict[str, Any]:
    return {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "text_delta", "text": text},
    }


def stop(reason: Any, usage: dict[str, Any] | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {"type": "message_delta", "delta": {"stop_reason": reason}}
    if usage is not None:
        value["usage"] = usage
    return value


def signature_delta(piece: str) -> dict[str, Any]:
    delta = {"type": "signature_delta", "signature": piece}
    return {"type": "content_block_delta", "index": 0, "delta": delta}


START = {"type": "message_start", "message": {"usage": {"input_tokens": 5, "output_tokens": 1}}}


async def answered(emulator: AnthropicEmulator, body: str) -> list[Chunk]:
    emulator.answer_with(200, body)
    return await chunks(emulator)


async def failure(emulator: AnthropicEmulator, body: str) -> tuple[list[Chunk], ProviderError]:
    """What came before the stream raised, and the error."""
    emulator.answer_with(200, body)
    received: list[Chunk] = []
    with pytest.raises(ProviderError) as raised:
        await collect(emulator, received)
    return received, raised.value


async def test_blank_keep_alive_data_is_skipped(emulator: AnthropicEmulator) -> None:
    body = sse(START, "", text_delta("Hi"), "  ", text_delta(" there"), stop("end_turn"))
    assert await answered(emulator, body) == [
        "Hi",
        " there",
        FinishReason("stop"),
        Usage(5, 1, 6),
    ]


async def test_a_stream_cut_after_some_text_ends_with_that_text(
    emulator: AnthropicEmulator,
) -> None:
    body = sse(START, text_delta("Half a"))
    assert await answered(emulator, body) == ["Half a", Usage(5, 1, 6)]


async def test_a_reply_with_only_a_reason_for_stopping_gives_that_reason(
    emulator: AnthropicEmulator,
) -> None:
    body = sse(START, stop("refusal", {"output_tokens": 0}))
    assert await answered(emulator, body) == [FinishReason("content_filter"), Usage(5, 0, 5)]


@pytest.mark.parametrize(
    "delta",
    [
        None,
        "end_turn",
        ["end_turn"],
        {"stop_reason": 5},
        {"stop_reason": ""},
        {"stop_reason": None},
    ],
)
async def test_a_message_delta_without_a_reason_in_words_gives_none(
    emulator: AnthropicEmulator, delta: Any
) -> None:
    ending = {"type": "message_delta", "delta": delta, "usage": {"output_tokens": 3}}
    body = sse(START, text_delta("Hi"), ending, {"type": "message_stop"})
    assert await answered(emulator, body) == ["Hi", Usage(5, 3, 8)]


async def test_a_signature_in_pieces_is_given_whole_when_its_block_stops(
    emulator: AnthropicEmulator,
) -> None:
    thinking = {"type": "content_block_delta", "index": 0}
    thinking["delta"] = {"type": "thinking_delta", "thinking": "Hmm."}
    body = sse(
        thinking,
        signature_delta("EqQB"),
        signature_delta("CkgI"),
        {"type": "content_block_stop", "index": 0},
        text_delta("Yes."),
        stop("end_turn"),
    )
    received = await answered(emulator, body)
    assert received == [
        Reasoning("Hmm."),
        ReasoningSignature("EqQBCkgI"),
        "Yes.",
        FinishReason("stop"),
    ]


async def test_a_signature_whose_block_never_stops_is_given_at_the_end(
    emulator: AnthropicEmulator,
) -> None:
    body = sse(text_delta("Yes."), signature_delta("EqQB"), stop("end_turn"))
    received = await answered(emulator, body)
    assert received == ["Yes.", ReasoningSignature("EqQB"), FinishReason("stop")]


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        ({"input_tokens": "5", "output_tokens": 2}, Usage(None, 2, None)),
        ({"input_tokens": True, "output_tokens": 2}, Usage(None, 2, None)),
        ({"input_tokens": 5, "output_tokens": False}, Usage(5, None, None)),
        ({"input_tokens": 5, "cache_read_input_tokens": "9", "output_tokens": 2}, Usage(5, 2, 7)),
        (
            {"input_tokens": 5, "cache_creation_input_tokens": 4, "output_tokens": 2},
            Usage(9, 2, 11),
        ),
    ],
)
async def test_only_whole_numbers_count_as_tokens(
    emulator: AnthropicEmulator, usage: dict[str, Any], expected: Usage
) -> None:
    start = {"type": "message_start", "message": {"usage": usage}}
    body = sse(start, text_delta("Hi"), stop("end_turn"))
    assert await answered(emulator, body) == ["Hi", FinishReason("stop"), expected]


LONG = "[" + ", ".join(["1"] * 60) + "]"


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (
            "{not json",
            "Anthropic: The service sent something that is not JSON: '{not json'. The service "
            "may have changed its protocol; try another provider.",
        ),
        (
            LONG,
            f"Anthropic: The service sent {LONG[:80]!r} where an event was expected. The "
            "service may have changed its protocol; try another provider.",
        ),
    ],
)
async def test_data_that_is_not_an_event_is_shown_in_the_error(
    emulator: AnthropicEmulator, data: str, said: str
) -> None:
    received, error = await failure(emulator, sse(text_delta("Hi"), data))
    assert received == ["Hi"]
    assert isinstance(error, MalformedResponseError)
    assert str(error) == said


MIDDLE = "Anthropic: The service sent an error in the middle of the reply: {}. The text received "
MIDDLE += "so far is kept; try again to get the rest."


@pytest.mark.parametrize(
    ("error", "said"),
    [
        ({"type": "api_error", "message": "Internal error"}, MIDDLE.format("Internal error")),
        ("Something broke", MIDDLE.format("Something broke")),
        (7, MIDDLE.format("no details")),
        (["Internal error"], MIDDLE.format("no details")),
        (
            {"type": "api_error", "message": {"text": "deep"}, "detail": "Quota", "code": "x"},
            MIDDLE.format("api_error"),
        ),
    ],
)
async def test_an_error_event_says_only_its_type_and_message(
    emulator: AnthropicEmulator, error: Any, said: str
) -> None:
    failed = {"type": "error", "error": error}
    received, raised = await failure(emulator, sse(text_delta("Hi"), failed, named=False))
    assert received == ["Hi"]
    assert str(raised) == said


async def test_an_error_event_given_as_words_is_read_for_its_kind(
    emulator: AnthropicEmulator,
) -> None:
    failed = {"type": "error", "error": "Overloaded"}
    _, raised = await failure(emulator, sse(text_delta("Hi"), failed))
    assert isinstance(raised, OverloadedError)
    assert str(raised) == (
        "Anthropic: The service is overloaded and stopped the reply: Overloaded. Try again in "
        "a moment, or pick another provider."
    )


@pytest.mark.parametrize("url", [None, "", {}, {"url": None}, {"url": ""}])
def test_an_image_part_without_a_url_is_left_out(url: Any) -> None:
    request = Request(MODEL, ({"role": "user", "content": [image(url), TEXT_PART]},))
    (message,) = ANTHROPIC.payload(request, MODEL)["messages"]
    assert message == {"role": "user", "content": [{"type": "text", "text": "Look:"}]}


# The emulator refuses what the service refuses.

BAD_SOURCES = {
    "an unknown media type": (
        {"type": "base64", "media_type": "image/bmp", "data": "Qk0="},
        "messages.0.content.0.image.source.base64.media_type: Input should be 'image/jpeg', "
        "'image/png', 'image/gif' or 'image/webp'",
    ),
    "no data": (
        {"type": "base64", "media_type": "image/png"},
        "messages.0.content.0.image.source.base64.data: Field required",
    ),
    "an empty url": (
        {"type": "url", "url": ""},
        "messages.0.content.0.image.source.url: url must be non-empty strings",
    ),
    "a field too many": (
        {"type": "url", "url": "https://example.com/a.png", "detail": "high"},
        "messages.0.content.0.image.source.url.detail: Extra inputs are not permitted",
    ),
    "an unknown source": (
        {"type": "file", "file_id": "f"},
        "messages.0.content.0.image.source.type: Input tag 'file' is not one of the expected tags",
    ),
}


@pytest.mark.parametrize("case", list(BAD_SOURCES))
async def test_the_emulator_refuses_image_sources_the_service_refuses(
    emulator: AnthropicEmulator, case: str
) -> None:
    source, said = BAD_SOURCES[case]
    content = [{"type": "image", "source": source}]
    with pytest.raises(ResponseStatusError) as raised:
        await chunks(emulator, Request(MODEL, ({"role": "user", "content": content},)))
    assert raised.value.status == 400
    assert raised.value.excerpt == said


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "1001"}, {"limit": "many"}])
async def test_the_emulator_refuses_a_page_size_the_service_refuses(
    emulator: AnthropicEmulator, query: dict[str, str]
) -> None:
    headers = {"x-api-key": emulator.key, "anthropic-version": "2023-06-01"}
    session, _ = traced_session()
    async with (
        session,
        session.get(f"{emulator.base_url}/models", params=query, headers=headers) as response,
    ):
        answer = await response.json()
    assert response.status == 400
    assert answer["error"] == {
        "type": "invalid_request_error",
        "message": "limit: Input should be an integer from 1 to 1000",
    }


def delta(**fields: Any) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": 0, "delta": fields}


@pytest.mark.parametrize(
    "nothing",
    [
        delta(type="text_delta", text=""),
        delta(type="text_delta", text=5),
        delta(type="text_delta"),
        delta(type="thinking_delta", thinking=""),
        delta(type="thinking_delta", thinking=["Hmm."]),
        delta(type="signature_delta", signature=""),
        delta(type="signature_delta", signature=7),
        delta(type="input_json_delta", partial_json='{"a": 1}'),
        {"type": "content_block_delta", "index": 0, "delta": "text_delta"},
        {"type": "content_block_delta", "index": 0},
    ],
)
async def test_a_delta_with_nothing_in_words_is_an_empty_reply(
    emulator: AnthropicEmulator, nothing: dict[str, Any]
) -> None:
    body = sse(START, nothing, {"type": "content_block_stop", "index": 0}, {"type": "message_stop"})
    _, raised = await failure(emulator, body)
    assert isinstance(raised, EmptyReplyError)
    assert str(raised) == (
        f"Anthropic: {EMPTY_REPLY} Try again with a shorter conversation, or pick a model with "
        "a longer context."
    )


async def test_a_stream_cut_during_the_reasoning_ends_with_that_reasoning(
    emulator: AnthropicEmulator,
) -> None:
    body = sse(delta(type="thinking_delta", thinking="Let me see"))
    assert await answered(emulator, body) == [Reasoning("Let me see")]
