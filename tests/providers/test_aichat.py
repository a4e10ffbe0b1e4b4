"""Aichat against its loopback emulator: cookies in, the exact request, every failure."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from chat.conversation import Conversation, MessageState
from chat.secrets import MemorySecretStore, decode_cookies, encode_cookies, secret_name
from chat.session import ChatSession
from providers.base import BaseProvider
from providers.errors import (
    AuthenticationError,
    BlockedError,
    IdleTimeoutError,
    MalformedResponseError,
    MissingCredentialsError,
    ProviderError,
    ProviderNotWorkingError,
    RateLimitError,
    StreamCutError,
)
from providers.http import Timeouts, new_client_session
from providers.seeds.aichat import Aichat, AichatError, add_cookies_hint
from providers.types import CredentialUpdate
from tests.emulators.aichat import AichatEmulator
from tests.emulators.common import Failure, text_of, until_error

MODEL = "gpt-3.5-turbo"
HI = [{"role": "user", "content": "Hi"}]


@pytest.fixture
async def site() -> AsyncIterator[AichatEmulator]:
    async with AichatEmulator() as emulator:
        yield emulator


@pytest.fixture
def aichat(site: AichatEmulator) -> type[BaseProvider]:
    return Aichat.with_base_url(site.url)


async def fails(provider: type[BaseProvider], **kwargs: Any) -> tuple[list[Any], ProviderError]:
    return await until_error(provider.create_async_generator(MODEL, HI, **kwargs))


def test_flags_as_the_spec_gives() -> None:
    assert Aichat.url == "https://chat-gpt.org/chat"
    assert Aichat.origin() == "https://chat-gpt.org"
    assert not Aichat.working
    assert Aichat.needs_auth
    assert Aichat.supports_gpt_35_turbo
    assert not Aichat.supports_stream
    assert not Aichat.supports_message_history
    assert not Aichat.supports_system_message
    assert (Aichat.default_model, Aichat.models) == (MODEL, [MODEL])
    assert Aichat.credential_kinds == ("cookies",)


async def test_sends_the_exact_request_with_cookies(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]
    messages.append({"role": "user", "content": "Q"})
    chunks = [c async for c in aichat.create_async_generator(MODEL, messages, cookies=site.cookies)]
    assert chunks == ["Echo: User: Hi\nAssistant: Yo\nUser: Q\nAssistant: (t=0.5, p=1)"]
    (post,) = site.requests("POST", "/api/text")
    assert json.loads(post.body) == {
        "message": "User: Hi\nAssistant: Yo\nUser: Q\nAssistant:",
        "temperature": 0.5,
        "presence_penalty": 0,
        "top_p": 1,
        "frequency_penalty": 0,
    }
    assert post.cookies == site.cookies
    assert (post.headers["Origin"], post.headers["Referer"]) == (site.url, site.url)


async def test_seed_calling_convention_returns_the_text(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    text = await aichat.create_async(
        MODEL, HI, proxy=None, cookies=site.cookies, temperature=0.2, top_p=0.9
    )
    assert text == "Echo: Hi (t=0.2, p=0.9)"
    assert await aichat.create_async(MODEL, HI, cookies=site.cookies, temperature=0) == (
        "Echo: Hi (t=0, p=1)"
    )


async def test_cookies_may_come_as_a_cookie_header(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    header = "Cookie: " + "; ".join(f"{k}={v}" for k, v in site.cookies.items())
    assert await aichat.create_async(MODEL, HI, cookies=header) == "Echo: Hi (t=0.5, p=1)"


async def test_cookies_may_come_as_a_one_line_json_export(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    export = [
        {"domain": "127.0.0.1", "hostOnly": True, "name": k, "value": v, "path": "/"}
        for k, v in site.cookies.items()
    ]
    text = json.dumps(export)
    assert await aichat.create_async(MODEL, HI, cookies=text) == "Echo: Hi (t=0.5, p=1)"


@pytest.mark.parametrize("cookies", [None, {}, "", "  "])
async def test_no_cookies_fails_before_any_request(
    site: AichatEmulator, aichat: type[BaseProvider], cookies: Any
) -> None:
    chunks, error = await fails(aichat, cookies=cookies)
    assert isinstance(error, MissingCredentialsError)
    text = str(error)
    assert text.startswith("Aichat requires cookies")
    assert "Settings → Providers" in text
    assert "parley keys set Aichat cookies" in text
    assert chunks == []
    assert site.seen == []


async def test_stored_cookies_that_cannot_be_sent_say_so_before_any_request(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    _, error = await fails(aichat, cookies={"sid": "abc\r\nX-Evil: 1"})
    assert isinstance(error, MissingCredentialsError)
    assert "cookies cannot be sent" in str(error)
    assert "X-Evil" not in str(error)  # a value is a secret: never in a message
    assert site.seen == []


async def test_the_hint_for_a_mirror_names_its_base_url(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    _, error = await fails(aichat)
    assert f"`parley keys set Aichat cookies --base-url {aichat.url}`" in str(error)
    assert "--base-url" not in add_cookies_hint()  # the site itself needs no flag


async def test_unreadable_cookie_text_is_a_clear_error(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    _, error = await fails(aichat, cookies="not cookies at all")
    assert isinstance(error, MissingCredentialsError)
    assert "cookies could not be read" in str(error)
    assert site.seen == []


async def test_expired_cookies_give_a_403_that_says_so(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    _, error = await fails(aichat, cookies={**site.cookies, "session": "expired"})
    assert isinstance(error, AuthenticationError)
    assert "HTTP 403" in str(error)
    assert "probably expired" in str(error)
    assert "parley keys set Aichat cookies" in str(error)


async def test_a_redirect_to_another_host_never_carries_the_cookies(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    async with AichatEmulator() as elsewhere:
        site.moved_to = elsewhere.url
        chunks, error = await until_error(
            aichat.create_async_generator(MODEL, HI, cookies=site.cookies)
        )
    assert chunks == []
    assert isinstance(error, ProviderNotWorkingError)
    assert f"redirected this request to {elsewhere.url}/api/text" in str(error)
    assert elsewhere.seen == []


async def test_response_false_is_an_error_with_the_body(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    site.refuse_reply = "The server is busy, please retry."
    _, error = await fails(aichat, cookies=site.cookies)
    assert isinstance(error, AichatError)
    assert '"response": false' in str(error)
    assert "The server is busy, please retry." in str(error)


@pytest.mark.parametrize(
    ("failure", "kind", "words"),
    [
        (Failure.FORBIDDEN, AuthenticationError, "probably expired"),
        (Failure.CLOUDFLARE, BlockedError, "anti-bot (Cloudflare) page"),
        (Failure.RATE_LIMIT, RateLimitError, "try again in 7 s"),
        (Failure.CUT, StreamCutError, "closed in the middle of the reply"),
        (Failure.GARBAGE, MalformedResponseError, "not JSON"),
    ],
)
async def test_failure_modes(
    site: AichatEmulator,
    aichat: type[BaseProvider],
    failure: Failure,
    kind: type[ProviderError],
    words: str,
) -> None:
    site.fail(failure, "api")
    chunks, error = await fails(aichat, cookies=site.cookies)
    assert isinstance(error, kind)
    assert words in str(error)
    assert text_of(chunks) == ""


async def test_a_silent_server(site: AichatEmulator, aichat: type[BaseProvider]) -> None:
    site.fail(Failure.SLOW, "api")
    _, error = await fails(aichat, cookies=site.cookies, timeouts=Timeouts(connect=2, idle=0.3))
    assert isinstance(error, IdleTimeoutError)
    assert "sent nothing for 0.3 s" in str(error)


async def test_renewed_cookies_are_handed_back(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    site.rotate_session = True
    old = dict(site.cookies)
    chunks = [c async for c in aichat.create_async_generator(MODEL, HI, cookies=old)]
    assert chunks == [
        CredentialUpdate("cookies", site.cookies, scope=site.url),
        "Echo: Hi (t=0.5, p=1)",
    ]
    assert site.cookies["session"] != old["session"]


async def test_chat_session_reads_cookies_from_the_store_and_keeps_renewed_ones(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    site.rotate_session = True
    store = MemorySecretStore()
    name = secret_name("Aichat", "cookies", site.url)
    await store.set(name, encode_cookies(site.cookies))
    async with new_client_session() as http:
        session = ChatSession(store, http)
        for question in ("one", "two"):
            conversation = Conversation()
            conversation.add("user", question)
            reply = await session.reply(conversation, aichat, MODEL).run()
            assert reply.content == f"Echo: {question} (t=0.5, p=1)"
    assert decode_cookies(await store.get(name)) == site.cookies


async def test_chat_session_without_cookies_fails_and_keeps_the_question(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    conversation = Conversation()
    conversation.add("user", "still here")
    reply = await ChatSession(MemorySecretStore()).reply(conversation, aichat, MODEL).run()
    assert reply.state is MessageState.FAILED
    assert reply.error is not None
    assert reply.error.sentence.startswith("Aichat requires cookies")
    assert conversation.messages[0].content == "still here"
    assert site.seen == []


@pytest.fixture
def self_signed(tmp_path: Path) -> ssl.SSLContext:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not installed (it makes the test's certificate)")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    command = [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)]
    subprocess.run(command, check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


async def test_tls_verification_stays_on(self_signed: ssl.SSLContext) -> None:
    async with AichatEmulator(ssl_context=self_signed) as site:
        provider = Aichat.with_base_url(site.url)
        _, error = await fails(provider, cookies=site.cookies)
        assert site.url.startswith("https://")
        assert "secure connection" in str(error)
        assert "CERTIFICATE_VERIFY_FAILED" in str(error)
        assert site.requests("POST", "/api/text") == []


@pytest.mark.parametrize("drop", ["cf_clearance", "session", "both"])
async def test_the_emulator_rejects_missing_cookies(site: AichatEmulator, drop: str) -> None:
    cookies = {k: v for k, v in site.cookies.items() if drop not in (k, "both")}
    headers = {"User-Agent": "Mozilla/5.0", "Origin": site.url, "Referer": site.url}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    payload = {"message": "Hi", "temperature": 0.5, "presence_penalty": 0, "top_p": 1}
    payload["frequency_penalty"] = 0
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{site.url}/api/text", json=payload, headers=headers) as response,
    ):
        assert response.status == 403
