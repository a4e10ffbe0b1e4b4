"""Aichat's request details and exact error sentences, against its strict emulator."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from providers.base import BaseProvider
from providers.errors import (
    AuthenticationError,
    BlockedError,
    ConnectTimeoutError,
    MalformedResponseError,
    MissingCredentialsError,
    ModelNotSupportedError,
    ProviderError,
    ProviderNotWorkingError,
    ResponseStatusError,
)
from providers.seeds.aichat import ADD_COOKIES, Aichat, AichatError
from providers.types import CredentialUpdate
from tests.emulators.aichat import AichatEmulator
from tests.emulators.common import Failure, until_error
from tests.support.tracing import header_names, traced_session

MODEL = "gpt-3.5-turbo"
HI = [{"role": "user", "content": "Hi"}]
PASTE = "Paste them in Settings → Providers in the window, or run `parley keys set Aichat cookies"
PROTOCOL_HINT = "The service may have changed its protocol; try another provider."


@pytest.fixture
async def site() -> AsyncIterator[AichatEmulator]:
    async with AichatEmulator() as emulator:
        yield emulator


@pytest.fixture
def aichat(site: AichatEmulator) -> type[BaseProvider]:
    """Pointed at the mirror's chat page, as the real ``url`` is the site's ``/chat``."""
    return Aichat.with_base_url(f"{site.url}/chat")


async def failure(provider: type[BaseProvider], **kwargs: Any) -> ProviderError:
    _, error = await until_error(provider.create_async_generator(MODEL, HI, **kwargs))
    return error


def test_the_hint_for_the_site_itself_names_no_base_url() -> None:
    assert f"{PASTE}`." == ADD_COOKIES


@pytest.mark.parametrize(
    ("cookies", "sentence"),
    [
        (
            None,
            "Aichat requires cookies from chat-gpt.org: sign in there with your browser and "
            "copy its cookies (a Cookie header, cookies.txt, a JSON export or a HAR file).",
        ),
        (
            "not cookies at all",
            "Aichat's cookies could not be read: This text is not a Cookie header: it has no "
            "name=value pair. Give a Cookie header (`name=value; name2=value2`), a Netscape "
            "cookies.txt file, a browser extension's JSON export (a list of {domain, name, "
            "value}) or a HAR file.",
        ),
        (
            {"sid": "abc\r\nX-Evil: 1"},
            "Aichat's cookies cannot be sent: The cookie 'sid' cannot be sent to a site: its "
            "value holds a line break, a ';' or another character no header can carry. Copy "
            "the cookies from your browser again, or leave that cookie out.",
        ),
    ],
    ids=["none", "unreadable", "unsendable"],
)
async def test_cookie_problems_say_where_to_put_them(cookies: Any, sentence: str) -> None:
    error = await failure(Aichat, cookies=cookies)
    assert isinstance(error, MissingCredentialsError)
    assert error.hint == ADD_COOKIES
    assert str(error) == f"{sentence} {PASTE}`."


async def test_the_apps_session_carries_the_request(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    session, sent = traced_session()
    async with session:
        reply = await aichat.create_async(MODEL, HI, cookies=site.cookies, session=session)
    assert reply == "Echo: Hi (t=0.5, p=1)"
    assert sent == ["POST /api/text"]


async def test_an_unknown_model_fails_before_any_request(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    with pytest.raises(ModelNotSupportedError, match="'gpt-4' is not offered by Aichat"):
        await aichat.create_async("gpt-4", HI, cookies=site.cookies)
    assert site.seen == []


async def test_an_unreachable_site_names_the_provider() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        gone = Aichat.with_base_url(f"http://127.0.0.1:{sock.getsockname()[1]}/chat")
        error = await failure(gone, cookies={"session": "s"})
    assert isinstance(error, ProviderNotWorkingError)
    assert str(error).startswith("Aichat: Could not reach 127.0.0.1:")


async def test_each_browser_header_is_sent_once_with_the_sites_own_values(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    await aichat.create_async(MODEL, HI, cookies=site.cookies)
    (post,) = site.requests("POST", "/api/text")
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
    ]
    assert (post.headers["Origin"], post.headers["Referer"]) == (site.url, f"{site.url}/chat")


async def test_an_export_sends_only_the_sites_own_cookies(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    export = [
        {"domain": "127.0.0.1", "hostOnly": True, "name": k, "value": v, "path": "/"}
        for k, v in site.cookies.items()
    ]
    export.append({"domain": ".elsewhere.example", "name": "tracker", "value": "t", "path": "/"})
    reply = await aichat.create_async(MODEL, HI, cookies=json.dumps(export))
    assert reply == "Echo: Hi (t=0.5, p=1)"
    assert site.requests("POST", "/api/text")[0].cookies == site.cookies


async def test_cookies_set_again_unchanged_are_not_handed_back(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    site.refresh_session = True  # the reply sets the session cookie again, same value
    chunks = [c async for c in aichat.create_async_generator(MODEL, HI, cookies=site.cookies)]
    assert chunks == ["Echo: Hi (t=0.5, p=1)"]


async def test_renewed_cookies_come_back_merged_with_the_rest(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    site.rotate_session = True
    old = dict(site.cookies)
    chunks = [c async for c in aichat.create_async_generator(MODEL, HI, cookies=old)]
    assert chunks[0] == CredentialUpdate(
        "cookies", {**old, "session": site.cookies["session"]}, scope=site.url
    )


async def test_expired_cookies_say_to_copy_fresh_ones(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    site.fail(Failure.FORBIDDEN, "api")
    error = await failure(aichat, cookies=site.cookies)
    assert isinstance(error, AuthenticationError)
    mirror = f"{PASTE} --base-url {site.url}/chat`."
    assert error.hint == f"Copy fresh cookies from your browser: {mirror}"
    assert str(error) == (
        "Aichat: The site refused the cookies (HTTP 403): they have probably expired. "
        f"403 Forbidden — nginx. Copy fresh cookies from your browser: {mirror}"
    )


async def test_a_cloudflare_firewall_block_is_blocked_not_expired_cookies(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    site.firewall_blocks = True  # a 403 page without the challenge's cf-mitigated header
    error = await failure(aichat, cookies=site.cookies)
    assert isinstance(error, BlockedError)
    assert str(error).startswith(
        "Aichat: The site answered with an anti-bot (Cloudflare) page, HTTP 403."
    )


async def test_a_400_is_an_http_error_in_the_sites_words(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    error = await failure(aichat, cookies=site.cookies, temperature=3)
    assert isinstance(error, ResponseStatusError)
    assert error.status == 400
    assert str(error) == (
        'Aichat: The service answered HTTP 400: {"response": false, "message": "temperature '
        'or top_p out of range"}. The site did not accept the request; it may have changed '
        "how it works."
    )


async def test_garbage_names_the_provider_and_quotes_the_body(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    site.fail(Failure.GARBAGE, "api")
    error = await failure(aichat, cookies=site.cookies)
    assert str(error) == (
        "Aichat: The service sent something that is not JSON: "
        '\'{"status": "succ\\x00 502 Bad Gateway\'. ' + PROTOCOL_HINT
    )


@pytest.mark.parametrize(
    "body", [b"[]", b'{"message": "x"}', b'{"response": true, "message": 5}'], ids=repr
)
async def test_a_reply_without_message_text_is_malformed(
    site: AichatEmulator, aichat: type[BaseProvider], body: bytes
) -> None:
    site.raw_reply = body
    error = await failure(aichat, cookies=site.cookies)
    assert isinstance(error, MalformedResponseError)
    assert str(error) == (
        f"Aichat: The reply has no 'message' text: {body.decode()!r}. " + PROTOCOL_HINT
    )


async def test_response_false_names_the_provider_and_quotes_the_body(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    site.raw_reply = b'{"response": false, "message": "busy"}'
    error = await failure(aichat, cookies=site.cookies)
    assert isinstance(error, AichatError)
    assert str(error) == (
        'Aichat: The site could not answer: {"response": false, "message": "busy"}. '
        "Try again later; if it persists, refresh the cookies or pick another provider."
    )


@pytest.mark.parametrize(
    ("given", "sent"), [("0.7", 0.7), (True, 1.0), (0, 0), (1, 1), (0.25, 0.25)]
)
async def test_sampling_options_are_sent_as_numbers(
    site: AichatEmulator, aichat: type[BaseProvider], given: Any, sent: float
) -> None:
    await aichat.create_async(MODEL, HI, cookies=site.cookies, temperature=given, top_p=given)
    payload = json.loads(site.requests("POST", "/api/text")[0].body)
    assert (payload["temperature"], payload["top_p"]) == (sent, sent)
    assert type(payload["temperature"]) is type(sent)


async def test_a_sampling_option_that_is_no_number_is_refused_before_sending(
    site: AichatEmulator, aichat: type[BaseProvider]
) -> None:
    error = await failure(aichat, cookies=site.cookies, temperature="hot")
    assert type(error) is ProviderError
    assert error.provider == "Aichat"
    assert str(error) == "Aichat: The option temperature must be a number, not 'hot'."
    assert site.seen == []


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port whose accept queue is full: a new connection is never accepted, so the
    connect itself hangs, as with a host that drops packets."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        fillers = [socket.socket() for _ in range(3)]
        try:
            for filler in fillers:
                filler.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    filler.connect(("127.0.0.1", port))
            yield port
        finally:
            for filler in fillers:
                filler.close()


@pytest.mark.slow
async def test_the_connect_timeout_is_six_seconds_by_default(silent_port: int) -> None:
    gone = Aichat.with_base_url(f"http://127.0.0.1:{silent_port}/chat")
    started = time.monotonic()
    _, error = await asyncio.wait_for(
        until_error(gone.create_async_generator(MODEL, HI, cookies={"session": "s"})), 12
    )
    assert isinstance(error, ConnectTimeoutError)
    assert f"Could not connect to 127.0.0.1:{silent_port} within 6 s." in str(error)
    assert 5.5 < time.monotonic() - started < 11
