"""ChatGpt's request details, refusals and exact error sentences, against its strict emulator."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest

from providers import FinishReason
from providers.errors import (
    BlockedError,
    MalformedResponseError,
    ProviderError,
    ProviderNotWorkingError,
    RateLimitError,
    ResponseStatusError,
)
from providers.http import Http, new_client_session
from providers.seeds.chatgpt import ChatGpt, Visit
from tests.emulators.chatgpt import CONVERSATION, REQUIREMENTS, UNUSUAL, ChatGptEmulator
from tests.emulators.common import Failure, text_of, until_error
from tests.emulators.voigpt import CLOUDFLARE_BLOCK_PAGE
from tests.support.tracing import traced_session

HI = [{"role": "user", "content": "Hi"}]
ECHO_HI = "ha ha ha! [user] You said: Hi ha ha"
PROTOCOL_HINT = "The service may have changed its protocol; try another provider."
BLOCKED_HINT = (
    "The site blocks automated clients from this address; try again later, use a proxy, "
    "or pick another provider."
)
BAD_REQUEST_PAGE = (
    "<html><head><title>400 Bad Request</title></head><body><center><h1>400 Bad Request"
    "</h1></center><hr><center>cloudflare</center></body></html>"
)


@pytest.fixture
async def site() -> AsyncIterator[ChatGptEmulator]:
    async with ChatGptEmulator() as emulator:
        yield emulator


@pytest.fixture
def chatgpt(site: ChatGptEmulator) -> type[ChatGpt]:
    return cast(type[ChatGpt], ChatGpt.with_base_url(site.url))


async def failure(provider: type[ChatGpt], **kwargs: Any) -> ProviderError:
    _, error = await until_error(provider.create_async_generator("auto", HI, **kwargs))
    return error


async def test_the_apps_session_carries_every_request(
    site: ChatGptEmulator, chatgpt: type[ChatGpt]
) -> None:
    session, sent = traced_session()
    async with session:
        chunks = [c async for c in chatgpt.create_async_generator("auto", HI, session=session)]
    assert text_of(chunks) == ECHO_HI
    assert sent == ["GET /", f"POST {REQUIREMENTS}", f"POST {CONVERSATION}"]


async def test_an_unreachable_site_names_the_provider() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        gone = cast(
            type[ChatGpt], ChatGpt.with_base_url(f"http://127.0.0.1:{sock.getsockname()[1]}")
        )
        error = await failure(gone)
    assert isinstance(error, ProviderNotWorkingError)
    assert str(error).startswith("ChatGpt: Could not reach 127.0.0.1:")


async def test_cookies_and_headers_of_each_request(
    site: ChatGptEmulator, chatgpt: type[ChatGpt]
) -> None:
    await chatgpt.create_async("auto", HI)
    (page,) = site.requests("GET", "/")
    assert page.headers.getall("Cookie") == ["_dd_s="]
    assert page.headers["Referer"] == f"{site.url}/"
    (did,) = site.cookies
    session = {"_dd_s": "", **site.cookies[did]}
    (requirements,) = site.requests("POST", REQUIREMENTS)
    (conversation,) = site.requests("POST", CONVERSATION)
    assert requirements.cookies == session
    assert conversation.cookies == session
    assert conversation.headers.getall("Accept") == ["text/event-stream"]
    assert requirements.headers["oai-device-id"] == did


async def test_a_cookie_the_site_deletes_is_no_longer_sent(
    site: ChatGptEmulator, chatgpt: type[ChatGpt]
) -> None:
    site.clear_cookies = ["__cf_bm", "_puid"]  # one the client holds, one it never had
    chunks = [c async for c in chatgpt.create_async_generator("auto", HI)]
    assert text_of(chunks) == ECHO_HI
    (conversation,) = site.requests("POST", CONVERSATION)
    assert set(conversation.cookies) == {"_dd_s", "oai-did"}


async def test_a_400_page_is_an_http_error_and_goes_no_further(
    site: ChatGptEmulator, chatgpt: type[ChatGpt]
) -> None:
    site.page_error = (400, BAD_REQUEST_PAGE)
    error = await failure(chatgpt)
    assert isinstance(error, ResponseStatusError)
    assert error.status == 400
    assert str(error) == (
        "ChatGpt: The service answered HTTP 400: 400 Bad Request — cloudflare. The site did "
        "not accept the request; it may have changed how it works."
    )
    assert site.requests("POST", REQUIREMENTS) == []


async def test_a_rate_limited_page_says_when_to_retry(
    site: ChatGptEmulator, chatgpt: type[ChatGpt]
) -> None:
    site.fail(Failure.RATE_LIMIT, "page")
    error = await failure(chatgpt)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7


async def test_a_cloudflare_firewall_block_is_named_as_such(
    site: ChatGptEmulator, chatgpt: type[ChatGpt]
) -> None:
    site.page_error = (403, CLOUDFLARE_BLOCK_PAGE)  # no cf-mitigated header: the page says it
    error = await failure(chatgpt)
    assert isinstance(error, BlockedError)
    assert str(error) == (
        "ChatGpt: The request was blocked by the site: an anti-bot (Cloudflare) page "
        f"answered, HTTP 403. {BLOCKED_HINT}"
    )


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ((200, {"detail": UNUSUAL}), f": {UNUSUAL}"),
        ((403, {"detail": {"message": UNUSUAL, "code": "abuse"}}), f": {UNUSUAL}"),
        ((429, {"detail": {"message": UNUSUAL.upper()}}), f": {UNUSUAL.upper()}"),
        ((403, {"detail": {"code": "blocked"}}), ' (HTTP 403): {"code": "blocked"}'),
        ((403, {"error": "forbidden"}), ' (HTTP 403): {"error": "forbidden"}'),
        ((403, ["nope"]), ' (HTTP 403): ["nope"]'),
    ],
    ids=["200 unusual", "detail object", "upper case", "no message", "no detail", "a list"],
)
async def test_refused_requirements_say_what_the_site_said(
    site: ChatGptEmulator, chatgpt: type[ChatGpt], answer: tuple[int, Any], said: str
) -> None:
    site.requirements_answer = answer
    error = await failure(chatgpt)
    assert isinstance(error, BlockedError)
    assert str(error) == f"ChatGpt: The request was blocked by the site{said}. {BLOCKED_HINT}"
    assert site.requests("POST", CONVERSATION) == []


@pytest.mark.parametrize(
    ("answer", "sentence"),
    [
        ([], "The site's chat requirements carry no token: '[]'."),
        ({"persona": "x"}, 'The site\'s chat requirements carry no token: \'{"persona": "x"}\'.'),
        (
            {"token": "t", "turnstile": {"required": True}},
            "The site requires a turnstile but sent no program: "
            '\'{"token": "t", "turnstile": {"required": true}}\'.',
        ),
        (
            {"token": "t", "proofofwork": {"required": True, "seed": "0.5"}},
            "The site requires a proof of work but sent no seed: "
            '\'{"token": "t", "proofofwork": {"required": true, "seed": "0.5"}}\'.',
        ),
        (
            {"token": "t", "proofofwork": {"required": True, "difficulty": "0fffff"}},
            "The site requires a proof of work but sent no seed: "
            '\'{"token": "t", "proofofwork": {"required": true, "difficulty": '
            '"0fffff"}}\'.',
        ),
    ],
    ids=["a list", "no token", "no program", "no difficulty", "no seed"],
)
async def test_incomplete_requirements_are_malformed_and_quoted(
    site: ChatGptEmulator, chatgpt: type[ChatGpt], answer: Any, sentence: str
) -> None:
    site.requirements_answer = (200, answer)
    error = await failure(chatgpt)
    assert isinstance(error, MalformedResponseError)
    assert str(error) == f"ChatGpt: {sentence} {PROTOCOL_HINT}"
    assert site.requests("POST", CONVERSATION) == []


async def test_garbage_requirements_name_the_provider(
    site: ChatGptEmulator, chatgpt: type[ChatGpt]
) -> None:
    site.fail(Failure.GARBAGE, "requirements")
    error = await failure(chatgpt)
    assert str(error) == (
        "ChatGpt: The service sent something that is not JSON: "
        '\'{"status": "succ\\x00 502 Bad Gateway\'. ' + PROTOCOL_HINT
    )


async def test_a_json_answer_to_the_conversation_is_not_a_stream(
    site: ChatGptEmulator, chatgpt: type[ChatGpt]
) -> None:
    site.conversation_answer = (200, {"detail": "Something else"})
    error = await failure(chatgpt)
    assert isinstance(error, MalformedResponseError)
    assert str(error) == (
        "ChatGpt: The site answered with JSON instead of a reply stream: "
        '\'{"detail": "Something else"}\'. ' + PROTOCOL_HINT
    )


@pytest.mark.parametrize("detail", [UNUSUAL, UNUSUAL.upper()])
async def test_unusual_activity_in_a_json_answer_to_the_conversation_is_blocked(
    site: ChatGptEmulator, chatgpt: type[ChatGpt], detail: str
) -> None:
    site.conversation_answer = (200, {"detail": detail})
    error = await failure(chatgpt)
    assert isinstance(error, BlockedError)
    assert str(error) == f"ChatGpt: The request was blocked by the site: {detail}. {BLOCKED_HINT}"


async def test_a_stream_without_answer_text_is_malformed(
    site: ChatGptEmulator, chatgpt: type[ChatGpt]
) -> None:
    site.events = "echo only"
    chunks, error = await until_error(chatgpt.create_async_generator("auto", HI))
    assert chunks == []
    assert isinstance(error, MalformedResponseError)
    assert str(error) == (
        f"ChatGpt: The site's reply stream ended without any answer text. {PROTOCOL_HINT}"
    )


async def test_a_stream_with_text_but_no_finish_is_the_text_alone(
    site: ChatGptEmulator, chatgpt: type[ChatGpt]
) -> None:
    site.events = "no finish"
    chunks = [c async for c in chatgpt.create_async_generator("auto", HI)]
    assert text_of(chunks) == ECHO_HI
    assert not any(isinstance(c, FinishReason) for c in chunks)


def test_an_alias_outside_the_model_list_is_mapped() -> None:
    aliased = type("ChatGpt", (ChatGpt,), {"model_aliases": {"4o-latest": "chatgpt-4o-latest"}})
    assert aliased.get_model("4o-latest") == "chatgpt-4o-latest"
    assert aliased.get_model("gpt-4o") == "gpt-4o"
    assert aliased.get_model("unknown") == "auto"


async def test_a_visit_starts_with_a_fresh_device_id_and_counts_milliseconds() -> None:
    async with new_client_session() as session:
        visit = Visit(ChatGpt, Http(session))
        other = Visit(ChatGpt, Http(session))
        assert uuid.UUID(visit.device_id).version == 4
        assert visit.device_id != other.device_id
        assert visit.cookies == {"_dd_s": ""}
        visit.started = time.perf_counter() - 2.0
        assert 2000 <= visit.elapsed_ms() < 2001
