"""ChatGptt's request details and exact error sentences, against its strict emulator."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

from providers.base import BaseProvider
from providers.errors import (
    AuthenticationError,
    BlockedError,
    MalformedResponseError,
    ModelNotSupportedError,
    ProviderError,
    ProviderNotWorkingError,
    ResponseStatusError,
)
from providers.seeds.chatgptt import ChatGptt, ChatGpttError
from tests.emulators.chatgptt import ChatGpttEmulator
from tests.emulators.common import Failure, until_error
from tests.support.tracing import header_names, traced_session

MODEL = "gpt-4o"
HI = [{"role": "user", "content": "Hi"}]
AJAX = "/wp-admin/admin-ajax.php"
PROTOCOL_HINT = "The service may have changed its protocol; try another provider."
NGINX_400 = (
    "<html><head><title>400 Request Header Or Cookie Too Large</title></head><body>"
    "<center><h1>400 Bad Request</h1></center><center>Request Header Or Cookie Too Large"
    "</center><hr><center>nginx</center></body></html>"
)


@pytest.fixture
async def site() -> AsyncIterator[ChatGpttEmulator]:
    async with ChatGpttEmulator() as emulator:
        yield emulator


@pytest.fixture
def chatgptt(site: ChatGpttEmulator) -> type[BaseProvider]:
    return ChatGptt.with_base_url(site.url)


async def failure(provider: type[BaseProvider], **kwargs: Any) -> ProviderError:
    _, error = await until_error(provider.create_async_generator(MODEL, HI, **kwargs))
    return error


async def test_the_apps_session_carries_every_request(
    site: ChatGpttEmulator, chatgptt: type[BaseProvider]
) -> None:
    session, sent = traced_session()
    async with session:
        chunks = [c async for c in chatgptt.create_async_generator(MODEL, HI, session=session)]
    assert chunks == ["Echo: Hi"]
    assert sent == ["GET /", f"POST {AJAX}"]


async def test_an_unknown_model_fails_before_any_request(
    site: ChatGpttEmulator, chatgptt: type[BaseProvider]
) -> None:
    with pytest.raises(ModelNotSupportedError, match="'gpt-2' is not offered by ChatGptt"):
        await chatgptt.create_async("gpt-2", HI)
    assert site.seen == []


async def test_errors_from_the_page_request_name_the_provider(
    site: ChatGpttEmulator, chatgptt: type[BaseProvider]
) -> None:
    site.fail(Failure.CLOUDFLARE, "page")
    error = await failure(chatgptt)
    assert isinstance(error, BlockedError)
    assert error.provider == "ChatGptt"
    assert str(error).startswith(
        "ChatGptt: The site answered with an anti-bot (Cloudflare) page, HTTP 403."
    )


async def test_an_unreachable_site_names_the_provider() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        gone = ChatGptt.with_base_url(f"http://127.0.0.1:{sock.getsockname()[1]}")
        error = await failure(gone)
    assert isinstance(error, ProviderNotWorkingError)
    assert str(error).startswith("ChatGptt: Could not reach 127.0.0.1:")


async def test_the_page_is_fetched_like_a_browser_and_the_form_posted_like_the_widget(
    site: ChatGpttEmulator, chatgptt: type[BaseProvider]
) -> None:
    await chatgptt.create_async(MODEL, HI)
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
    assert page.headers["Accept"].startswith("text/html,")
    assert page.headers["Referer"] == f"{site.url}/"
    (post,) = site.requests("POST", AJAX)
    assert header_names(post) == [
        "accept",
        "accept-encoding",
        "accept-language",
        "content-length",
        "content-type",
        "host",
        "origin",
        "referer",
        "user-agent",
    ]
    assert post.headers.getall("Accept") == ["application/json"]
    assert (post.headers["Origin"], post.headers["Referer"]) == (site.url, f"{site.url}/chat")


@pytest.mark.parametrize(
    "html",
    [
        '<div class="wpaicg-chat-shortcode" data-nonce="abc"></div>',
        "<div class='wpaicg-chat-shortcode' data-post-id='106'></div>",
        '<div class="wpaicg-chat-shortcode" data-nonce="" data-post-id="106"></div>',
        '<div class="wpaicg-chat-shortcode" data-nonce="abc" data-post-id=""></div>',
    ],
    ids=["no post id", "no nonce", "empty nonce", "empty post id"],
)
async def test_a_page_without_both_tokens_says_so_and_posts_nothing(
    site: ChatGpttEmulator, chatgptt: type[BaseProvider], html: str
) -> None:
    site.page_html = f"<!DOCTYPE html><html><body>{html}</body></html>"
    error = await failure(chatgptt)
    assert isinstance(error, MalformedResponseError)
    assert str(error) == (
        "ChatGptt: Required authentication tokens not found in page HTML "
        "(the chat widget's data-nonce and data-post-id). " + PROTOCOL_HINT
    )
    assert site.requests("POST", AJAX) == []


async def test_without_an_api_endpoint_it_is_derived_from_the_url(
    site: ChatGpttEmulator,
) -> None:
    bare = type("ChatGptt", (ChatGptt,), {"url": site.url, "api_endpoint": None})
    assert await bare.create_async(MODEL, HI) == "Echo: Hi"
    assert len(site.requests("POST", AJAX)) == 1


async def test_a_refused_nonce_says_what_to_do(
    site: ChatGpttEmulator, chatgptt: type[BaseProvider]
) -> None:
    site.page_nonce = "stale"
    error = await failure(chatgptt)
    assert isinstance(error, AuthenticationError)
    assert str(error) == (
        "ChatGptt: The site refused the page's security nonce (HTTP 403). The nonce may "
        "have expired: try again. If it keeps failing, the site has changed; pick another "
        "provider."
    )


async def test_an_unknown_action_says_the_plugin_changed(
    site: ChatGpttEmulator, chatgptt: type[BaseProvider]
) -> None:
    site.action = "wpaicg_chat_message_v2"  # an update renamed the plugin's action
    error = await failure(chatgptt)
    assert isinstance(error, MalformedResponseError)
    assert error.provider == "ChatGptt"
    assert str(error) == (
        "ChatGptt: The site no longer knows the chat action (HTTP 400): its chat plugin was "
        "removed or changed. " + PROTOCOL_HINT
    )


async def test_another_400_is_an_http_error_that_quotes_the_page(
    site: ChatGpttEmulator, chatgptt: type[BaseProvider]
) -> None:
    site.front_error = (400, NGINX_400)
    error = await failure(chatgptt)
    assert isinstance(error, ResponseStatusError)
    assert error.status == 400
    assert str(error) == (
        "ChatGptt: The service answered HTTP 400: 400 Request Header Or Cookie Too Large — "
        "400 Bad Request Request Header Or Cookie Too Large nginx. The site did not accept "
        "the request; it may have changed how it works."
    )


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        (b"[]", "The reply has no 'data' text: '[]'."),
        (b'{"data": "x"}', "The reply has no 'data' text: '{\"data\": \"x\"}'."),
        (b'{"status": "success", "data": 7}', "The reply has no 'data' text: "),
    ],
)
async def test_a_reply_without_success_data_is_malformed(
    site: ChatGpttEmulator, chatgptt: type[BaseProvider], body: bytes, sentence: str
) -> None:
    site.raw_reply = body
    error = await failure(chatgptt)
    assert isinstance(error, MalformedResponseError)
    assert str(error).startswith(f"ChatGptt: {sentence}")
    assert str(error).endswith(PROTOCOL_HINT)


async def test_garbage_names_the_provider_and_quotes_the_body(
    site: ChatGpttEmulator, chatgptt: type[BaseProvider]
) -> None:
    site.fail(Failure.GARBAGE, "api")
    error = await failure(chatgptt)
    assert str(error) == (
        "ChatGptt: The service sent something that is not JSON: "
        '\'{"status": "succ\\x00 502 Bad Gateway\'. ' + PROTOCOL_HINT
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"status": "error", "msg": "Too fast"}', "Too fast"),
        (b'{"status": "error", "message": "Quota exceeded"}', "Quota exceeded"),
        (b'{"status": "error", "msg": "", "message": "Empty msg"}', "Empty msg"),
        (b'{"status": "error"}', "no reason given"),
    ],
)
async def test_a_plugin_error_gives_its_reason(
    site: ChatGpttEmulator, chatgptt: type[BaseProvider], body: bytes, reason: str
) -> None:
    site.raw_reply = body
    error = await failure(chatgptt)
    assert isinstance(error, ChatGpttError)
    assert str(error) == (
        f"ChatGptt: The site's chat answered with an error: {reason}. "
        "Try again later, or pick another provider."
    )
