"""The Ollama provider against the Ollama emulator on loopback, and the emulator's strictness."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from chat.conversation import Conversation, Message, MessageState
from chat.secrets import MemorySecretStore, secret_name
from chat.session import ChatSession
from providers.contract import Context, Credentials, Options, Request
from providers.errors import (
    EmptyReplyError,
    ErrorKind,
    IdleTimeoutError,
    MalformedResponseError,
    NotFoundError,
    ProviderError,
    ProviderNotWorkingError,
    ResponseStatusError,
)
from providers.http import Timeouts, new_client_session
from providers.ollama import OLLAMA, Ollama
from providers.types import Chunk, FinishReason, Reasoning, Usage
from tests.emulators.ollama import MIDSTREAM_ERROR, PROMPT_TOKENS, THOUGHT, OllamaEmulator
from tests.support.fuzz import ends_within

HELLO = ({"role": "user", "content": "Hello"},)
REPLY = "Hello from the emulator."
PIECES = ["Hello ", "from ", "the ", "emulator."]


@pytest.fixture
async def emu() -> AsyncIterator[OllamaEmulator]:
    async with OllamaEmulator() as emulator:
        yield emulator


def at(emu: OllamaEmulator) -> Ollama:
    provider = OLLAMA.with_base_url(emu.base_url)
    assert isinstance(provider, Ollama)
    return provider


async def collect(
    emu: OllamaEmulator,
    model: str = "llama3.2",
    options: Options | None = None,
    context: Context | None = None,
    into: list[Chunk] | None = None,
) -> list[Chunk]:
    """The chunks of one reply (also appended to ``into`` as they come, for a failing one)."""
    chunks = [] if into is None else into
    request = Request(model, HELLO, options or Options())
    async for chunk in at(emu).stream(request, context or Context()):
        chunks.append(chunk)
    return chunks


def text_of(chunks: list[Chunk]) -> str:
    return "".join(c for c in chunks if isinstance(c, str))


def reasoning_of(chunks: list[Chunk]) -> str:
    return "".join(c.text for c in chunks if isinstance(c, Reasoning))


async def session_reply(emu: OllamaEmulator, model: str = "llama3.2") -> Message:
    conversation = Conversation(system_prompt="Be brief.")
    conversation.add("user", "Hello")
    async with new_client_session() as http:
        session = ChatSession(MemorySecretStore(), http, timeouts=Timeouts(connect=2, idle=2))
        return await session.reply(conversation, at(emu), model).run()


# The provider's values.


def test_ollama_is_a_local_keyless_provider_at_its_usual_port() -> None:
    assert OLLAMA.kind == "Ollama"
    assert OLLAMA.url == "http://127.0.0.1:11434"
    assert OLLAMA.local
    assert not OLLAMA.needs_auth
    assert OLLAMA.credential_kinds == ("api_key",)
    assert OLLAMA.supported_options == {
        "temperature",
        "top_p",
        "max_tokens",
        "seed",
        "presence_penalty",
        "frequency_penalty",
    }


# Replies.


async def test_reply_streams_text_then_finish_reason_and_usage(emu: OllamaEmulator) -> None:
    chunks = await collect(emu)
    assert text_of(chunks[:-2]) == REPLY  # the text of lines read at once comes as one chunk
    assert all(isinstance(c, str) for c in chunks[:-2])
    assert chunks[-2:] == [
        FinishReason("stop"),
        Usage(PROMPT_TOKENS, len(PIECES), PROMPT_TOKENS + len(PIECES)),
    ]


async def test_request_body_uses_ollamas_option_names(emu: OllamaEmulator) -> None:
    options = Options(
        temperature=0.2,
        top_p=0.9,
        max_tokens=50,
        seed=7,
        presence_penalty=0.1,
        frequency_penalty=0.3,
    )
    await collect(emu, options=options)
    (seen,) = emu.requests("POST", "/api/chat")
    assert seen.json() == {
        "model": "llama3.2",
        "messages": [{"role": "user", "content": "Hello"}],
        "stream": True,
        "options": {
            "temperature": 0.2,
            "top_p": 0.9,
            "num_predict": 50,
            "seed": 7,
            "presence_penalty": 0.1,
            "frequency_penalty": 0.3,
        },
    }
    assert seen.headers["Accept"] == "application/x-ndjson"
    assert "Authorization" not in seen.headers


async def test_no_options_means_no_options_object(emu: OllamaEmulator) -> None:
    await collect(emu)
    assert "options" not in emu.requests("POST", "/api/chat")[0].json()


async def test_a_stored_key_and_extra_headers_are_sent(emu: OllamaEmulator) -> None:
    credentials = Credentials(api_key="proxy-key", headers={"X-Team": "blue"})
    await collect(emu, context=Context(credentials=credentials))
    await at(emu).list_models(Context(credentials=credentials))
    for seen in (emu.requests("POST", "/api/chat")[0], emu.requests("GET", "/api/tags")[0]):
        assert seen.headers["Authorization"] == "Bearer proxy-key"
        assert seen.headers["X-Team"] == "blue"


async def test_thinking_comes_as_reasoning_before_the_answer() -> None:
    async with OllamaEmulator("thinking") as emu:
        chunks = await collect(emu)
    assert reasoning_of(chunks) == THOUGHT
    assert text_of(chunks) == REPLY
    last_thought = max(i for i, c in enumerate(chunks) if isinstance(c, Reasoning))
    assert last_thought < min(i for i, c in enumerate(chunks) if isinstance(c, str))


async def test_inline_think_tags_become_reasoning() -> None:
    async with OllamaEmulator("think_inline") as emu:
        chunks = await collect(emu)
    assert reasoning_of(chunks) == THOUGHT
    assert text_of(chunks) == REPLY


async def test_length_is_the_finish_reason_when_num_predict_is_reached() -> None:
    async with OllamaEmulator("length") as emu:
        chunks = await collect(emu, options=Options(max_tokens=4))
    assert FinishReason("length") in chunks


async def test_a_stream_without_its_last_line_ends_with_the_text() -> None:
    async with OllamaEmulator("no_done") as emu:
        chunks = await collect(emu)
    assert text_of(chunks) == REPLY
    assert all(isinstance(c, str) for c in chunks)


async def test_an_empty_stream_is_an_empty_reply() -> None:
    async with OllamaEmulator("empty") as emu:
        with pytest.raises(EmptyReplyError) as caught:
            await collect(emu)
    assert caught.value.kind is ErrorKind.EMPTY
    assert "before sending anything" in str(caught.value)


async def test_a_finished_reply_with_no_text_is_an_empty_reply(emu: OllamaEmulator) -> None:
    emu.raw_body = b'{"message":{"role":"assistant","content":""},"done":true}\n'
    with pytest.raises(EmptyReplyError, match="without writing anything"):
        await collect(emu)


async def test_no_model_named_asks_the_first_model_listed(emu: OllamaEmulator) -> None:
    chunks = await collect(emu, model="")
    assert text_of(chunks) == REPLY
    assert [s.path for s in emu.seen] == ["/api/tags", "/api/chat"]
    assert emu.requests("POST", "/api/chat")[0].json()["model"] == "llama3.2:latest"


async def test_no_model_named_and_none_pulled_says_to_pull_one(emu: OllamaEmulator) -> None:
    emu.models = ()
    with pytest.raises(MalformedResponseError, match="ollama pull"):
        await collect(emu, model="")


async def test_list_models_gives_the_pulled_models(emu: OllamaEmulator) -> None:
    assert await at(emu).list_models(Context()) == ["llama3.2:latest", "qwen3:0.6b"]


# Failures.


async def test_an_unknown_model_is_named_with_how_to_pull_it(emu: OllamaEmulator) -> None:
    with pytest.raises(NotFoundError) as caught:
        await collect(emu, model="mistral")
    sentence = str(caught.value)
    assert caught.value.status == 404
    assert "“mistral”" in sentence
    assert 'model "mistral" not found' in sentence
    assert "`ollama pull mistral`" in sentence


async def test_a_server_not_running_says_to_start_ollama() -> None:
    async with OllamaEmulator() as emu:
        pass  # its port is closed now
    with pytest.raises(ProviderNotWorkingError, match="`ollama serve`"):
        await collect(emu)
    with pytest.raises(ProviderNotWorkingError, match="`ollama serve`"):
        await at(emu).list_models(Context())


async def test_a_server_error_says_what_ollama_said(emu: OllamaEmulator) -> None:
    emu.answer_with(500, '{"error":"llama runner process has terminated: exit status 2"}')
    with pytest.raises(ResponseStatusError, match="llama runner process has terminated"):
        await collect(emu)


async def test_error_midstream_keeps_the_text_before_it() -> None:
    async with OllamaEmulator("error_midstream") as emu:
        message = await session_reply(emu)
    assert message.state is MessageState.FAILED
    assert message.content == "".join(PIECES[:2])
    assert message.error is not None
    assert message.error.kind == ErrorKind.UNEXPECTED
    assert MIDSTREAM_ERROR in message.error.sentence
    assert "kept" in message.error.sentence


async def test_an_error_line_read_with_the_text_keeps_the_text(emu: OllamaEmulator) -> None:
    emu.raw_body = b'{"message":{"content":"Partial"}}\n{"error":"unexpected EOF"}\n'
    chunks: list[Chunk] = []
    with pytest.raises(ProviderError, match="unexpected EOF"):
        await collect(emu, into=chunks)
    assert chunks == ["Partial"]


async def test_a_line_that_is_not_json_ends_the_reply_after_the_text(emu: OllamaEmulator) -> None:
    emu.raw_body = b'{"message":{"content":"Partial"},"done":false}\nnot json\n'
    chunks: list[Chunk] = []
    with pytest.raises(MalformedResponseError):
        await collect(emu, into=chunks)
    assert chunks == ["Partial"]


async def test_a_silent_server_times_out_keeping_the_text() -> None:
    async with OllamaEmulator("hang") as emu:
        chunks: list[Chunk] = []
        context = Context(timeouts=Timeouts(connect=2, idle=0.3))
        with pytest.raises(IdleTimeoutError):
            await collect(emu, context=context, into=chunks)
        await asyncio.wait_for(emu.hung_up.wait(), 2)
    assert text_of(chunks) == "".join(PIECES[:2])


# Through the chat session.


async def test_session_keeps_text_reasoning_usage_and_finish_reason() -> None:
    async with OllamaEmulator("thinking") as emu:
        message = await session_reply(emu)
    assert message.state is MessageState.COMPLETE
    assert message.content == REPLY
    assert message.reasoning == THOUGHT
    assert message.finish_reason == "stop"
    assert message.usage == {
        "prompt_tokens": PROMPT_TOKENS,
        "completion_tokens": len(PIECES),
        "total_tokens": PROMPT_TOKENS + len(PIECES),
    }
    sent = emu.requests("POST", "/api/chat")[0].json()["messages"]
    assert sent == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello"},
    ]


async def test_session_sends_the_key_stored_for_the_servers_origin() -> None:
    async with OllamaEmulator() as emu, new_client_session() as http:
        provider = at(emu)
        secrets = MemorySecretStore()
        await secrets.set(secret_name("Ollama", "api_key", provider.origin()), "stored-key")
        conversation = Conversation()
        conversation.add("user", "Hello")
        session = ChatSession(secrets, http, timeouts=Timeouts(connect=2, idle=2))
        message = await session.reply(conversation, provider, "llama3.2").run()
        assert message.content == REPLY
        assert emu.seen[0].headers["Authorization"] == "Bearer stored-key"


async def test_session_reports_an_unknown_model_as_not_found(emu: OllamaEmulator) -> None:
    message = await session_reply(emu, model="mistral")
    assert message.state is MessageState.FAILED
    assert message.error is not None
    assert message.error.kind == ErrorKind.NOT_FOUND
    assert "ollama pull mistral" in message.error.sentence


# The emulator is as strict as Ollama.


async def call(emu: OllamaEmulator, method: str, path: str, **kwargs: object) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, emu.url + path, **kwargs) as response,
    ):
        return response.status, await response.text()


async def test_emulator_answers_a_probe_as_ollama_does(emu: OllamaEmulator) -> None:
    assert await call(emu, "GET", "/") == (200, "Ollama is running")


@pytest.mark.parametrize(
    ("body", "status", "said"),
    [
        (b"", 400, "missing request body"),
        (b"{not json", 400, "invalid character"),
        (b'{"messages": []}', 400, "model is required"),
        (b'{"model": "nope", "messages": []}', 404, 'model \\"nope\\" not found'),
        (b'{"model": "llama3.2", "messages": "Hi"}', 400, "cannot unmarshal string"),
        (b'{"model": "llama3.2", "messages": [{"role": "user", "content": []}]}', 400, "array"),
        (b'{"model": "llama3.2", "messages": [{"role": "bot", "content": ""}]}', 400, "role"),
        (b'{"model": "llama3.2", "options": {"num_predict": "5"}}', 400, "num_predict"),
        (b'{"model": "llama3.2", "stream": "yes"}', 400, "bool"),
    ],
)
async def test_emulator_refuses_what_ollama_refuses(
    emu: OllamaEmulator, body: bytes, status: int, said: str
) -> None:
    answer = await call(emu, "POST", "/api/chat", data=body)
    assert answer[0] == status
    assert said in answer[1]
    assert answer[1].startswith('{"error": ')


async def test_emulator_answers_stream_false_with_one_object(emu: OllamaEmulator) -> None:
    body = {"model": "llama3.2", "messages": list(HELLO), "stream": False}
    async with (
        aiohttp.ClientSession() as http,
        http.post(emu.url + "/api/chat", json=body) as response,
    ):
        assert response.content_type == "application/json"
        value = await response.json()
    assert value["message"]["content"] == REPLY
    assert value["done"] is True


async def test_emulator_streams_json_lines_when_stream_is_absent(emu: OllamaEmulator) -> None:
    body = {"model": "llama3.2:latest", "messages": list(HELLO)}
    async with (
        aiohttp.ClientSession() as http,
        http.post(emu.url + "/api/chat", json=body) as response,
    ):
        assert response.content_type == "application/x-ndjson"
        lines = (await response.text()).splitlines()
    assert len(lines) == len(PIECES) + 1


# Outside input: whatever the body, only our errors.

LINES = [
    b'{"message":{"role":"assistant","content":"a"},"done":false}',
    b'{"message":{"content":"<think>"}}',
    b'{"message":{"content":"</think>"}}',
    b'{"message":{"thinking":"t"}}',
    b'{"message":{"content":5,"thinking":[]}}',
    b'{"message":[]}',
    b'{"done":true,"done_reason":"stop","prompt_eval_count":1,"eval_count":2}',
    b'{"done":true,"done_reason":7,"eval_count":true}',
    b'{"done":"yes"}',
    b'{"error":"boom"}',
    b'{"error":{"message":"x","code":429}}',
    b"[]",
    b"null",
    b"",
    b"  ",
    b"{",
    b"\xff\xfe",
    b"[" * 2000,
]
ENDS = [b"\n", b"\r\n", b"\r"]
ndjson = st.lists(
    st.tuples(st.sampled_from(LINES), st.sampled_from(ENDS)).map(b"".join), max_size=12
).map(b"".join)


@pytest.mark.fuzz
@given(st.one_of(ndjson, st.binary(max_size=400)))
@example(b"\xef\xbb\xbf" + LINES[0] + b"\n")
async def test_any_body_raises_only_provider_errors(body: bytes) -> None:
    async with OllamaEmulator() as emu:
        emu.raw_body = body
        try:
            with ends_within():
                chunks = await collect(emu)
        except ProviderError:
            return
    assert text_of(chunks) or reasoning_of(chunks)
