"""VoiGpt's request details and exact error sentences, against its strict emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import cast

import aiohttp
import pytest

from providers.errors import (
    AuthenticationError,
    BlockedError,
    MalformedResponseError,
    ResponseStatusError,
)
from providers.seeds.voigpt import VoiGpt
from providers.types import CredentialUpdate
from tests.emulators.common import Failure, in_thread, until_error
from tests.emulators.voigpt import VoiGptEmulator
from tests.support.tracing import header_names, traced_session

MODEL = "gpt-3.5-turbo"
HI = [{"role": "user", "content": "Hi"}]
PROTOCOL_HINT = "The service may have changed its protocol; try another provider."


@pytest.fixture
async def site() -> AsyncIterator[VoiGptEmulator]:
    async with VoiGptEmulator() as emulator:
        yield emulator


@pytest.fixture
def voigpt(site: VoiGptEmulator) -> type[VoiGpt]:
    return cast(type[VoiGpt], VoiGpt.with_base_url(site.url))


async def test_the_apps_session_carries_every_request(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    session, sent = traced_session()
    async with session:
        chunks = [c async for c in voigpt.create_async_generator(MODEL, HI, session=session)]
    assert chunks[-1] == "[user] You said: Hi"
    assert sent == ["GET /", "POST /generate_response/"]
    assert len(site.seen) == 2


async def test_each_browser_header_is_sent_once_with_the_sites_own_values(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    [c async for c in voigpt.create_async_generator(MODEL, HI)]
    (page,) = site.requests("GET", "/")
    assert header_names(page) == [
        "accept",
        "accept-encoding",
        "accept-language",
        "host",
        "referer",
        "upgrade-insecure-requests",
        "user-agent",
    ]
    assert page.headers["Referer"] == f"{site.url}/"
    (post,) = site.requests("POST", "/generate_response/")
    assert header_names(post) == [
        "accept",
        "accept-encoding",
        "accept-language",
        "content-length",
        "content-type",
        "cookie",
        "host",
        "origin",
        "referer",
        "user-agent",
        "x-csrftoken",
    ]
    assert (post.headers["Origin"], post.headers["Referer"]) == (site.url, f"{site.url}/")
    assert post.headers["X-CSRFToken"] == post.cookies["csrftoken"]


async def test_the_emulator_refuses_a_repeated_origin_as_django_does(
    site: VoiGptEmulator,
) -> None:
    site.tokens.add("tok")
    headers = [
        ("User-Agent", "Mozilla/5.0"),
        ("Cookie", "csrftoken=tok"),
        ("X-CSRFToken", "tok"),
        ("Origin", site.url),
        ("Origin", site.url),
        ("Referer", f"{site.url}/"),
    ]
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{site.url}/generate_response/", json={"messages": HI}, headers=headers) as r,
    ):
        assert r.status == 403


async def test_a_403_that_persists_says_what_to_do(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    site.fail(Failure.FORBIDDEN, "api")
    _, error = await until_error(voigpt.create_async_generator(MODEL, HI))
    assert isinstance(error, AuthenticationError)
    assert error.provider == "VoiGpt"
    assert error.hint == (
        "The site may have changed how it checks requests; "
        "try again later or pick another provider."
    )
    assert str(error) == (
        "VoiGpt: The site refused a fresh csrftoken too (HTTP 403): 403 Forbidden — "
        "Forbidden (403) CSRF verification failed. Request aborted. The site may have "
        "changed how it checks requests; try again later or pick another provider."
    )


async def test_a_page_without_csrftoken_names_the_provider(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    site.set_token_cookie = False
    _, error = await until_error(voigpt.create_async_generator(MODEL, HI))
    assert isinstance(error, MalformedResponseError)
    assert str(error) == (
        "VoiGpt: The front page set no csrftoken cookie, so no request can be signed. "
        + PROTOCOL_HINT
    )


async def test_a_400_is_an_http_error_in_the_sites_words(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    messages = [{"role": "tool", "content": "not a role the site knows"}]
    chunks, error = await until_error(voigpt.create_async_generator(MODEL, messages))
    assert isinstance(error, ResponseStatusError)
    assert error.status == 400
    assert str(error) == (
        'VoiGpt: The service answered HTTP 400: {"error": "every message needs a role '
        '(system, user, assistant) and content"}. The site did not accept the request; '
        "it may have changed how it works."
    )
    assert [type(c) for c in chunks] == [CredentialUpdate]  # no retry for a 400
    assert len(site.requests("POST", "/generate_response/")) == 1


async def test_unreadable_replies_name_the_provider_and_quote_the_body(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    site.fail(Failure.GARBAGE, "api")
    _, error = await until_error(voigpt.create_async_generator(MODEL, HI))
    assert str(error) == (
        "VoiGpt: The service sent something that is not JSON: "
        '\'{"status": "succ\\x00 502 Bad Gateway\'. ' + PROTOCOL_HINT
    )
    site.fail(None, "api")
    site.raw_reply = b'{"error": "Model overloaded"}'
    _, error = await until_error(voigpt.create_async_generator(MODEL, HI))
    assert isinstance(error, MalformedResponseError)
    assert str(error) == (
        "VoiGpt: The reply has no 'response' text: '{\"error\": \"Model overloaded\"}'. "
        + PROTOCOL_HINT
    )


async def test_a_cloudflare_firewall_block_is_blocked_and_not_retried(
    site: VoiGptEmulator, voigpt: type[VoiGpt]
) -> None:
    site.firewall_blocks = True  # a 403 page without the challenge's cf-mitigated header
    chunks, error = await until_error(voigpt.create_async_generator(MODEL, HI))
    assert isinstance(error, BlockedError)
    assert str(error).startswith(
        "VoiGpt: The site answered with an anti-bot (Cloudflare) page, HTTP 403."
    )
    assert len(site.requests("POST", "/generate_response/")) == 1
    assert [type(c) for c in chunks] == [CredentialUpdate]  # fetched, never dropped


def test_create_completion_passes_its_keywords_on_without_a_loop() -> None:
    with in_thread(VoiGptEmulator) as site:
        provider = VoiGpt.with_base_url(site.url)
        site.tokens.add("given-token")
        reply = provider.create_completion(MODEL, HI, False, access_token="given-token")
        assert list(reply) == ["[user] You said: Hi"]
        assert site.requests("GET", "/") == []  # the given token was used
        assert site.requests("POST", "/generate_response/")[0].cookies == {
            "csrftoken": "given-token"
        }


async def test_create_completion_passes_its_keywords_on_inside_a_loop() -> None:
    with in_thread(VoiGptEmulator) as site:
        provider = VoiGpt.with_base_url(site.url)
        site.tokens.add("given-token")
        reply = provider.create_completion(MODEL, HI, False, access_token="given-token")
        assert await asyncio.to_thread(lambda: list(reply)) == ["[user] You said: Hi"]
        assert site.requests("GET", "/") == []
