"""The Ollama provider's reply, request and errors in full, against the Ollama emulator."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from providers.contract import Context, Credentials, Request
from providers.errors import (
    EmptyReplyError,
    ErrorKind,
    InvalidBaseUrlError,
    MalformedResponseError,
    NotFoundError,
    ProviderError,
    RateLimitError,
    ResponseStatusError,
)
from providers.http import Timeouts
from providers.ollama import OLLAMA, Ollama
from providers.types import Chunk, FinishReason, Message, ProviderInfo, Reasoning, Usage
from tests.emulators.ollama import PROMPT_TOKENS, OllamaEmulator

HELLO: tuple[Message, ...] = ({"role": "user", "content": "Hello"},)
REPLY = "Hello from the emulator."
PIECES = ["Hello ", "from ", "the ", "emulator."]
NOT_IN_FORM = "The model list is not in the form Ollama sends (no models[].name)."
NGINX_400 = (
    "<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>\r\n"
    "<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n"
    "<center>The plain HTTP request was sent to HTTPS port</center>\r\n"
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


@pytest.fixture
async def emu() -> AsyncIterator[OllamaEmulator]:
    emulator = OllamaEmulator()
    async with emulator:
        yield emulator


def at(emu: OllamaEmulator, path: str = "") -> Ollama:
    provider = OLLAMA.with_base_url(emu.base_url + path)
    assert isinstance(provider, Ollama)
    return provider


def line(content: str = "", thinking: str | None = None) -> bytes:
    """One line of a streamed reply, as Ollama writes it."""
    message: dict[str, str] = {"role": "assistant", "content": content}
    if thinking is not None:
        message["thinking"] = thinking
    value = {"model": "llama3.2:latest", "message": message, "done": False}
    return json.dumps(value).encode() + b"\n"


def last(**fields: Any) -> bytes:
    """The last line of a reply, with ``fields`` (``done_reason``, the counts...)."""
    value = {"model": "llama3.2:latest", "message": {"role": "assistant", "content": ""}}
    return json.dumps({**value, "done": True, **fields}).encode() + b"\n"


LAST = last(done_reason="stop", prompt_eval_count=3, eval_count=2)


async def collect(
    emu: OllamaEmulator,
    model: str = "llama3.2",
    messages: tuple[Message, ...] = HELLO,
    context: Context | None = None,
    into: list[Chunk] | None = None,
    path: str = "",
) -> list[Chunk]:
    """The chunks of one reply (also appended to ``into`` as they come, for a failing one)."""
    chunks = [] if into is None else into
    async for chunk in at(emu, path).stream(Request(model, messages), context or Context()):
        chunks.append(chunk)
    return chunks


def text_of(chunks: list[Chunk]) -> str:
    return "".join(c for c in chunks if isinstance(c, str))


# The request.


async def test_a_provider_without_an_address_says_to_set_one() -> None:
    provider = Ollama(name="Ollama", label="My Ollama", url="")
    sentence = (
        "Ollama: My Ollama needs the address of the Ollama server. Set it in Settings → "
        "Providers, or give `parley ask --base-url http://127.0.0.1:11434`."
    )
    with pytest.raises(InvalidBaseUrlError) as caught:
        async for _ in provider.stream(Request("llama3.2", HELLO), Context()):
            pass
    assert str(caught.value) == sentence
    with pytest.raises(InvalidBaseUrlError) as caught:
        await provider.list_models(Context())
    assert str(caught.value) == sentence


async def test_the_model_list_is_asked_for_as_json_with_the_key_and_headers(
    emu: OllamaEmulator,
) -> None:
    credentials = Credentials(api_key="proxy-key", headers={"X-Team": "blue"})
    assert await at(emu).list_models(Context(credentials=credentials)) == [
        "llama3.2:latest",
        "qwen3:0.6b",
    ]
    (seen,) = emu.requests("GET", "/api/tags")
    assert seen.headers["Accept"] == "application/json"
    assert seen.headers["Authorization"] == "Bearer proxy-key"
    assert seen.headers["X-Team"] == "blue"


async def test_text_parts_are_sent_as_one_string_and_no_content_as_empty(
    emu: OllamaEmulator,
) -> None:
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    messages: tuple[Message, ...] = (
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Look"},
                image,
                {"type": "text", "text": ""},
                {"type": "text", "text": "at this"},
            ],
        },
        {"role": "assistant", "content": None},
        {"role": "user", "content": "And?"},
    )
    await collect(emu, messages=messages)
    assert emu.requests("POST", "/api/chat")[0].json()["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Look\n\nat this"},
        {"role": "assistant", "content": ""},
        {"role": "user", "content": "And?"},
    ]


async def test_no_model_named_says_which_model_answered(emu: OllamaEmulator) -> None:
    emu.raw_body = line("Hi") + LAST
    assert await collect(emu, model="") == [
        ProviderInfo("Ollama", "llama3.2:latest"),
        "Hi",
        FinishReason("stop"),
        Usage(3, 2, 5),
    ]


async def test_no_model_named_and_none_pulled_says_how_to_get_one(emu: OllamaEmulator) -> None:
    emu.models = ()
    with pytest.raises(MalformedResponseError) as caught:
        await collect(emu, model="")
    assert str(caught.value) == (
        "Ollama: Ollama (local) lists no models, so there is none to ask. "
        "Download one with `ollama pull llama3.2`, or name one with --model."
    )
    assert emu.requests("POST", "/api/chat") == []


# The reply, read a batch of lines at a time.


async def test_lines_read_together_come_as_one_chunk_of_text(emu: OllamaEmulator) -> None:
    emu.raw_body = line("Hel") + b"\n" + line("lo") + b"\r\n" + LAST
    assert await collect(emu) == ["Hello", FinishReason("stop"), Usage(3, 2, 5)]


async def test_reasoning_lines_read_together_come_as_one_chunk(emu: OllamaEmulator) -> None:
    emu.raw_body = line(thinking="Let me ") + line(thinking="think.") + line("Hi") + LAST
    assert await collect(emu) == [
        Reasoning("Let me think."),
        "Hi",
        FinishReason("stop"),
        Usage(3, 2, 5),
    ]


async def test_reasoning_and_text_that_alternate_keep_their_order(emu: OllamaEmulator) -> None:
    emu.raw_body = line("Sure.") + line(thinking="Check the date.") + line(" Done.") + LAST
    assert await collect(emu) == [
        "Sure.",
        Reasoning("Check the date."),
        " Done.",
        FinishReason("stop"),
        Usage(3, 2, 5),
    ]


async def test_an_empty_thinking_field_is_no_reasoning(emu: OllamaEmulator) -> None:
    emu.raw_body = line("Hi", thinking="") + LAST
    assert await collect(emu) == ["Hi", FinishReason("stop"), Usage(3, 2, 5)]


async def test_a_reply_that_is_all_reasoning_is_kept(emu: OllamaEmulator) -> None:
    emu.raw_body = line(thinking="Hmm.") + LAST
    assert await collect(emu) == [Reasoning("Hmm."), FinishReason("stop"), Usage(3, 2, 5)]


@pytest.mark.parametrize(
    ("fields", "tail"),
    [
        ({"done_reason": "length", "eval_count": 4}, [FinishReason("length"), Usage(None, 4)]),
        ({"done_reason": "stop", "prompt_eval_count": 26}, [FinishReason("stop"), Usage(26)]),
        ({"done_reason": "", "prompt_eval_count": "26", "eval_count": True}, []),
        ({"done_reason": 7, "eval_count": None}, []),
        ({}, []),
    ],
)
async def test_the_last_line_gives_only_the_reason_and_counts_it_has(
    emu: OllamaEmulator, fields: dict[str, Any], tail: list[Chunk]
) -> None:
    emu.raw_body = line("Hi") + last(**fields)
    assert await collect(emu) == ["Hi", *tail]


async def test_what_follows_the_last_line_is_not_read(emu: OllamaEmulator) -> None:
    emu.raw_body = line("Hi") + LAST + b"not json\n"
    assert await collect(emu) == ["Hi", FinishReason("stop"), Usage(3, 2, 5)]


async def test_the_reply_ends_at_its_last_line_while_the_server_keeps_the_connection_open() -> None:
    emu = OllamaEmulator("linger")
    async with emu:
        context = Context(timeouts=Timeouts(connect=2, idle=30))
        chunks = await asyncio.wait_for(collect(emu, context=context), 5)
        await asyncio.wait_for(emu.hung_up.wait(), 2)
    assert text_of(chunks) == REPLY
    assert chunks[-2:] == [
        FinishReason("stop"),
        Usage(PROMPT_TOKENS, len(PIECES), PROMPT_TOKENS + len(PIECES)),
    ]


async def test_an_error_line_keeps_all_the_text_before_it(emu: OllamaEmulator) -> None:
    emu.raw_body = line("Is 3 <") + b'{"error":"unexpected EOF"}\n' + line("lost")
    chunks: list[Chunk] = []
    with pytest.raises(ProviderError) as caught:
        await collect(emu, into=chunks)
    assert text_of(chunks) == "Is 3 <"
    assert all(isinstance(c, str) for c in chunks)
    assert str(caught.value) == (
        "Ollama: The service sent an error in the middle of the reply: unexpected EOF. "
        "The text received so far is kept; try again to get the rest."
    )


async def test_a_line_that_is_not_json_is_named_in_the_error(emu: OllamaEmulator) -> None:
    emu.raw_body = line("Hi") + b"<html>502 Bad Gateway</html>\n" + LAST
    chunks: list[Chunk] = []
    with pytest.raises(MalformedResponseError) as caught:
        await collect(emu, into=chunks)
    assert chunks == ["Hi"]
    assert str(caught.value) == (
        "Ollama: The service sent something that is not JSON: '502 Bad Gateway'. "
        "The service may have changed its protocol; try another provider."
    )


@pytest.mark.parametrize(
    ("bad", "shown"),
    [
        (b"[" + b"1, " * 40 + b"1]", "[" + "1, " * 26 + "1"),
        (b'"caf\xe9"', '"caf\ufffd"'),
    ],
)
async def test_a_line_that_is_not_an_object_is_shown_in_the_error(
    emu: OllamaEmulator, bad: bytes, shown: str
) -> None:
    emu.raw_body = line("Hi") + bad + b"\n" + LAST
    chunks: list[Chunk] = []
    with pytest.raises(MalformedResponseError) as caught:
        await collect(emu, into=chunks)
    assert chunks == ["Hi"]
    assert str(caught.value) == (
        f"Ollama: The server sent {shown!r} where a line of the reply was expected. "
        "The service may have changed its protocol; try another provider."
    )


async def test_an_empty_stream_says_the_server_sent_nothing() -> None:
    emu = OllamaEmulator("empty")
    async with emu:
        with pytest.raises(EmptyReplyError) as caught:
            await collect(emu)
    assert str(caught.value) == (
        "Ollama: The server ended the reply before sending anything; the model may have "
        "failed. Try again; if it happens again, Ollama's server log says why."
    )


async def test_a_finished_reply_without_text_says_the_model_wrote_nothing(
    emu: OllamaEmulator,
) -> None:
    emu.raw_body = last(done_reason="stop")
    with pytest.raises(EmptyReplyError) as caught:
        await collect(emu)
    assert str(caught.value) == (
        "Ollama: The model finished its reply without writing anything. "
        "Try again, or rephrase the message."
    )


# HTTP errors.


async def test_an_unknown_model_is_named_in_full(emu: OllamaEmulator) -> None:
    with pytest.raises(NotFoundError) as caught:
        await collect(emu, model="mistral")
    assert caught.value.status == 404
    assert str(caught.value) == (
        'Ollama: Ollama (local) has no model “mistral” (HTTP 404): model "mistral" not '
        "found, try pulling it first. Download it with `ollama pull mistral`, or pick a "
        "model from the refreshed model list."
    )


async def test_a_role_ollama_does_not_know_is_refused_with_what_it_said(
    emu: OllamaEmulator,
) -> None:
    with pytest.raises(ResponseStatusError) as caught:
        await collect(emu, messages=({"role": "developer", "content": "Be brief."}, *HELLO))
    assert (caught.value.status, caught.value.kind) == (400, ErrorKind.HTTP)
    assert str(caught.value) == (
        "Ollama: The service answered HTTP 400: messages[0]: invalid role 'developer'. "
        "The site did not accept the request; it may have changed how it works."
    )


async def test_a_server_error_that_says_not_found_is_not_a_missing_model(
    emu: OllamaEmulator,
) -> None:
    said = "llama runner process has terminated: error loading model: tensor 'blk.0' not found"
    emu.answer_with(500, json.dumps({"error": said}))
    with pytest.raises(ResponseStatusError) as caught:
        await collect(emu)
    assert caught.value.status == 500
    assert str(caught.value) == (
        f"Ollama: The service answered HTTP 500: {said}. "
        "The site has a problem on its side; try again later, or pick another provider."
    )


async def test_a_base_url_with_a_wrong_path_names_the_path(emu: OllamaEmulator) -> None:
    hint = f"Pick a model from the refreshed model list, or check the base URL ({emu.url}/v1)."
    with pytest.raises(NotFoundError) as caught:
        await collect(emu, path="/v1")
    assert str(caught.value) == (
        "Ollama: There is no model “llama3.2” here, or no path /api/chat (HTTP 404): "
        f"404: Not Found. {hint}"
    )
    with pytest.raises(NotFoundError) as caught:
        await at(emu, "/v1").list_models(Context())
    assert str(caught.value) == (
        f"Ollama: There is no path /api/tags here (HTTP 404): 404: Not Found. {hint}"
    )
    assert [seen.path for seen in emu.seen] == ["/v1/api/chat", "/v1/api/tags"]


async def test_a_proxy_that_asks_to_wait_says_how_long(emu: OllamaEmulator) -> None:
    sentence = (
        "Ollama: Too many requests (HTTP 429): rate limit exceeded. "
        "Wait and try again in 7 s, or pick another provider."
    )
    body = '{"error":"rate limit exceeded"}'
    emu.answer_with(429, body, {"Retry-After": "7"})
    emu.tags_reply = (429, body, {"Retry-After": "7"})
    for call in (collect(emu), at(emu).list_models(Context())):
        with pytest.raises(RateLimitError) as caught:
            await call
        assert (caught.value.retry_after, str(caught.value)) == (7.0, sentence)


async def test_a_model_list_answered_with_an_error_page_is_an_http_error(
    emu: OllamaEmulator,
) -> None:
    emu.tags_reply = (400, NGINX_400, {})
    with pytest.raises(ResponseStatusError) as caught:
        await at(emu).list_models(Context())
    assert caught.value.status == 400
    assert str(caught.value) == (
        "Ollama: The service answered HTTP 400: 400 The plain HTTP request was sent to "
        "HTTPS port — 400 Bad Request The plain HTTP request was sent to HTTPS port nginx. "
        "The site did not accept the request; it may have changed how it works."
    )


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("Ollama is running", "The service sent something that is not JSON: 'Ollama is running'."),
        ('{"tags": []}', NOT_IN_FORM),
        ('{"models": null}', NOT_IN_FORM),
        ('["llama3.2:latest"]', NOT_IN_FORM),
    ],
)
async def test_a_model_list_in_another_form_is_malformed(
    emu: OllamaEmulator, body: str, said: str
) -> None:
    emu.tags_reply = (200, body, {})
    with pytest.raises(MalformedResponseError) as caught:
        await at(emu).list_models(Context())
    assert str(caught.value) == (
        f"Ollama: {said} The service may have changed its protocol; try another provider."
    )


async def test_models_are_listed_by_name_else_by_model_and_unnamed_ones_skipped(
    emu: OllamaEmulator,
) -> None:
    items = [
        {"name": "llama3.2:latest", "model": "llama3.2:latest"},
        {"model": "phi4:latest"},
        {"name": "qwen3:0.6b"},
        {"name": "", "model": "gemma3:1b"},
        {"name": 5},
        {"name": ""},
        "stray",
        {"size": 1},
    ]
    emu.tags_reply = (200, json.dumps({"models": items}), {})
    assert await at(emu).list_models(Context()) == [
        "llama3.2:latest",
        "phi4:latest",
        "qwen3:0.6b",
        "gemma3:1b",
    ]
