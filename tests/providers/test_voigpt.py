"""VoiGpt against its loopback emulator: the csrftoken flow, its storage, and every failure."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

import aiohttp
import pytest

from chat.conversation import Conversation, MessageState
from chat.secrets import MemorySecretStore, secret_name
from chat.session import ChatSession
from providers import get_provider
from providers.errors import (
    AuthenticationError,
    BlockedError,
    IdleTimeoutError,
    MalformedResponseError,
    ModelNotSupportedError,
    ProviderNotWorkingError,
    RateLimitError,
    StreamCutError,
)
from providers.http import Timeouts, new_client_session
from providers.seeds.voigpt import VoiGpt
from providers.types import CredentialUpdate
from tests.emulators.common import Failure, in_thread, text_of, until_error
from tests.emulators.voigpt import VoiGptEmulator

MODEL = "gpt-3.5-turbo"
HI = [{"role": "user", "content": "Hi"}]


@pytest.fixture
async def site() -> AsyncIterator[VoiGptEmulator]:
    async with VoiGptEmulator() as emulator:
        yield emulator


@pytest.fixture
def voigpt(site: VoiGptEmulator) -> type[VoiGpt]:
    return cast(type[VoiGpt], VoiGpt.with_base_url(site.url))


async def collect(provider: type[VoiGpt], messages: Any = HI, **kwargs: Any) -> list[Any]:
    return [c async for c in provider.create_async_generator(MODEL, messages, **kwargs)]


def test_flags_as_the_spec_gives() -> None:
    assert VoiGpt.url == "https://voigpt.com"
    assert (VoiGpt.working, VoiGpt.supports_stream, VoiGpt.supports_message_history) == (
        False,
        False,
        True,
    )
    assert not VoiGpt.supports_system_message
    assert not VoiGpt.needs_auth
    assert VoiGpt.supports_gpt_35_turbo
    assert (VoiGpt.default_model, VoiGpt.models) == ("gpt-3.5-turbo", ["gpt-3.5-turbo"])
    assert VoiGpt.credential_kinds == ("access_token",)


async def test_fetches_a_token_hands_it_back_and_answers(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": [{"type": "text", "text": "Q"}]},
    ]
    chunks = await collect(voigpt, messages)
    token = next(iter(site.tokens))
    assert chunks == [
        CredentialUpdate("access_token", token, scope=site.url),
        "[system,user,assistant,user] You said: [{'type': 'text', 'text': 'Q'}]",
    ]
    (post,) = site.requests("POST", "/generate_response/")
    assert json.loads(post.body) == {"messages": messages}  # unchanged, system included
    assert post.cookies == {"csrftoken": token}
    assert post.headers["X-CSRFToken"] == token
    assert (post.headers["Origin"], post.headers["Referer"]) == (site.url, f"{site.url}/")
    (page,) = site.requests("GET", "/")
    assert "text/html" in page.headers["Accept"]


async def test_a_given_token_is_used_without_fetching(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    await collect(voigpt)
    token = next(iter(site.tokens))
    chunks = await collect(voigpt, access_token=token)
    assert chunks == ["[user] You said: Hi"]
    assert len(site.requests("GET", "/")) == 1


async def test_an_expired_token_is_dropped_replaced_and_retried_once(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    await collect(voigpt)
    old = next(iter(site.tokens))
    site.expire_tokens()
    chunks = await collect(voigpt, access_token=old)
    new = next(iter(site.tokens))
    assert new != old
    assert chunks == [
        CredentialUpdate("access_token", None, scope=site.url),
        CredentialUpdate("access_token", new, scope=site.url),
        "[user] You said: Hi",
    ]
    assert len(site.requests("POST", "/generate_response/")) == 3


async def test_a_redirect_to_another_host_never_carries_the_token(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    async with VoiGptEmulator() as elsewhere:
        site.moved_to = elsewhere.url
        chunks, error = await until_error(
            voigpt.create_async_generator(MODEL, HI, access_token="the-secret-token")
        )
    assert chunks == []
    assert isinstance(error, ProviderNotWorkingError)
    assert f"redirected this request to {elsewhere.url}/generate_response/" in str(error)
    assert "base URL" in str(error)
    assert elsewhere.seen == []
    assert len(site.requests("POST", "/generate_response/")) == 1


async def test_a_403_that_persists_fails_with_status_and_excerpt(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    site.fail(Failure.FORBIDDEN, "api")
    chunks, error = await until_error(voigpt.create_async_generator(MODEL, HI))
    assert isinstance(error, AuthenticationError)
    assert "HTTP 403" in str(error)
    assert "CSRF verification failed" in str(error)
    assert len(site.requests("POST", "/generate_response/")) == 2  # retried once, no more
    assert [type(c) for c in chunks] == [CredentialUpdate] * 3  # fetched, dropped, fetched


async def test_cloudflare_is_blocked_and_not_retried(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    site.fail(Failure.CLOUDFLARE, "api")
    _, error = await until_error(voigpt.create_async_generator(MODEL, HI))
    assert isinstance(error, BlockedError)
    assert "anti-bot (Cloudflare) page" in str(error)
    assert len(site.requests("POST", "/generate_response/")) == 1


async def test_cloudflare_on_the_first_page_is_blocked(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    site.fail(Failure.CLOUDFLARE, "page")
    chunks, error = await until_error(voigpt.create_async_generator(MODEL, HI))
    assert isinstance(error, BlockedError)
    assert "use a proxy" in str(error)
    assert chunks == []


async def test_rate_limit_says_when_to_retry(site: VoiGptEmulator, voigpt: type[VoiGpt]) -> None:
    site.fail(Failure.RATE_LIMIT, "api")
    chunks, error = await until_error(voigpt.create_async_generator(MODEL, HI))
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7
    assert "HTTP 429" in str(error)
    assert "try again in 7 s" in str(error)
    assert isinstance(chunks[0], CredentialUpdate)  # the fresh token still reaches the store


async def test_a_cut_reply_is_a_stream_cut_error(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    site.fail(Failure.CUT, "api")
    chunks, error = await until_error(voigpt.create_async_generator(MODEL, HI))
    assert isinstance(error, StreamCutError)
    assert "closed in the middle of the reply" in str(error)
    assert text_of(chunks) == ""  # one-piece reply: nothing partial to show


async def test_garbage_json_is_malformed_with_excerpt(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    site.fail(Failure.GARBAGE, "api")
    _, error = await until_error(voigpt.create_async_generator(MODEL, HI))
    assert isinstance(error, MalformedResponseError)
    assert "not JSON" in str(error)
    assert "502 Bad Gateway" in str(error)


async def test_json_without_response_key_is_malformed(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    site.raw_reply = b'{"error": "Model overloaded"}'
    _, error = await until_error(voigpt.create_async_generator(MODEL, HI))
    assert isinstance(error, MalformedResponseError)
    assert "no 'response' text" in str(error)
    assert "Model overloaded" in str(error)


async def test_a_page_without_csrftoken_is_malformed(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    site.set_token_cookie = False
    _, error = await until_error(voigpt.create_async_generator(MODEL, HI))
    assert isinstance(error, MalformedResponseError)
    assert "no csrftoken cookie" in str(error)
    assert site.requests("POST", "/generate_response/") == []


async def test_a_silent_server_is_an_idle_timeout(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    site.fail(Failure.SLOW, "api")
    timeouts = Timeouts(connect=2, idle=0.3)
    _, error = await until_error(voigpt.create_async_generator(MODEL, HI, timeouts=timeouts))
    assert isinstance(error, IdleTimeoutError)
    assert "sent nothing for 0.3 s" in str(error)


async def test_an_unknown_model_fails_before_any_request(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    with pytest.raises(ModelNotSupportedError, match=r"gpt-3\.5-turbo"):
        await collect_model(voigpt, "gpt-4")
    assert site.seen == []


async def collect_model(provider: type[VoiGpt], model: str) -> list[Any]:
    return [c async for c in provider.create_async_generator(model, HI)]


@pytest.fixture
def closed_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]  # bound, never listening: connections are refused


async def test_an_unreachable_site_says_it_may_be_gone(closed_port: int) -> None:
    gone = VoiGpt.with_base_url(f"http://127.0.0.1:{closed_port}")
    with pytest.raises(ProviderNotWorkingError) as caught:
        await gone.create_async(MODEL, HI)
    text = str(caught.value)
    assert f"Could not reach 127.0.0.1:{closed_port}" in text
    assert "may be down or gone" in text
    assert "base URL" in text


def test_create_completion_without_a_loop_returns_a_generator() -> None:
    with in_thread(VoiGptEmulator) as site:
        provider = VoiGpt.with_base_url(site.url)
        reply = provider.create_completion(model=MODEL, messages=HI, stream=False)
        assert iter(reply) is reply
        assert list(reply) == ["[user] You said: Hi"]


async def test_create_completion_inside_a_running_loop() -> None:
    with in_thread(VoiGptEmulator) as site:
        provider = VoiGpt.with_base_url(site.url)
        reply = provider.create_completion(model=MODEL, messages=HI, stream=False)
        text = await asyncio.to_thread(lambda: list(reply))  # the loop keeps running meanwhile
        assert text == ["[user] You said: Hi"]
        assert list(provider.create_completion(MODEL, HI, False)) == ["[user] You said: Hi"]


async def ask(session: ChatSession, provider: type[VoiGpt], text: str) -> Conversation:
    conversation = Conversation()
    conversation.add("user", text)
    await session.reply(conversation, provider, MODEL).run()
    return conversation


async def test_chat_session_stores_the_token_and_the_next_run_reuses_it(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    store = MemorySecretStore()
    async with new_client_session() as http:
        first = await ask(ChatSession(store, http), voigpt, "one")
        assert first.messages[-1].content == "[user] You said: one"
        stored = await store.get(secret_name("VoiGpt", "access_token", site.url))
        assert stored in site.tokens
        session = ChatSession(store, http)
        await ask(session, voigpt, "two")
        await ask(session, voigpt, "three")
        next_run = await ask(ChatSession(store, http), voigpt, "four")
    assert next_run.messages[-1].content == "[user] You said: four"
    assert len(site.requests("GET", "/")) == 1
    assert {p.cookies["csrftoken"] for p in site.requests("POST", "/generate_response/")} == {
        stored
    }


async def test_chat_session_replaces_an_expired_token(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    store = MemorySecretStore()
    name = secret_name("VoiGpt", "access_token", site.url)
    await store.set(name, "expired-token")
    conversation = await ask(ChatSession(store), voigpt, "hello")
    assert conversation.messages[-1].content == "[user] You said: hello"
    assert await store.get(name) in site.tokens


async def test_chat_session_failure_keeps_the_conversation_and_the_token(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    site.fail(Failure.CUT, "api")
    store = MemorySecretStore()
    conversation = await ask(ChatSession(store), voigpt, "keep me")
    user, reply = conversation.messages
    assert (user.role, user.content) == ("user", "keep me")
    assert reply.state is MessageState.FAILED
    assert reply.error is not None
    assert "closed in the middle of the reply" in reply.error.sentence
    assert reply.error.sentence.startswith("VoiGpt: ")
    assert await store.get(secret_name("VoiGpt", "access_token", site.url)) in site.tokens


@pytest.mark.parametrize("name", ["VoiGpt", "ChatGptt", "Aichat"])
def test_registered_under_their_names(name: str) -> None:
    import providers

    provider = get_provider(name)
    assert provider.get_name() == name
    assert getattr(providers, name) is provider


@pytest.mark.parametrize(
    ("cookie", "header"),
    [(None, None), (None, "tok"), ("tok", None), ("tok", "other"), ("unknown", "unknown")],
)
async def test_the_emulator_rejects_a_missing_or_mismatched_csrftoken(
    site: VoiGptEmulator, cookie: str | None, header: str | None
) -> None:
    site.tokens.add("tok")
    headers = {"User-Agent": "Mozilla/5.0", "Origin": site.url, "Referer": f"{site.url}/"}
    if cookie:
        headers["Cookie"] = f"csrftoken={cookie}"
    if header:
        headers["X-CSRFToken"] = header
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{site.url}/generate_response/", json={"messages": HI}, headers=headers) as r,
    ):
        assert r.status == 403
        assert "CSRF verification failed" in await r.text()
