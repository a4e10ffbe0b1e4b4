"""Gemini's request, stream, errors and model list in full, against the Gemini emulator."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from providers.contract import Context, Credentials, Request
from providers.errors import (
    AuthenticationError,
    EmptyReplyError,
    IdleTimeoutError,
    MalformedResponseError,
    NotFoundError,
    ProviderError,
    ProviderNotWorkingError,
    RateLimitError,
    RefusedError,
    ResponseStatusError,
)
from providers.gemini import GEMINI, Gemini
from providers.http import Timeouts, new_client_session
from providers.types import Chunk, FinishReason, Message, Reasoning, Usage
from tests.emulators.gemini import GeminiEmulator
from tests.emulators.proxy import Tinyproxy

MODEL = "gemini-2.5-flash"
PATH = f"/v1beta/models/{MODEL}:streamGenerateContent"
HI: tuple[Message, ...] = ({"role": "user", "content": "Hi"},)
REPLY = "Hello from the emulator."
KEY_HINT = "Check the key for Google Gemini in Settings → Providers (or `parley keys set`)."
REDIRECT = (
    "Gemini: Google Gemini redirected the request (HTTP {status}); Parley does not send the API "
    "key on to another address."
)
LIST_FORM = "Gemini: The model list is not in a form Parley knows (no models[].name)."


def context(key: str | None = GeminiEmulator.key, idle: float = 5, **kwargs: Any) -> Context:
    return Context(
        credentials=Credentials(api_key=key), timeouts=Timeouts(connect=2, idle=idle), **kwargs
    )


def at(emu: GeminiEmulator) -> Gemini:
    provider = GEMINI.with_base_url(emu.base_url)
    assert isinstance(provider, Gemini)
    return provider


async def reply(
    emu: GeminiEmulator,
    messages: tuple[Message, ...] = HI,
    *,
    model: str = MODEL,
    ctx: Context | None = None,
) -> list[Chunk]:
    request = Request(model, messages)
    return [chunk async for chunk in at(emu).stream(request, ctx or context())]


async def failure(
    emu: GeminiEmulator, *, model: str = MODEL, ctx: Context | None = None
) -> tuple[list[Chunk], ProviderError]:
    chunks: list[Chunk] = []
    try:
        async for chunk in at(emu).stream(Request(model, HI), ctx or context()):
            chunks.append(chunk)
    except ProviderError as error:
        return chunks, error
    raise AssertionError(f"no error, and these chunks: {chunks}")


async def list_failure(emu: GeminiEmulator, ctx: Context | None = None) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await at(emu).list_models(ctx or context())
    return caught.value


def sse(*values: Any) -> bytes:
    """Events as Google writes them: ``data: {json}`` and CRLF line ends."""
    return b"".join(f"data: {json.dumps(value)}\r\n\r\n".encode() for value in values)


def said(*parts: Any, finish: str = "", **extra: Any) -> dict[str, Any]:
    """One streamed ``GenerateContentResponse`` with these parts."""
    candidate: dict[str, Any] = {"content": {"parts": list(parts), "role": "model"}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate], **extra}


def usage(prompt: int = 9, **counts: Any) -> dict[str, Any]:
    return {"usageMetadata": {"promptTokenCount": prompt, **counts}}


@pytest.fixture(scope="module")
def tinyproxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tinyproxy]:
    with Tinyproxy(tmp_path_factory.mktemp("gemini-proxy")) as proxy:
        yield proxy


# What the service is sent.


async def test_the_conversation_goes_as_alternating_turns_of_their_text() -> None:
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    messages: tuple[Message, ...] = (
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": [{"type": "text", "text": "What is this?"}, image, {"type": "text"}],
        },
        {"role": "assistant", "content": ""},
        {"role": "user", "content": [{"type": "text", "text": ""}, "a bare string"]},
        {"role": "user", "content": "And this one?"},
        {"role": "assistant", "content": [{"type": "text", "text": "A cat."}]},
        {"role": "user", "content": "Thanks."},
    )
    async with GeminiEmulator() as emu:
        chunks = await reply(emu, messages)
    assert "".join(c for c in chunks if isinstance(c, str)) == REPLY
    (seen,) = emu.requests("POST", PATH)
    assert seen.json() == {
        "contents": [
            {"role": "user", "parts": [{"text": "What is this?"}, {"text": "And this one?"}]},
            {"role": "model", "parts": [{"text": "A cat."}]},
            {"role": "user", "parts": [{"text": "Thanks."}]},
        ],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
    }


async def test_a_model_name_with_a_slash_is_sent_as_one_escaped_path_segment() -> None:
    async with GeminiEmulator() as emu:
        emu.models = (*emu.models, "tuned/gemini-x")
        chunks = await reply(emu, model="models/tuned/gemini-x")
    assert [c for c in chunks if isinstance(c, str)] == ["Hello ", "from ", "the ", "emulator."]
    assert [s.path for s in emu.seen] == ["/v1beta/models/tuned/gemini-x:streamGenerateContent"]


async def test_the_key_and_the_endpoints_own_headers_go_with_every_request() -> None:
    credentials = Credentials(
        api_key=GeminiEmulator.key, headers={"X-Goog-User-Project": "my-project"}
    )
    ctx = Context(credentials=credentials, timeouts=Timeouts(connect=2, idle=5))
    async with GeminiEmulator() as emu:
        await reply(emu, ctx=ctx)
        assert await at(emu).list_models(ctx) == list(emu.models)
    assert [(s.method, s.path) for s in emu.seen] == [("POST", PATH), ("GET", "/v1beta/models")]
    for seen in emu.seen:
        assert seen.headers["x-goog-api-key"] == emu.key
        assert seen.headers["X-Goog-User-Project"] == "my-project"
        assert seen.query.get("key") is None


async def test_the_apps_http_session_carries_the_reply_and_the_model_list() -> None:
    async with (
        new_client_session(headers={"User-Agent": "Parley-test/1.0"}) as http,
        GeminiEmulator() as emu,
    ):
        await reply(emu, ctx=context(http=http))
        await at(emu).list_models(context(http=http))
    assert [s.headers["User-Agent"] for s in emu.seen] == ["Parley-test/1.0"] * 2


async def test_the_reply_and_the_model_list_go_through_the_proxy(
    tinyproxy: Tinyproxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    async with GeminiEmulator() as emu:
        chunks = await reply(emu, ctx=context(proxy=tinyproxy.url))
        assert "".join(c for c in chunks if isinstance(c, str)) == REPLY
        assert await at(emu).list_models(context(proxy=tinyproxy.url)) == list(emu.models)
    assert [(s.method, s.path) for s in emu.seen] == [("POST", PATH), ("GET", "/v1beta/models")]
    assert all("tinyproxy" in s.headers.get("Via", "") for s in emu.seen)


# What a stream says.


async def test_parts_and_events_with_nothing_to_show_are_passed_over() -> None:
    picture = {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}
    body = b"".join(
        [
            sse(said(picture, "stray", {"text": "Hi"}, {"text": ""}, finish="STOP")),
            b"data:  \r\n\r\n",  # a keep-alive: blank data
            sse(
                said({"text": " there"}, finish="STOP"),
                said({"text": ""}),
                {**usage(candidatesTokenCount=2, totalTokenCount=11), "modelVersion": MODEL},
                {
                    "usageMetadata": {},
                    "promptFeedback": {"blockReason": "BLOCK_REASON_UNSPECIFIED"},
                },
            ),
        ]
    )
    async with GeminiEmulator() as emu:
        emu.raw_body = body
        chunks = await reply(emu)
    assert chunks == ["Hi", " there", FinishReason("stop"), Usage(9, 2, 11)]


async def test_a_reply_with_no_known_finish_reason_or_usage_is_its_text_alone() -> None:
    plain = {"candidates": [{"content": {"parts": [{"text": "Hi"}]}}]}
    async with GeminiEmulator() as emu:
        emu.raw_body = sse(plain, said({"text": "!"}, finish="FINISH_REASON_UNSPECIFIED"))
        assert await reply(emu) == ["Hi", "!"]


async def test_usage_without_answer_counts_leaves_the_completion_unknown() -> None:
    async with GeminiEmulator() as emu:
        emu.raw_body = sse(said({"text": "Hi"}, **usage(totalTokenCount=9)))
        assert await reply(emu) == ["Hi", Usage(9, None, 9)]


async def test_a_count_that_is_not_a_whole_number_is_unknown() -> None:
    counts = usage(prompt=True, candidatesTokenCount=2, totalTokenCount="11")
    async with GeminiEmulator() as emu:
        emu.raw_body = sse(said({"text": "Hi"}, finish="STOP", **counts))
        assert await reply(emu) == ["Hi", FinishReason("stop"), Usage(None, 2, None)]


async def test_reasoning_cut_short_by_max_tokens_ends_as_length() -> None:
    thought = [{"text": "Let me ", "thought": True}, {"text": "think.", "thought": True}]
    counts = usage(thoughtsTokenCount=20, totalTokenCount=29)
    async with GeminiEmulator() as emu:
        emu.raw_body = sse(said(*thought), said(finish="MAX_TOKENS", **counts))
        chunks = await reply(emu)
    assert chunks == [
        Reasoning("Let me "),
        Reasoning("think."),
        FinishReason("length"),
        Usage(9, 20, 29),
    ]


async def test_max_tokens_before_any_text_says_to_raise_it() -> None:
    async with GeminiEmulator() as emu:
        emu.raw_body = sse(said(finish="MAX_TOKENS", **usage(totalTokenCount=9)))
        chunks, error = await failure(emu)
    assert chunks == []
    assert isinstance(error, EmptyReplyError)
    assert str(error) == (
        "Gemini: Google Gemini reached max_tokens before writing any text. Raise max_tokens: "
        "thinking models spend tokens on thinking first."
    )


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        (
            sse(said({"text": ""}, finish="STOP")),
            "Google Gemini sent an empty reply (finish reason STOP).",
        ),
        (b"", "Google Gemini sent an empty reply."),
    ],
)
async def test_an_empty_reply_says_so_with_its_finish_reason(body: bytes, sentence: str) -> None:
    async with GeminiEmulator() as emu:
        emu.raw_body = body
        chunks, error = await failure(emu)
    assert chunks == []
    assert isinstance(error, EmptyReplyError)
    assert str(error) == f"Gemini: {sentence} {EmptyReplyError.default_hint}"


async def test_a_stop_by_the_rules_before_any_text_names_the_rule() -> None:
    async with GeminiEmulator("safety") as emu:
        emu.script.reply = ""
        chunks, error = await failure(emu)
    assert chunks == []
    assert isinstance(error, RefusedError)
    assert str(error) == (
        "Gemini: Google Gemini stopped the reply before any text (SAFETY). "
        f"{RefusedError.default_hint}"
    )


async def test_a_blocked_prompt_is_refused_with_what_to_do() -> None:
    feedback = {"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}}
    async with GeminiEmulator() as emu:
        emu.raw_body = sse({"candidates": [], **feedback, **usage(totalTokenCount=9)})
        chunks, error = await failure(emu)
    assert chunks == []
    assert isinstance(error, RefusedError)
    assert str(error) == (
        "Gemini: Google Gemini blocked the prompt (PROHIBITED_CONTENT), so it wrote no reply. "
        "Rephrase the message (or start a new conversation), or pick another provider."
    )


async def test_an_error_sent_as_a_one_item_list_is_the_services_error() -> None:
    failed = [
        {"error": {"code": 500, "message": "Internal error encountered.", "status": "INTERNAL"}}
    ]
    async with GeminiEmulator() as emu:
        emu.raw_body = sse(said({"text": "Hi"}), failed)
        chunks, error = await failure(emu)
    assert chunks == ["Hi"]
    assert type(error) is ProviderError
    assert error.status == 500
    assert str(error) == (
        "Gemini: The service sent an error in the middle of the reply: Internal error "
        "encountered. The text received so far is kept; try again to get the rest."
    )


async def test_an_event_that_is_not_an_object_is_malformed() -> None:
    async with GeminiEmulator() as emu:
        emu.raw_body = sse("x" * 100)
        _, error = await failure(emu)
    assert isinstance(error, MalformedResponseError)
    shown = json.dumps("x" * 100)[:80]
    assert str(error) == (
        f"Gemini: The service sent {shown!r} where a response was expected. "
        f"{MalformedResponseError.default_hint}"
    )


async def test_an_event_that_is_not_json_is_malformed() -> None:
    async with GeminiEmulator() as emu:
        emu.raw_body = sse(said({"text": "Hi"})) + b'data: {"candidates": [\r\n\r\n'
        chunks, error = await failure(emu)
    assert chunks == ["Hi"]
    assert isinstance(error, MalformedResponseError)
    assert str(error) == (
        "Gemini: The service sent something that is not JSON: '{\"candidates\": ['. "
        f"{MalformedResponseError.default_hint}"
    )


# HTTP errors of the reply.


async def test_a_wrong_key_is_rejected_with_the_services_words_and_the_fix() -> None:
    async with GeminiEmulator() as emu:
        _, error = await failure(emu, ctx=context("AIza-wrong"))
    assert isinstance(error, AuthenticationError)
    assert error.status == 400
    assert str(error) == (
        "Gemini: Google Gemini rejected the API key (HTTP 400): API key not valid. Please pass "
        f"a valid API key. {KEY_HINT}"
    )


async def test_another_bad_request_is_not_about_the_key() -> None:
    wrong = "* GenerateContentRequest.generation_config.max_output_tokens: must be positive.\n"
    body = json.dumps({"error": {"code": 400, "message": wrong, "status": "INVALID_ARGUMENT"}})
    async with GeminiEmulator() as emu:
        emu.answer_with(400, body)
        _, error = await failure(emu)
    assert type(error) is ResponseStatusError
    assert error.status == 400
    assert str(error) == (
        "Gemini: The service answered HTTP 400: * GenerateContentRequest.generation_config."
        "max_output_tokens: must be positive. The site did not accept the request; it may have "
        "changed how it works."
    )


@pytest.mark.parametrize(("status", "headers"), [(300, {}), (307, {"Location": "/elsewhere"})])
async def test_any_redirect_of_the_reply_is_refused_unfollowed(
    status: int, headers: dict[str, str]
) -> None:
    async with GeminiEmulator() as emu:
        emu.answer_with(status, "", headers)
        _, error = await failure(emu)
    assert isinstance(error, ProviderNotWorkingError)
    assert str(error) == REDIRECT.format(status=status) + " " + ProviderNotWorkingError.default_hint
    assert [s.path for s in emu.seen] == [PATH]


async def test_an_unknown_model_is_named_with_its_path() -> None:
    async with GeminiEmulator() as emu:
        _, error = await failure(emu, model="gemini-9-ultra")
    assert isinstance(error, NotFoundError)
    assert str(error) == (
        "Gemini: There is no model “gemini-9-ultra” here, or no path "
        "/models/gemini-9-ultra:streamGenerateContent (HTTP 404): models/gemini-9-ultra is not "
        "found for API version v1beta, or is not supported for generateContent. Call ListModels "
        "to see the list of available models and their supported methods. Pick a model from the "
        f"refreshed model list, or check the base URL ({emu.base_url})."
    )


async def test_an_unreachable_service_is_named() -> None:
    async with GeminiEmulator() as emu:
        pass
    _, error = await failure(emu)
    assert isinstance(error, ProviderNotWorkingError)
    assert str(error) == (
        f"Gemini: Could not reach {emu.url.removeprefix('http://')}: nothing is listening at "
        f"that address. {ProviderNotWorkingError.default_hint}"
    )
    listed = await list_failure(emu)
    assert isinstance(listed, ProviderNotWorkingError)
    assert str(listed) == str(error)


async def test_a_silent_service_times_out_after_the_contexts_idle_seconds() -> None:
    async with GeminiEmulator("hang", "hang_models") as emu:
        _, error = await asyncio.wait_for(failure(emu, ctx=context(idle=0.3)), 20)
        listed = await asyncio.wait_for(list_failure(emu, context(idle=0.3)), 20)
    assert isinstance(error, IdleTimeoutError)
    assert isinstance(listed, IdleTimeoutError)
    sentence = f"Gemini: {emu.url.removeprefix('http://')} sent nothing for 0.3 s."
    assert str(error) == f"{sentence} {IdleTimeoutError.default_hint}"
    assert str(listed) == str(error)


# The model list.


async def test_the_model_list_is_asked_for_in_pages_of_a_thousand() -> None:
    async with GeminiEmulator("paged_models") as emu:
        assert await at(emu).list_models(context()) == list(emu.models)
    pages = emu.requests("GET", "/v1beta/models")
    assert [p.query for p in pages] == [
        {"pageSize": "1000"},
        {"pageSize": "1000", "pageToken": "after-3"},
    ]


async def test_a_model_list_without_models_is_empty() -> None:
    async with GeminiEmulator() as emu:
        emu.answer_models_with(200, "{}")
        assert await at(emu).list_models(context()) == []


async def test_entries_that_are_not_generating_models_are_left_out() -> None:
    entries = [
        "gemini-1.0",
        {"name": 5, "supportedGenerationMethods": ["generateContent"]},
        {"name": "models/gemini-a", "supportedGenerationMethods": ["generateContent"]},
        {"name": "models/embedding-001", "supportedGenerationMethods": ["embedContent"]},
        {"name": "models/gemini-b", "supportedGenerationMethods": "generateContent"},
        {"name": "gemini-c", "supportedGenerationMethods": ["streamGenerateContent"]},
    ]
    async with GeminiEmulator() as emu:
        emu.answer_models_with(200, json.dumps({"models": entries}))
        assert await at(emu).list_models(context()) == ["gemini-a", "gemini-c"]


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        ('{"models": "gemini-2.5-flash"}', LIST_FORM),
        ('[{"models": []}]', LIST_FORM),
        (
            "models: gemini-2.5-flash",
            "Gemini: The service sent something that is not JSON: 'models: gemini-2.5-flash'.",
        ),
    ],
)
async def test_a_model_list_in_a_form_parley_does_not_know_says_so(
    body: str, sentence: str
) -> None:
    async with GeminiEmulator() as emu:
        emu.answer_models_with(200, body)
        error = await list_failure(emu)
    assert isinstance(error, MalformedResponseError)
    assert str(error) == f"{sentence} {MalformedResponseError.default_hint}"


async def test_a_missing_model_list_names_its_path() -> None:
    body = json.dumps({"error": {"code": 404, "message": "Not found.", "status": "NOT_FOUND"}})
    async with GeminiEmulator() as emu:
        emu.answer_models_with(404, body)
        error = await list_failure(emu)
    assert isinstance(error, NotFoundError)
    assert str(error) == (
        "Gemini: There is no path /models here (HTTP 404): Not found. Pick a model from the "
        f"refreshed model list, or check the base URL ({emu.base_url})."
    )


async def test_a_rate_limited_model_list_says_when_to_try_again() -> None:
    body = json.dumps(
        {"error": {"code": 429, "message": "Quota exceeded.", "status": "RESOURCE_EXHAUSTED"}}
    )
    async with GeminiEmulator() as emu:
        emu.answer_models_with(429, body, {"Retry-After": "3"})
        error = await list_failure(emu)
    assert isinstance(error, RateLimitError)
    assert (error.status, error.retry_after) == (429, 3)


@pytest.mark.parametrize(("status", "headers"), [(300, {}), (308, {"Location": "/elsewhere"})])
async def test_any_redirect_of_the_model_list_is_refused_unfollowed(
    status: int, headers: dict[str, str]
) -> None:
    async with GeminiEmulator() as emu:
        emu.answer_models_with(status, "", headers)
        error = await list_failure(emu)
    assert isinstance(error, ProviderNotWorkingError)
    assert str(error) == REDIRECT.format(status=status) + " " + ProviderNotWorkingError.default_hint
    assert [s.path for s in emu.seen] == ["/v1beta/models"]
