"""HTTP errors in a person's words: each sentence whole, and what a retry or a log reads."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import aiohttp
import aiohttp_socks
import pytest
import python_socks
from aiohttp import web
from python_socks._protocols.errors import ReplyError

from providers.errors import (
    MalformedResponseError,
    ProviderError,
    ProxyError,
    ResponseStatusError,
)
from providers.http import (
    EXCERPT_SCAN_CHARS,
    USER_AGENT,
    Http,
    Timeouts,
    browser_headers,
    excerpt,
    new_client_session,
    open_http,
    read_text,
)
from providers.neterrors import translate_error

Serve = Callable[[web.Application], Awaitable[str]]


@pytest.mark.parametrize("end", [".", "!", "?", "…"])
def test_a_message_that_ends_a_sentence_gets_no_second_stop(end: str) -> None:
    error = ProviderError(f"The site said no{end}", provider="Seed", hint="Try again.")
    assert str(error) == f"Seed: The site said no{end} Try again."


def test_a_message_with_blanks_after_its_stop_gets_no_second_stop() -> None:
    error = ProviderError("The site said no. ", hint="Try again.")
    assert str(error) == "The site said no.  Try again."


def test_an_error_shows_its_message_in_a_log() -> None:
    error = ProviderError("The site said no")
    assert repr(error) == "ProviderError('The site said no')"
    assert error.args == ("The site said no",)


def test_an_error_that_is_no_rate_limit_asks_for_no_wait() -> None:
    assert ProviderError("The site said no").retry_after is None


def test_a_fetch_sends_the_headers_a_browsers_script_sends() -> None:
    assert browser_headers("https://chatgptt.me/wp-admin/admin-ajax.php?x=1") == {
        "user-agent": USER_AGENT,
        "accept-language": "en-US,en;q=0.9",
        "referer": "https://chatgptt.me/",
        "accept": "*/*",
        "origin": "https://chatgptt.me",
    }


def test_a_page_load_sends_the_headers_a_browsers_navigation_sends() -> None:
    assert browser_headers("http://127.0.0.1:8080/chat", navigation=True) == {
        "user-agent": USER_AGENT,
        "accept-language": "en-US,en;q=0.9",
        "referer": "http://127.0.0.1:8080/",
        "accept": (
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
        ),
        "upgrade-insecure-requests": "1",
    }


def cookie_app() -> web.Application:
    """``/set`` sets a cookie; ``/echo`` answers with the Cookie header it got."""

    async def set_cookie(request: web.Request) -> web.Response:
        response = web.Response(text="set")
        response.set_cookie("session", "s1", path="/")
        return response

    async def echo(request: web.Request) -> web.Response:
        return web.Response(text=request.headers.get("cookie", "(none)"))

    app = web.Application()
    app.router.add_get("/set", set_cookie)
    app.router.add_get("/echo", echo)
    return app


async def test_the_apps_session_sends_no_cookie_a_site_set(serve: Serve) -> None:
    """Providers send their own cookies: one site's cookie never goes out with a request."""
    # aiohttp's own jar keeps no cookie of an IP address: the site is named here.
    url = (await serve(cookie_app())).replace("127.0.0.1", "localhost")
    async with new_client_session() as session:
        async with session.get(url + "/set") as response:
            assert response.cookies["session"].value == "s1"
        async with session.get(url + "/echo") as response:
            assert await response.text() == "(none)"


async def test_the_apps_session_waits_as_the_default_timeouts_say() -> None:
    async with new_client_session() as session:
        assert session.timeout == Timeouts().client_timeout()
        assert session.timeout == aiohttp.ClientTimeout(sock_connect=15.0, sock_read=60.0)


def sized_app(size: int, *, declared: bool) -> web.Application:
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        if declared:
            response.content_length = size
        else:
            response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b"z" * size)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/", handler)
    return app


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_a_reply_of_exactly_the_limit_is_read_whole(serve: Serve, declared: bool) -> None:
    url = await serve(sized_app(10, declared=declared))
    async with open_http("Test") as http, http.request("GET", url) as response:
        assert await read_text(response, limit=10) == "z" * 10


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_a_reply_one_byte_over_the_limit_is_refused(serve: Serve, declared: bool) -> None:
    url = await serve(sized_app((1 << 20) + 1, declared=declared))
    with pytest.raises(MalformedResponseError) as caught:
        async with open_http("Test") as http, http.request("GET", url) as response:
            await read_text(response, limit=1 << 20)
    assert str(caught.value) == (
        "Test: The service sent a reply larger than 1 MiB, which no answer needs, so Parley "
        "stopped reading it. The service may have changed its protocol; try another provider."
    )


def page_app(status: int, body: bytes, content_type: str) -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, body=body, headers={"Content-Type": content_type})

    app = web.Application()
    app.router.add_get("/", handler)
    return app


@pytest.mark.parametrize("charset", ["utf8mb4", "utf-8", None])
async def test_bytes_of_an_error_page_that_are_not_its_text_are_replaced(
    serve: Serve, charset: str | None
) -> None:
    """An unknown charset is read as UTF-8; a byte that is not UTF-8 is shown as U+FFFD."""
    content_type = f"text/html; charset={charset}" if charset else "text/html"
    url = await serve(page_app(502, b"<h1>Bad gateway \xe9</h1>", content_type))
    with pytest.raises(ResponseStatusError) as caught:
        async with open_http("Test") as http, http.request("GET", url):
            pass
    assert caught.value.excerpt == "Bad gateway \ufffd"


async def test_a_page_is_read_in_its_charset(serve: Serve) -> None:
    body = "Café fermé".encode("latin-1")
    url = await serve(page_app(200, body, "text/plain; charset=iso-8859-1"))
    async with open_http("Test") as http, http.request("GET", url) as response:
        assert await read_text(response) == "Café fermé"


async def test_a_page_in_pieces_is_read_whole(serve: Serve) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for piece in (b"first ", b"second ", b"third"):
            await response.write(piece)
            await asyncio.sleep(0.02)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/", handler)
    url = await serve(app)
    async with open_http("Test") as http, http.request("GET", url) as response:
        assert await read_text(response) == "first second third"


def stalling_app(status: int, *, declared: int | None, sent: int) -> web.Application:
    """Declares ``declared`` bytes (or none: chunked), sends ``sent``, then waits for good."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=status)
        if declared is None:
            response.enable_chunked_encoding()
        else:
            response.content_length = declared
        await response.prepare(request)
        for _ in range(sent // 4096):
            await response.write(b"e" * 4096)
            await asyncio.sleep(0)
        await asyncio.Event().wait()  # cancelled when the client goes
        return response

    app = web.Application()
    app.router.add_get("/", handler)
    return app


async def test_a_reply_that_declares_more_than_the_limit_is_refused_unread(serve: Serve) -> None:
    url = await serve(stalling_app(200, declared=(1 << 20) + 1, sent=4096))
    with pytest.raises(MalformedResponseError, match="larger than 1 MiB"):
        async with open_http("Test") as http, http.request("GET", url) as response:
            await asyncio.wait_for(read_text(response, limit=1 << 20), 5)


async def test_an_error_page_that_stalls_after_its_first_64_kib_is_still_reported(
    serve: Serve,
) -> None:
    """Only the head of an error page is read: a page without end does not hold the reply."""
    url = await serve(stalling_app(500, declared=None, sent=128 * 1024))
    with pytest.raises(ResponseStatusError) as caught:
        async with open_http("Test") as http:
            await asyncio.wait_for(_get(http, url), 5)
    assert caught.value.status == 500
    assert caught.value.excerpt == "e" * 199 + "…"


async def _get(http: Http, url: str) -> None:
    async with http.request("GET", url):
        pass


@pytest.mark.parametrize("proxy", ["http://127.0.0.1:3128", "https://127.0.0.1:3128"])
async def test_an_http_proxy_gets_a_short_lived_session_of_its_own(proxy: str) -> None:
    """tinyproxy closes connections unannounced: through it, no connection is reused."""
    async with new_client_session() as app_session:
        async with open_http("Test", session=app_session, proxy=proxy) as http:
            assert http.session is not app_session
            assert http.proxy == proxy
            own = http.session
        assert own.closed
        assert not app_session.closed


@pytest.mark.parametrize(
    "proxy",
    [
        "socks4://127.0.0.1:1080",
        "socks4a://127.0.0.1:1080",
        "socks5://127.0.0.1:1080",
        "socks5h://127.0.0.1:1080",
        "SOCKS5://127.0.0.1:1080",
    ],
)
async def test_each_socks_scheme_gets_a_session_through_the_proxy(proxy: str) -> None:
    async with new_client_session() as app_session:
        async with open_http("Test", session=app_session, proxy=proxy) as http:
            assert http.session is not app_session
            assert http.proxy is None  # the session's connector goes through the proxy
            own = http.session
        assert own.closed


def test_an_excerpt_of_just_the_limit_is_whole() -> None:
    assert excerpt("a" * 200) == "a" * 200
    assert excerpt("a" * 201) == "a" * 199 + "…"


def test_an_excerpt_of_a_body_just_as_long_as_is_read_is_not_marked_cut() -> None:
    body = "<p>Down</p>"
    assert excerpt(body + " " * (EXCERPT_SCAN_CHARS - len(body))) == "Down"
    assert excerpt(body + " " * (EXCERPT_SCAN_CHARS + 1 - len(body))) == "Down…"


def socks4_reply_with_an_unknown_code() -> BaseException:
    """aiohttp-socks' error for a SOCKS4 answer whose code python-socks does not know: its
    ReplyError is raised from the ValueError of the code's lookup (python-socks' socks4.py)."""
    try:
        try:
            try:
                try:
                    raise ValueError("95 is not a valid ReplyCode")
                except ValueError as lookup:
                    raise ReplyError("Invalid reply code: 0X5F") from lookup
            except ReplyError as error:
                raise python_socks.ProxyError(error, error_code=None) from error
        except python_socks.ProxyError as error:
            raise aiohttp_socks.ProxyError(str(error), error_code=error.error_code) from error
    except aiohttp_socks.ProxyError as error:
        return error


def test_a_socks_answer_is_worded_as_python_socks_read_it_not_as_python_did() -> None:
    translated = translate_error(
        socks4_reply_with_an_unknown_code(), "http://h:1/v1", Timeouts(), "Test"
    )
    assert isinstance(translated, ProxyError)
    assert str(translated) == (
        "Test: The SOCKS proxy could not connect to h:1: it refused the request (Invalid reply "
        "code: 0X5F). Check the proxy URL in Settings → Providers or `--proxy`."
    )
