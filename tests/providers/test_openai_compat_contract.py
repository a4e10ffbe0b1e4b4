"""OpenAICompatible chunk by chunk and word for word: what it sends, what it yields, each error.

The emulator (tests/emulators/openai.py) speaks the protocol; these tests pin the exact chunks a
reply gives, the exact requests sent, and each error's sentence as a person reads it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from providers.contract import Context, Credentials, Options, Request
from providers.errors import IdleTimeoutError, ProviderError
from providers.http import Timeouts, new_client_session
from providers.openai_compat import OpenAICompatible, model_ids
from providers.presets import MISTRAL, OPENAI, OPENAI_COMPATIBLE
from providers.types import AnswerWasReasoning, Chunk, FinishReason, ProviderInfo, Reasoning, Usage
from tests.emulators.openai import OpenAIEmulator
from tests.emulators.proxy import Tinyproxy, free_port

HI = ({"role": "user", "content": "hi"},)
WORDS: list[Chunk] = ["Hello ", "from ", "the ", "emulator."]
ENDING: list[Chunk] = [FinishReason("stop"), Usage(9, 12, 21)]
THOUGHT = "Let me think about it."
CHECK_KEY = "Check the key for OpenAI in Settings → Providers (or `parley keys set`)."
WRONG_KEY = (
    "OpenAI: The API key was rejected (HTTP 401): Incorrect API key provided: sk-...1234. "
    + CHECK_KEY
)
MALFORMED = "The service may have changed its protocol; try another provider."


@pytest.fixture
async def emulator() -> AsyncIterator[OpenAIEmulator]:
    async with OpenAIEmulator() as emulator:
        yield emulator


def at(emulator: OpenAIEmulator, provider: OpenAICompatible = OPENAI) -> OpenAICompatible:
    moved = provider.with_base_url(emulator.base_url)
    assert isinstance(moved, OpenAICompatible)
    return moved


def keyed(key: str = OpenAIEmulator.key, **extra: object) -> Context:
    return Context(credentials=Credentials(api_key=key), **extra)  # type: ignore[arg-type]


async def reply(
    provider: OpenAICompatible,
    context: Context | None = None,
    request: Request | None = None,
) -> list[Chunk]:
    request = request or Request("test-model", HI)
    return [chunk async for chunk in provider.stream(request, context or keyed())]


async def until_error(
    provider: OpenAICompatible, context: Context | None = None, model: str = "test-model"
) -> tuple[list[Chunk], ProviderError]:
    received: list[Chunk] = []
    try:
        async for chunk in provider.stream(Request(model, HI), context or keyed()):
            received.append(chunk)
    except ProviderError as error:
        return received, error
    raise AssertionError(f"the reply ended with no error: {received}")


def said(error: ProviderError) -> tuple[str, str, int | None]:
    return type(error).__name__, str(error), error.status


# What a reply yields, chunk by chunk.


@pytest.mark.parametrize("quirks", [(), ("odd_chunks",), ("usage_every_chunk", "odd_chunks")])
async def test_a_reply_is_its_words_then_its_finish_reason_and_usage(
    emulator: OpenAIEmulator, quirks: tuple[str, ...]
) -> None:
    emulator.quirks.update(quirks)
    assert await reply(at(emulator)) == [*WORDS, *ENDING]


async def test_usage_named_only_by_groq_is_still_counted(emulator: OpenAIEmulator) -> None:
    emulator.quirks.add("groq_usage")
    assert await reply(at(emulator)) == [*WORDS, *ENDING]


async def test_a_server_that_sends_no_usage_gives_none(emulator: OpenAIEmulator) -> None:
    emulator.quirks.add("odd_chunks")
    assert await reply(at(emulator, MISTRAL)) == [*WORDS, FinishReason("stop")]


async def test_usage_counts_that_are_not_integers_are_left_out(emulator: OpenAIEmulator) -> None:
    emulator.quirks.add("odd_usage")
    assert await reply(at(emulator)) == [*WORDS, FinishReason("stop"), Usage(9, None, None)]
    emulator.seen.clear()
    assert await reply(at(emulator, MISTRAL)) == [*WORDS, FinishReason("stop")]


@pytest.mark.parametrize("quirk", ["reasoning_content", "reasoning"])
async def test_reasoning_fields_come_word_by_word_before_the_answer(
    emulator: OpenAIEmulator, quirk: str
) -> None:
    emulator.quirks.add(quirk)
    emulator.script.reasoning = THOUGHT
    thought = [Reasoning(w) for w in ("Let ", "me ", "think ", "about ", "it. ")]
    assert await reply(at(emulator)) == [*thought, *WORDS, *ENDING]


async def test_a_reply_of_reasoning_alone_is_not_an_empty_reply(emulator: OpenAIEmulator) -> None:
    emulator.quirks.add("reasoning_content")
    emulator.script.reasoning = "Hmm."
    emulator.script.reply = ""
    assert await reply(at(emulator)) == [Reasoning("Hmm. "), *ENDING]


async def test_inline_reasoning_is_split_off_the_answer(emulator: OpenAIEmulator) -> None:
    emulator.quirks.add("think_inline")
    emulator.script.reasoning = THOUGHT
    assert await reply(at(emulator)) == [Reasoning(THOUGHT), *WORDS, *ENDING]


async def test_inline_reasoning_without_its_opening_tag_is_taken_back(
    emulator: OpenAIEmulator,
) -> None:
    emulator.quirks.add("think_unopened")
    emulator.script.reasoning = THOUGHT
    assert await reply(at(emulator)) == [THOUGHT, AnswerWasReasoning(), *WORDS, *ENDING]


async def test_text_held_back_as_a_possible_tag_is_given_at_the_end(
    emulator: OpenAIEmulator,
) -> None:
    emulator.script.pieces = ["Hello", " </thi"]
    assert await reply(at(emulator)) == ["Hello", " ", "</thi", *ENDING]


async def test_an_empty_reply_says_the_context_may_be_too_long(emulator: OpenAIEmulator) -> None:
    emulator.script.reply = ""
    received, error = await until_error(at(emulator))
    assert received == []
    assert said(error) == (
        "EmptyReplyError",
        "OpenAI: The server sent an empty reply; the conversation may be longer than the "
        "model's context. Try again with a shorter conversation, or pick a model with a longer "
        "context.",
        None,
    )


async def test_a_reply_stopped_by_the_content_filter_before_any_text_is_not_empty(
    emulator: OpenAIEmulator,
) -> None:
    emulator.quirks.add("content_filter")
    emulator.script.reply = ""
    assert await reply(at(emulator)) == [FinishReason("content_filter"), Usage(9, 12, 21)]


async def test_an_error_in_the_stream_ends_the_reply_after_the_text_so_far(
    emulator: OpenAIEmulator,
) -> None:
    emulator.quirks.add("error_midstream")
    received, error = await until_error(at(emulator))
    assert received == ["Hello ", "from "]
    assert said(error) == (
        "ProviderError",
        "OpenAI: The service sent an error in the middle of the reply: Upstream provider error. "
        "The text received so far is kept; try again to get the rest.",
        502,
    )


async def test_a_chunk_that_is_not_an_object_is_a_malformed_reply(
    emulator: OpenAIEmulator,
) -> None:
    emulator.quirks.add("not_an_object")
    received, error = await until_error(at(emulator))
    assert received == []
    assert said(error) == (
        "MalformedResponseError",
        "OpenAI: The server sent '\"a note from a proxy "
        + "-" * 59
        + f"' where a chunk was expected. {MALFORMED}",
        None,
    )


async def test_a_chunk_that_is_not_json_is_a_malformed_reply(emulator: OpenAIEmulator) -> None:
    emulator.quirks.add("not_json")
    received, error = await until_error(at(emulator))
    assert received == []
    assert said(error) == (
        "MalformedResponseError",
        'OpenAI: The service sent something that is not JSON: \'{"choices": [{"delta":\'. '
        + MALFORMED,
        None,
    )


# What is sent.


async def test_the_chat_request_asks_for_a_stream_and_the_model_list_for_json(
    emulator: OpenAIEmulator,
) -> None:
    provider = at(emulator)
    context = Context(credentials=Credentials(api_key=emulator.key, headers={"X-Team": "blue"}))
    await reply(provider, context)
    assert await provider.list_models(context) == ["test-model", "other-model"]
    sent = [
        (s.method, s.path, s.headers.get("Accept"), s.headers["Authorization"], s.headers["X-Team"])
        for s in emulator.seen
    ]
    assert sent == [
        ("POST", "/v1/chat/completions", "text/event-stream", "Bearer test-key", "blue"),
        ("GET", "/v1/models", "application/json", "Bearer test-key", "blue"),
    ]


async def test_a_server_that_refuses_stream_options_gets_only_the_documented_fields(
    emulator: OpenAIEmulator,
) -> None:
    request = Request("test-model", HI, Options(top_p=0.5))
    await reply(at(emulator, MISTRAL), request=request)
    (seen,) = emulator.requests("POST", "/v1/chat/completions")
    assert seen.json() == {"model": "test-model", "messages": [*HI], "stream": True, "top_p": 0.5}


async def test_the_apps_http_session_carries_the_requests(emulator: OpenAIEmulator) -> None:
    async with new_client_session(headers={"User-Agent": "Parley/test"}) as http:
        context = keyed(http=http)
        await reply(at(emulator), context)
        await at(emulator).list_models(context)
    assert [s.headers["User-Agent"] for s in emulator.seen] == ["Parley/test", "Parley/test"]


@pytest.fixture
def tinyproxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tinyproxy]:
    with Tinyproxy(tmp_path_factory.mktemp("tinyproxy")) as proxy:
        yield proxy


@pytest.mark.parametrize("with_app_session", [False, True])
async def test_the_reply_and_the_model_list_go_through_the_proxy(
    emulator: OpenAIEmulator, tinyproxy: Tinyproxy, with_app_session: bool
) -> None:
    async with new_client_session() as http:
        context = keyed(proxy=tinyproxy.url, http=http if with_app_session else None)
        assert await reply(at(emulator), context) == [*WORDS, *ENDING]
        assert await at(emulator).list_models(context) == ["test-model", "other-model"]
    assert [(s.path, "tinyproxy" in s.headers.get("Via", "")) for s in emulator.seen] == [
        ("/v1/chat/completions", True),
        ("/v1/models", True),
    ]


async def test_a_silent_server_times_out_after_the_text_so_far(emulator: OpenAIEmulator) -> None:
    emulator.quirks.add("hang")
    context = keyed(timeouts=Timeouts(connect=2, idle=0.3))
    received, error = await asyncio.wait_for(until_error(at(emulator), context), 10)
    assert received == ["Hello ", "from "]
    assert isinstance(error, IdleTimeoutError)
    assert str(error).startswith("OpenAI: ")


async def test_a_model_list_that_never_comes_times_out(emulator: OpenAIEmulator) -> None:
    emulator.quirks.add("models_hang")
    context = keyed(timeouts=Timeouts(connect=2, idle=0.3))
    with pytest.raises(IdleTimeoutError) as caught:
        await asyncio.wait_for(at(emulator).list_models(context), 10)
    assert str(caught.value).startswith("OpenAI: ")


async def test_a_server_that_is_not_there_is_named_in_the_error() -> None:
    dead = OPENAI.with_base_url(f"http://127.0.0.1:{free_port()}/v1")
    host = dead.url.removeprefix("http://").removesuffix("/v1")
    expected = (
        "ProviderNotWorkingError",
        f"OpenAI: Could not reach {host}: nothing is listening at that address. The site may be "
        "down or gone; if you know a mirror, set the provider's base URL (Settings → Providers in "
        "the window, or `parley ask --base-url URL`).",
        None,
    )
    assert isinstance(dead, OpenAICompatible)
    _, error = await until_error(dead)
    assert said(error) == expected
    with pytest.raises(ProviderError) as caught:
        await dead.list_models(keyed())
    assert said(caught.value) == expected


# A request that names no model.


async def test_a_request_with_no_model_asks_the_servers_first_and_says_so(
    emulator: OpenAIEmulator,
) -> None:
    emulator.quirks.add("keyless")
    emulator.models = ("other-model", "test-model")
    received = await reply(at(emulator, OPENAI_COMPATIBLE), Context(), Request("", HI))
    assert received == [ProviderInfo("OpenAICompatible", "other-model"), *WORDS, *ENDING]
    assert [(s.method, s.path, "Authorization" in s.headers) for s in emulator.seen] == [
        ("GET", "/v1/models", False),
        ("POST", "/v1/chat/completions", False),
    ]
    assert emulator.seen[1].json()["model"] == "other-model"


async def test_a_server_with_no_models_loaded_says_to_load_one(emulator: OpenAIEmulator) -> None:
    emulator.quirks.add("keyless")
    emulator.models = ()
    _, error = await until_error(at(emulator, OPENAI_COMPATIBLE), Context(), model="")
    assert said(error) == (
        "MalformedResponseError",
        "OpenAICompatible: OpenAI-compatible lists no models, so there is none to ask. Load a "
        "model in the server, or name one with --model.",
        None,
    )


# Errors, word for word.


async def test_a_wrong_key_is_refused_for_the_reply_and_for_the_model_list(
    emulator: OpenAIEmulator,
) -> None:
    _, error = await until_error(at(emulator), keyed("sk-wrong-1234"))
    assert said(error) == ("AuthenticationError", WRONG_KEY, 401)
    with pytest.raises(ProviderError) as caught:
        await at(emulator).list_models(keyed("sk-wrong-1234"))
    assert said(caught.value) == ("AuthenticationError", WRONG_KEY, 401)


async def test_a_wrong_base_url_names_the_path_that_is_missing(emulator: OpenAIEmulator) -> None:
    wrong = OPENAI.with_base_url(f"{emulator.url}/v2")
    assert isinstance(wrong, OpenAICompatible)
    pick = f"Pick a model from the refreshed model list, or check the base URL ({wrong.url})."
    _, error = await until_error(wrong)
    assert said(error) == (
        "NotFoundError",
        "OpenAI: There is no model “test-model” here, or no path /chat/completions (HTTP 404): "
        f"404: Not Found. {pick}",
        404,
    )
    with pytest.raises(ProviderError) as caught:
        await wrong.list_models(keyed())
    assert said(caught.value) == (
        "NotFoundError",
        f"OpenAI: There is no path /models here (HTTP 404): 404: Not Found. {pick}",
        404,
    )


async def test_a_400_reply_is_the_services_refusal(emulator: OpenAIEmulator) -> None:
    emulator.answer_with(400, '{"error": {"message": "Invalid value for top_p."}}')
    _, error = await until_error(at(emulator))
    assert said(error) == (
        "ResponseStatusError",
        "OpenAI: The service answered HTTP 400: Invalid value for top_p. The site did not accept "
        "the request; it may have changed how it works.",
        400,
    )


async def test_a_model_list_refused_with_a_400_is_the_services_refusal(
    emulator: OpenAIEmulator,
) -> None:
    emulator.quirks.add("models_canned")
    emulator.answer_with(400, '{"error": {"message": "Listing is off here."}}')
    with pytest.raises(ProviderError) as caught:
        await at(emulator).list_models(keyed())
    assert said(caught.value) == (
        "ResponseStatusError",
        "OpenAI: The service answered HTTP 400: Listing is off here. The site did not accept the "
        "request; it may have changed how it works.",
        400,
    )


async def test_a_model_list_rate_limit_keeps_its_wait(emulator: OpenAIEmulator) -> None:
    emulator.quirks.add("models_canned")
    emulator.answer_with(429, '{"error": {"message": "Slow down"}}', {"Retry-After": "20"})
    with pytest.raises(ProviderError) as caught:
        await at(emulator).list_models(keyed())
    assert (said(caught.value), caught.value.retry_after) == (
        (
            "RateLimitError",
            "OpenAI: Too many requests (HTTP 429): Slow down. Wait and try again in 20 s, or pick "
            "another provider.",
            429,
        ),
        20.0,
    )


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        (
            "<html><title>Models</title></html>",
            "The service sent something that is not JSON: 'Models'.",
        ),
        ('{"object": "list"}', "The model list is not in a form Parley knows (no data[].id)."),
    ],
)
async def test_a_model_list_that_is_no_list_names_the_provider(
    emulator: OpenAIEmulator, body: str, sentence: str
) -> None:
    emulator.quirks.add("models_canned")
    emulator.answer_with(200, body)
    with pytest.raises(ProviderError) as caught:
        await at(emulator).list_models(keyed())
    assert said(caught.value) == ("MalformedResponseError", f"OpenAI: {sentence} {MALFORMED}", None)


async def test_the_generic_entry_without_a_base_url_says_how_to_give_one() -> None:
    expected = (
        "InvalidBaseUrlError",
        "OpenAICompatible: OpenAI-compatible needs the base URL of the server to talk to. Set it "
        "in Settings → Providers, or give `parley ask --base-url http://127.0.0.1:8000/v1`.",
        None,
    )
    _, error = await until_error(OPENAI_COMPATIBLE, Context())
    assert said(error) == expected
    with pytest.raises(ProviderError) as caught:
        await OPENAI_COMPATIBLE.list_models(Context())
    assert said(caught.value) == expected


ADD_KEY = (
    "OpenAI: An API key is needed. Add the key for OpenAI in Settings → Providers (or `parley "
)


async def test_a_service_without_a_key_says_where_to_add_one_before_sending(
    emulator: OpenAIEmulator,
) -> None:
    _, error = await until_error(OPENAI, Context())
    assert said(error) == (
        "MissingCredentialsError",
        ADD_KEY + "keys set OpenAI api_key`), or set OPENAI_API_KEY.",
        None,
    )
    with pytest.raises(ProviderError) as caught:
        await OPENAI.list_models(Context())
    assert str(caught.value) == str(error)
    _, moved = await until_error(at(emulator), Context())
    assert str(moved) == (  # its variable is not for here, nor a key stored for its home
        f"OpenAI: No API key is stored for {emulator.base_url.removesuffix('/v1')}, and a key "
        "stored for another site is never sent here. Add the key for OpenAI at this base URL "
        "in Settings → Providers (or `parley keys set OpenAI api_key --base-url "
        f"{emulator.base_url}`)."
    )
    assert emulator.seen == []


@pytest.mark.parametrize(
    ("key_env", "where"),
    [(("TEAM_KEY", "LLM_KEY"), ", or set TEAM_KEY or LLM_KEY"), ((), "")],
)
async def test_the_key_variables_named_are_the_providers_own(
    key_env: tuple[str, ...], where: str
) -> None:
    team = OpenAICompatible(
        name="Team",
        label="Team LLM",
        url="https://llm.example/v1",
        needs_auth=True,
        key_env=key_env,
    )
    with pytest.raises(ProviderError) as caught:
        await team.list_models(Context())
    assert str(caught.value) == (
        "Team: An API key is needed. Add the key for Team LLM in Settings → Providers (or `parley "
        f"keys set Team api_key`){where}."
    )


# The model list's shapes.


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ({"object": "list", "data": [{"id": "a"}, {"id": "b"}]}, ["a", "b"]),
        ({"data": []}, []),
        ({"data": ["junk", {"id": "b"}, {"id": 5}]}, ["b"]),
        ({"models": [{"name": "llama3:8b", "model": "llama3:8b-q4"}]}, ["llama3:8b"]),
        ({"models": [{"model": "qwen3"}]}, ["qwen3"]),
        ({"data": [{"name": "x"}], "models": [{"name": "from-models"}]}, ["from-models"]),
    ],
)
def test_the_model_list_is_read_in_each_shape_servers_send(value: object, names: list[str]) -> None:
    assert model_ids(value, "LlamaCpp") == names


@pytest.mark.parametrize("value", [{"data": [{"id": 5}]}, {"object": "list"}, ["a"], None])
def test_a_model_list_in_no_known_shape_is_malformed(value: object) -> None:
    with pytest.raises(ProviderError) as caught:
        model_ids(value, "LlamaCpp")
    assert said(caught.value) == (
        "MalformedResponseError",
        f"LlamaCpp: The model list is not in a form Parley knows (no data[].id). {MALFORMED}",
        None,
    )
