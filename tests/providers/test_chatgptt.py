"""ChatGptt against its loopback emulator: page tokens, the admin-ajax form, every failure."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

import aiohttp
import pytest

from chat.conversation import Conversation, MessageState
from chat.secrets import MemorySecretStore
from chat.session import ChatSession
from providers.base import BaseProvider
from providers.errors import (
    AuthenticationError,
    BlockedError,
    IdleTimeoutError,
    MalformedResponseError,
    RateLimitError,
    ResponseStatusError,
    StreamCutError,
)
from providers.http import Timeouts, new_client_session
from providers.seeds.chatgptt import ChatGptt, ChatGpttError
from tests.emulators.chatgptt import ChatGpttEmulator
from tests.emulators.common import Failure, text_of, until_error

MODEL = "gpt-4o"
HI = [{"role": "user", "content": "Hi"}]


@pytest.fixture
async def site() -> AsyncIterator[ChatGpttEmulator]:
    async with ChatGpttEmulator() as emulator:
        yield emulator


@pytest.fixture
def chatgptt(site: ChatGpttEmulator) -> type[BaseProvider]:
    return ChatGptt.with_base_url(site.url)


async def fails(provider: type[BaseProvider], **kwargs: Any) -> tuple[list[Any], Exception]:
    return await until_error(provider.create_async_generator(MODEL, HI, **kwargs))


def test_flags_as_the_spec_gives() -> None:
    assert (ChatGptt.url, ChatGptt.api_endpoint) == (
        "https://chatgptt.me",
        "https://chatgptt.me/wp-admin/admin-ajax.php",
    )
    assert not ChatGptt.working
    assert ChatGptt.supports_stream
    assert ChatGptt.supports_system_message
    assert ChatGptt.supports_message_history
    assert not ChatGptt.needs_auth
    assert (ChatGptt.default_model, ChatGptt.models) == (
        "gpt-4o",
        ["gpt-4", "gpt-4o", "gpt-4o-mini"],
    )
    moved = ChatGptt.with_base_url("http://127.0.0.1:1")
    assert moved.api_endpoint == "http://127.0.0.1:1/wp-admin/admin-ajax.php"


@pytest.mark.parametrize("quote", ['"', "'"])
async def test_posts_the_exact_form_and_yields_data(
    site: ChatGpttEmulator, chatgptt: type[BaseProvider], quote: str
) -> None:
    site.quote = quote
    messages = [
        {"role": "system", "content": "S"},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "Q"},
    ]
    chunks = [c async for c in chatgptt.create_async_generator(MODEL, messages)]
    assert chunks == ["Echo: System: S\nUser: Hi\nAssistant: Hello\nUser: Q\nAssistant:"]
    (post,) = site.requests("POST", "/wp-admin/admin-ajax.php")
    form = {k: v[0] for k, v in parse_qs(post.body.decode(), keep_blank_values=True).items()}
    client_id = form.pop("wpaicg_chat_client_id")
    assert re.fullmatch(r"[0-9a-f]{10}", client_id)
    assert form == {
        "_wpnonce": site.nonce,
        "post_id": "106",
        "url": site.url,
        "action": "wpaicg_chat_shortcode_message",
        "message": chunks[0].removeprefix("Echo: "),
        "bot_id": "0",
        "chatbot_identity": "shortcode",
        "wpaicg_chat_history": "",
    }
    assert post.headers["Referer"] == f"{site.url}/chat"


async def test_seed_calling_convention(site: ChatGpttEmulator) -> None:
    provider = ChatGptt.with_base_url(site.url)
    text = ""
    async for chunk in provider.create_async_generator(MODEL, HI, proxy=None):
        text += str(chunk)
    assert text == "Echo: Hi"


async def test_a_page_without_tokens_says_so(
    site: ChatGpttEmulator, chatgptt: type[BaseProvider]
) -> None:
    site.widget = False
    _, error = await fails(chatgptt)
    assert isinstance(error, MalformedResponseError)
    assert "Required authentication tokens not found in page HTML" in str(error)
    assert site.requests("POST", "/wp-admin/admin-ajax.php") == []


async def test_a_stale_nonce_is_an_authentication_error(
    site: ChatGpttEmulator, chatgptt: type[BaseProvider]
) -> None:
    site.page_nonce = "0123456789"
    _, error = await fails(chatgptt)
    assert isinstance(error, AuthenticationError)
    assert "refused the page's security nonce (HTTP 403)" in str(error)


async def test_a_wrong_post_id_gets_the_plugins_message(
    site: ChatGpttEmulator, chatgptt: type[BaseProvider]
) -> None:
    site.page_post_id = "7"
    _, error = await fails(chatgptt)
    assert isinstance(error, ChatGpttError)
    assert "answered with an error: Chatbot not found for this page." in str(error)


async def test_a_status_error_carries_its_msg(
    site: ChatGpttEmulator, chatgptt: type[BaseProvider]
) -> None:
    site.error_msg = "You have reached your daily limit."
    _, error = await fails(chatgptt)
    assert isinstance(error, ChatGpttError)
    assert str(error) == (
        "ChatGptt: The site's chat answered with an error: You have reached your daily limit. "
        "Try again later, or pick another provider."
    )


@pytest.mark.parametrize("route", ["page", "api"])
async def test_cloudflare_is_blocked(
    site: ChatGpttEmulator, chatgptt: type[BaseProvider], route: str
) -> None:
    site.fail(Failure.CLOUDFLARE, route)
    chunks, error = await fails(chatgptt)
    assert isinstance(error, BlockedError)
    assert "anti-bot (Cloudflare) page, HTTP 403" in str(error)
    assert chunks == []


async def test_a_403_page_gives_status_and_excerpt(
    site: ChatGpttEmulator, chatgptt: type[BaseProvider]
) -> None:
    site.fail(Failure.FORBIDDEN, "api")
    _, error = await fails(chatgptt)
    assert isinstance(error, ResponseStatusError)
    assert "HTTP 403: 403 Forbidden" in str(error)


async def test_rate_limit(site: ChatGpttEmulator, chatgptt: type[BaseProvider]) -> None:
    site.fail(Failure.RATE_LIMIT, "api")
    _, error = await fails(chatgptt)
    assert isinstance(error, RateLimitError)
    assert "try again in 7 s" in str(error)


async def test_a_cut_reply(site: ChatGpttEmulator, chatgptt: type[BaseProvider]) -> None:
    site.fail(Failure.CUT, "api")
    chunks, error = await fails(chatgptt)
    assert isinstance(error, StreamCutError)
    assert "closed in the middle of the reply" in str(error)
    assert text_of(chunks) == ""


async def test_a_cut_page(site: ChatGpttEmulator, chatgptt: type[BaseProvider]) -> None:
    site.fail(Failure.CUT, "page")
    _, error = await fails(chatgptt)
    assert isinstance(error, StreamCutError)


async def test_garbage_json(site: ChatGpttEmulator, chatgptt: type[BaseProvider]) -> None:
    site.fail(Failure.GARBAGE, "api")
    _, error = await fails(chatgptt)
    assert isinstance(error, MalformedResponseError)
    assert "not JSON" in str(error)


async def test_a_silent_server(site: ChatGpttEmulator, chatgptt: type[BaseProvider]) -> None:
    site.fail(Failure.SLOW, "api")
    _, error = await fails(chatgptt, timeouts=Timeouts(connect=2, idle=0.3))
    assert isinstance(error, IdleTimeoutError)
    assert "sent nothing for 0.3 s" in str(error)


async def test_failure_through_the_chat_session_keeps_the_conversation(
    site: ChatGpttEmulator, chatgptt: type[BaseProvider]
) -> None:
    site.fail(Failure.CLOUDFLARE, "api")
    conversation = Conversation()
    conversation.add("user", "still here")
    async with new_client_session() as http:
        reply = (
            await ChatSession(MemorySecretStore(), http).reply(conversation, chatgptt, MODEL).run()
        )
    assert reply.state is MessageState.FAILED
    assert reply.error is not None
    assert "Cloudflare" in reply.error.sentence
    assert conversation.messages[0].content == "still here"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"action": "wpaicg_other"}, (400, "0")),
        ({"_wpnonce": "bad"}, (403, "-1")),
        ({"wpaicg_chat_history": "None"}, (200, "Invalid chat history.")),
        ({"post_id": "1"}, (200, "Chatbot not found for this page.")),
    ],
)
async def test_the_emulator_is_strict(
    site: ChatGpttEmulator, change: dict[str, str], expected: tuple[int, str]
) -> None:
    form = ChatGptt.with_base_url(site.url)._form(site.nonce, "106", HI)  # type: ignore[attr-defined]
    form.update(change)
    headers = {"User-Agent": "Mozilla/5.0", "Origin": site.url, "Referer": f"{site.url}/chat"}
    headers["Accept"] = "application/json"
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{site.url}/wp-admin/admin-ajax.php", data=form, headers=headers) as response,
    ):
        assert response.status == expected[0]
        assert expected[1] in await response.text()
