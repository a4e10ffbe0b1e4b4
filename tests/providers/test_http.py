"""HTTP helpers against loopback servers, a loopback forward proxy and a loopback SOCKS5 server."""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import struct
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from providers.errors import (
    AuthenticationError,
    BlockedError,
    ConnectTimeoutError,
    MalformedResponseError,
    ProviderError,
    ProviderNotWorkingError,
    ProxyError,
    RateLimitError,
    ResponseStatusError,
)
from providers.http import (
    Timeouts,
    browser_headers,
    check_response,
    excerpt,
    is_cloudflare_page,
    open_http,
    read_text,
    retry_after_seconds,
    status_error,
    translate_error,
)

Serve = Callable[[web.Application], Awaitable[str]]

CLOUDFLARE_PAGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper">
<div id="cf-please-wait">Checking your browser</div></div>
<script>window._cf_chl_opt={cvId: '3'};</script></body></html>"""

ERROR_PAGE = (
    """<html>
<head><title>500 Internal Server Error</title><style>body { color: red }</style></head>
<body>
<h1>Internal Server Error</h1>
<p>The server encountered an internal error
and was unable to complete your request.</p>
"""
    + "<p>padding</p>\n" * 200
    + "</body></html>"
)


def replying(status: int, body: str, **headers: str) -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, text=body, content_type="text/html", headers=headers)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    return app


async def error_for(serve: Serve, app: web.Application) -> BaseException:
    url = await serve(app)
    with pytest.raises(Exception) as caught:  # noqa: PT011 - each test checks the type
        await fetch(url)
    return caught.value


async def fetch(url: str, **kwargs: Any) -> str:
    timeouts = kwargs.pop("timeouts", None)
    proxy = kwargs.pop("proxy", None)
    assert timeouts is None or isinstance(timeouts, Timeouts)
    assert proxy is None or isinstance(proxy, str)
    async with (
        open_http("Test", proxy=proxy, timeouts=timeouts) as http,
        http.request("GET", url, **kwargs) as response,
    ):
        return await response.text()


async def test_cloudflare_challenge_page_is_blocked(serve: Serve) -> None:
    error = await error_for(serve, replying(403, CLOUDFLARE_PAGE))
    assert isinstance(error, BlockedError)
    assert "Cloudflare" in str(error)
    assert "HTTP 403" in str(error)
    assert "proxy" in str(error)


async def test_cf_please_wait_on_503_is_blocked(serve: Serve) -> None:
    body = '<html><body><div id="cf-please-wait">wait</div></body></html>'
    assert isinstance(await error_for(serve, replying(503, body)), BlockedError)


async def test_cf_mitigated_header_is_blocked_whatever_the_body(serve: Serve) -> None:
    app = replying(403, "<html>Forbidden</html>", **{"cf-mitigated": "challenge"})
    assert isinstance(await error_for(serve, app), BlockedError)


async def test_a_challenge_marker_arriving_late_in_the_body_is_seen(serve: Serve) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=403, headers={"content-type": "text/html"})
        await response.prepare(request)
        await response.write(b"<html><body>" + b" " * 3000)
        await asyncio.sleep(0.05)
        await response.write(b'<div id="cf-please-wait"></div></body></html>')
        return response

    app = web.Application()
    app.router.add_get("/", handler)
    assert isinstance(await error_for(serve, app), BlockedError)


async def test_a_plain_403_is_a_status_error(serve: Serve) -> None:
    error = await error_for(serve, replying(403, "<html><title>Forbidden</title></html>"))
    assert isinstance(error, ResponseStatusError)
    assert error.status == 403


async def test_429_with_retry_after_is_rate_limited(serve: Serve) -> None:
    app = replying(429, '{"error": "slow down"}', **{"Retry-After": "7"})
    error = await error_for(serve, app)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7.0
    assert str(error) == (
        'Test: Rate limited by the service (HTTP 429): {"error": "slow down"}. '
        "Wait and try again in 7 s, or pick another provider."
    )


async def test_429_without_retry_after(serve: Serve) -> None:
    error = await error_for(serve, replying(429, ""))
    assert isinstance(error, RateLimitError)
    assert error.retry_after is None
    assert str(error) == (
        "Test: Rate limited by the service (HTTP 429). "
        "Wait and try again in a minute, or pick another provider."
    )


def test_retry_after_as_an_http_date() -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    seconds = retry_after_seconds(format_datetime(when, usegmt=True))
    assert seconds is not None
    assert 28 <= seconds <= 31
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("1.5") == 1.5


async def test_401_is_an_authentication_error(serve: Serve) -> None:
    error = await error_for(serve, replying(401, '{"detail": "Invalid token"}'))
    assert isinstance(error, AuthenticationError)
    assert "HTTP 401" in str(error)
    assert "Invalid token" in str(error)
    assert "Settings → Providers" in str(error)


async def test_500_html_gives_status_and_a_short_one_line_excerpt(serve: Serve) -> None:
    error = await error_for(serve, replying(500, ERROR_PAGE))
    assert isinstance(error, ResponseStatusError)
    assert error.status == 500
    assert error.excerpt.startswith(
        "500 Internal Server Error — Internal Server Error The server encountered"
    )
    assert "\n" not in error.excerpt
    assert "color" not in error.excerpt
    assert len(error.excerpt) <= 200
    assert str(error).startswith("Test: The service answered HTTP 500: 500 Internal Server Error")


@pytest.mark.parametrize(
    ("status", "hint"),
    [(500, "try again later"), (404, "Check the provider's base URL"), (400, "did not accept")],
)
async def test_a_status_error_says_what_to_do(serve: Serve, status: int, hint: str) -> None:
    error = await error_for(serve, replying(status, "<p>nope</p>"))
    assert isinstance(error, ResponseStatusError)
    assert str(error).startswith(f"Test: The service answered HTTP {status}: nope. ")
    assert hint in str(error)


async def test_an_error_page_in_an_unknown_charset_is_still_a_status_error(serve: Serve) -> None:
    async def handler(request: web.Request) -> web.Response:
        headers = {"Content-Type": "text/html; charset=utf8mb4"}  # not a Python codec
        return web.Response(status=502, body="<h1>Bad gateway é</h1>".encode(), headers=headers)

    app = web.Application()
    app.router.add_get("/", handler)
    error = await error_for(serve, app)
    assert isinstance(error, ResponseStatusError)
    assert error.status == 502
    assert error.excerpt == "Bad gateway é"


async def test_only_requests_without_credentials_follow_redirects(serve: Serve) -> None:
    async def old(request: web.Request) -> web.Response:
        raise web.HTTPFound("/new")

    async def new(request: web.Request) -> web.Response:
        return web.Response(text=f"cookie={request.headers.get('Cookie')}")

    app = web.Application()
    app.router.add_get("/old", old)
    app.router.add_get("/new", new)
    url = await serve(app)
    assert await fetch(f"{url}/old") == "cookie=None"
    with pytest.raises(ProviderNotWorkingError, match=f"redirected this request to {url}/new"):
        await fetch(f"{url}/old", headers={"Cookie": "session=secret"})


async def test_check_false_hands_the_error_response_over(serve: Serve) -> None:
    url = await serve(replying(500, "boom"))
    async with open_http("Test") as http, http.request("GET", url, check=False) as response:
        assert response.status == 500
        assert await response.text() == "boom"


def test_excerpt_of_plain_text_and_of_a_long_body() -> None:
    assert excerpt("  a\n b  ") == "a b"
    long = excerpt("word " * 100)
    assert len(long) == 200
    assert long.endswith("…")


NGINX_403 = (
    "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n"
    "<center><h1>403 Forbidden</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


async def test_an_nginx_403_page_shows_its_title_once(serve: Serve) -> None:
    error = await error_for(serve, replying(403, NGINX_403))
    assert isinstance(error, ResponseStatusError)
    assert error.excerpt == "403 Forbidden — nginx"


async def test_an_nginx_429_page_shows_its_title_once(serve: Serve) -> None:
    page = NGINX_403.replace("403 Forbidden", "429 Too Many Requests")
    error = await error_for(serve, replying(429, page))
    assert isinstance(error, RateLimitError)
    assert str(error).startswith(
        "Test: Rate limited by the service (HTTP 429): 429 Too Many Requests — nginx. Wait"
    )


@pytest.mark.parametrize(
    ("page", "text"),
    [
        ("<title> A \n  page </title><h1>Other</h1><p>x</p>", "A page — Other x"),
        ("<title>T</title><p>T</p>", "T"),
        ("<title>T</title><p>Text</p>", "T — Text"),
        ("<TITLE>T</TITLE><SCRIPT type=x>a < b</SCRIPT><Style>p {}</Style >ok", "T — ok"),
        ("<title>İstanbul</title><script>x</script>İ ok", "İstanbul — İ ok"),
        ("<p>a</p><script>never closed <p>b</p>", "a"),
        ("<title></title><title>Second</title>x", "Second — x"),
        ("1 < 2 and 3 > 2", "1 2"),
        ("a <b c", "a <b c"),
        ("a<>b< >c", "a b c"),
        ('<script type="module" src="x.js">hidden()</script>shown', "shown"),
        ("<script/>hidden()</script>shown", "shown"),
        ("<title>Never closed", "Never closed"),
        ("<title>T</title", "T"),
        ('{"error": {"message": "bad key"}}', '{"error": {"message": "bad key"}}'),
        ("", ""),
    ],
)
def test_excerpt_reads_a_page_like_a_browser(page: str, text: str) -> None:
    assert excerpt(page) == text


def test_excerpt_marks_a_body_cut_before_its_end() -> None:
    assert excerpt("<p>short</p>" + "<br>" * 20_000) == "short…"


@pytest.mark.parametrize(
    "body",
    [
        "<" * (1 << 20),
        "<title>" * (1 << 17),
        "<script" * (1 << 17),
        "<style>" * (1 << 17),
        "<a " * (1 << 18),
        "</" * (1 << 19),
        "<" * 65535 + ">" + "<" * (1 << 20),
    ],
)
def test_excerpt_of_a_megabyte_of_markup_is_quick(body: str) -> None:
    """Regression: a regex rescanned to the end for each unmatched ``<`` (1 MiB: ~6 min)."""
    started = time.perf_counter()
    text = excerpt(body)
    assert time.perf_counter() - started < 0.1
    assert len(text) <= 200


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def full_backlog_port() -> Iterator[int]:
    """A port whose accept queue is full, so a new connect hangs (the kernel drops its SYN)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port: int = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            yield port


def assert_our_words(text: str) -> None:
    """No Python repr, no errno, no asyncio wording in a message for a person."""
    for python in ("Connect call failed", "Errno", "('", "Error(", "ssl:default", "_ssl.c"):
        assert python not in text


async def test_connect_refused_says_nothing_listens_and_the_site_may_be_gone(
    closed_port: int,
) -> None:
    with pytest.raises(ProviderNotWorkingError) as caught:
        await fetch(f"http://127.0.0.1:{closed_port}/")
    text = str(caught.value)
    assert text.startswith(
        f"Test: Could not reach 127.0.0.1:{closed_port}: nothing is listening at that address. "
        "The site may be down or gone"
    )
    assert "base URL" in text
    assert_our_words(text)


async def test_an_unknown_host_name_says_so() -> None:
    """A name longer than DNS allows (255 octets) fails in the local resolver: no query."""
    host = ".".join(["a" * 63] * 5)
    with pytest.raises(ProviderNotWorkingError) as caught:
        await fetch(f"http://{host}/")
    text = str(caught.value)
    assert text.startswith(f"Test: Could not reach {host}: the host name could not be found. ")
    assert_our_words(text)


async def test_a_failed_name_lookup_while_offline_says_so() -> None:
    """EAI_AGAIN (no DNS server answered) cannot be caused on loopback: the resolver's error
    is put into the ``ClientConnectorDNSError`` that a real failed lookup raised."""
    host = ".".join(["a" * 63] * 5)
    with pytest.raises(ProviderNotWorkingError) as caught:
        await fetch(f"http://{host}/")
    real = caught.value.__cause__
    assert isinstance(real, aiohttp.ClientConnectorDNSError)
    offline = socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
    error = aiohttp.ClientConnectorDNSError(real.args[0], offline)
    assert str(translate_error(error, f"http://{host}/", Timeouts(), None)) == (
        f"Could not reach {host}: the host name could not be looked up "
        "(is this computer online?). The site may be down or gone; if you know a mirror, "
        "set the provider's base URL (Settings → Providers in the window, or "
        "`parley ask --base-url URL`)."
    )


@pytest.fixture
async def resetting_port() -> AsyncIterator[int]:
    """A server that reads the request, then resets the connection (an RST, not a FIN)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)
        writer.get_extra_info("socket").setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
        )
        writer.transport.abort()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    yield listener.sockets[0].getsockname()[1]
    listener.close()
    await listener.wait_closed()


async def test_a_reset_connection_says_so(resetting_port: int) -> None:
    with pytest.raises(ProviderError) as caught:
        await fetch(f"http://127.0.0.1:{resetting_port}/")
    text = str(caught.value)
    assert text == (
        f"Test: The connection to 127.0.0.1:{resetting_port} failed: "
        "the other side reset the connection."
    )


async def test_https_to_a_plain_http_server_says_it_does_not_speak_tls(serve: Serve) -> None:
    url = await serve(echo_app())
    with pytest.raises(ProviderError) as caught:
        await fetch(url.replace("http://", "https://"))
    host = url.removeprefix("http://")
    assert str(caught.value) == (
        f"Test: The secure connection to {host} failed: "
        "the server there does not seem to speak TLS (an http:// address?)."
    )


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.ECONNREFUSED, "nothing is listening at that address"),
        (errno.ENETUNREACH, "the network is unreachable from here"),
        (errno.EHOSTUNREACH, "that host is unreachable from here"),
        (errno.ECONNRESET, "the other side reset the connection"),
        (errno.ETIMEDOUT, "the connection timed out"),
        (errno.EPIPE, "the other side closed the connection"),
        (errno.ENOBUFS, f"the connection failed ({os.strerror(errno.ENOBUFS)})"),
    ],
)
def test_os_errors_in_our_words(code: int, reason: str) -> None:
    """The conditions a loopback test cannot cause on every machine, as aiohttp raises them."""
    error = aiohttp.ClientOSError(code, f"Connect call failed ('10.0.0.1', 80) [{code}]")
    translated = translate_error(error, "http://10.0.0.1/v1", Timeouts(), "Test")
    assert str(translated) == f"Test: The connection to 10.0.0.1 failed: {reason}."


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            aiohttp.ClientConnectionResetError("Cannot write to closing transport"),
            "The connection to h failed: the connection closed while the request was being sent.",
        ),
        (
            aiohttp.InvalidURL("http://h:x/"),
            "http://h:x/ is not a valid address; check the provider's base URL.",
        ),
        (aiohttp.ClientError("ClientError('x')"), "Network error talking to h."),
    ],
)
def test_other_aiohttp_errors_in_our_words(error: aiohttp.ClientError, message: str) -> None:
    assert str(translate_error(error, "http://h/", Timeouts(), None)) == message


async def test_connect_timeout(full_backlog_port: int) -> None:
    timeouts = Timeouts(connect=0.3, idle=5)
    with pytest.raises(ConnectTimeoutError) as caught:
        await fetch(f"http://127.0.0.1:{full_backlog_port}/", timeouts=timeouts)
    assert f"Could not connect to 127.0.0.1:{full_backlog_port} within 0.3 s" in str(caught.value)


def echo_app() -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=f"hello {request.path} via {request.headers.get('Via', '-')}")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    return app


def forward_proxy(seen: list[str]) -> web.Application:
    """A plain-HTTP forward proxy: it takes absolute-form requests and forwards them."""

    async def handler(request: web.Request) -> web.Response:
        if not request.raw_path.startswith("http://"):
            return web.Response(status=400, text="absolute-form request target required")
        seen.append(request.raw_path)
        async with (
            aiohttp.ClientSession() as session,
            session.get(request.raw_path, headers={"Via": "1.1 test-proxy"}) as upstream,
        ):
            return web.Response(status=upstream.status, body=await upstream.read())

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    return app


async def test_http_proxy_is_honoured(serve: Serve) -> None:
    target = await serve(echo_app())
    seen: list[str] = []
    proxy = await serve(forward_proxy(seen))
    assert await fetch(f"{target}/x?y=1", proxy=proxy) == "hello /x via 1.1 test-proxy"
    assert seen == [f"{target}/x?y=1"]


async def test_a_closed_http_proxy_is_a_proxy_error(serve: Serve, closed_port: int) -> None:
    target = await serve(echo_app())
    with pytest.raises(ProxyError) as caught:
        await fetch(target, proxy=f"http://127.0.0.1:{closed_port}")
    text = str(caught.value)
    assert text.startswith(
        f"Test: Could not connect to the proxy 127.0.0.1:{closed_port}: "
        "nothing is listening at that address."
    )
    assert_our_words(text)


class Socks5Server:
    """A minimal SOCKS5 server (RFC 1928: no authentication, CONNECT only)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []
        self.tasks: set[asyncio.Task[None]] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        try:
            version, count = await reader.readexactly(2)
            methods = await reader.readexactly(count)
            if version != 5 or 0 not in methods:
                writer.write(b"\x05\xff")
                return
            writer.write(b"\x05\x00")
            host, port = await self.read_request(reader)
            self.seen.append((host, port))
            try:
                up_reader, up_writer = await asyncio.open_connection(host, port)
            except ConnectionRefusedError:
                writer.write(b"\x05\x05\x00\x01" + bytes(6))  # 5: connection refused
                return
            writer.write(b"\x05\x00\x00\x01" + bytes(6))
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        finally:
            writer.close()

    @staticmethod
    async def read_request(reader: asyncio.StreamReader) -> tuple[str, int]:
        version, command, _, kind = await reader.readexactly(4)
        assert (version, command) == (5, 1), "only CONNECT is supported"
        if kind == 1:
            host = socket.inet_ntoa(await reader.readexactly(4))
        else:
            assert kind == 3, "IPv4 or a name"
            host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
        return host, int.from_bytes(await reader.readexactly(2), "big")


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


@pytest.fixture
async def mute_socks5() -> AsyncIterator[str]:
    """A SOCKS5 proxy that accepts the greeting, reads the request, then hangs up."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readexactly(3)
        writer.write(b"\x05\x00")
        await reader.read(100)
        writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    yield f"socks5://127.0.0.1:{listener.sockets[0].getsockname()[1]}"
    listener.close()
    await listener.wait_closed()


async def test_a_socks_proxy_that_hangs_up_mid_answer(mute_socks5: str) -> None:
    """Regression: python-socks let asyncio's "0 bytes read on a total of 3 expected bytes"
    through, untranslated."""
    with pytest.raises(ProviderError) as caught:
        await fetch("http://127.0.0.1:9/", proxy=mute_socks5)
    assert str(caught.value) == (
        "Test: The connection to 127.0.0.1:9 (or to its proxy) closed in the middle of an answer."
    )


@pytest.fixture
async def socks5() -> AsyncIterator[tuple[str, Socks5Server]]:
    server = Socks5Server()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    yield f"socks5://127.0.0.1:{port}", server
    listener.close()
    if server.tasks:  # each ends once the client and the target have closed their ends
        _, pending = await asyncio.wait(server.tasks, timeout=5)
        assert not pending, "a SOCKS connection was left open"
    await listener.wait_closed()


async def test_socks5_proxy_works(serve: Serve, socks5: tuple[str, Socks5Server]) -> None:
    proxy, server = socks5
    target = await serve(echo_app())
    assert await fetch(f"{target}/through-socks", proxy=proxy) == "hello /through-socks via -"
    port = int(target.rsplit(":", 1)[1])
    assert server.seen == [("127.0.0.1", port)]


async def test_a_closed_socks_proxy_is_a_proxy_error(serve: Serve, closed_port: int) -> None:
    target = await serve(echo_app())
    with pytest.raises(ProxyError) as caught:
        await fetch(target, proxy=f"socks5://127.0.0.1:{closed_port}")
    text = str(caught.value)
    assert text.startswith(
        "Test: Could not connect to the SOCKS proxy: nothing is listening at that address."
    )
    assert_our_words(text)


async def test_a_socks_proxy_that_cannot_reach_the_site_says_why(
    socks5: tuple[str, Socks5Server], closed_port: int
) -> None:
    proxy, server = socks5
    with pytest.raises(ProxyError) as caught:
        await fetch(f"http://127.0.0.1:{closed_port}/", proxy=proxy)
    text = str(caught.value)
    assert text.startswith(
        f"Test: The SOCKS proxy could not connect to 127.0.0.1:{closed_port}: "
        "nothing is listening at that address."
    )
    assert server.seen == [("127.0.0.1", closed_port)]


async def test_socks_without_aiohttp_socks_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "aiohttp_socks", None)
    with pytest.raises(ProxyError) as caught:
        async with open_http("Test", proxy="socks5://127.0.0.1:1080"):
            pass
    assert str(caught.value) == (
        "SOCKS proxies need the aiohttp-socks package. "
        "Install it into Parley's environment with `pip install 'parley-desktop[socks]'`,"
        " or use an http:// proxy."
    )


async def test_unsupported_proxy_scheme_is_a_proxy_error() -> None:
    with pytest.raises(ProxyError) as caught:
        async with open_http("Test", proxy="ftp://127.0.0.1:21"):
            pass
    assert "Unsupported proxy" in str(caught.value)
    assert "socks5://" in str(caught.value)


async def test_the_app_session_is_used_when_given(serve: Serve) -> None:
    target = await serve(echo_app())
    async with aiohttp.ClientSession() as session, open_http("Test", session=session) as http:
        assert http.session is session
        async with http.request("GET", target) as response:
            assert response.status == 200


def test_browser_headers_derive_origin_and_referer_from_url() -> None:
    headers = browser_headers("https://chatgptt.me/wp-admin/admin-ajax.php?x=1")
    assert headers["origin"] == "https://chatgptt.me"
    assert headers["referer"] == "https://chatgptt.me/"
    assert headers["accept"] == "*/*"
    assert "Mozilla/5.0" in headers["user-agent"]
    navigation = browser_headers("http://127.0.0.1:8080/chat", navigation=True)
    assert "origin" not in navigation
    assert navigation["referer"] == "http://127.0.0.1:8080/"
    assert navigation["accept"].startswith("text/html")


def test_retry_after_dates_in_any_zone_and_in_the_past() -> None:
    soon = datetime.now(UTC) + timedelta(seconds=30)
    unsaid = format_datetime(soon.replace(tzinfo=None))  # "-0000": a date whose zone is unsaid
    assert unsaid.endswith("-0000")
    paris = format_datetime(soon.astimezone(timezone(timedelta(hours=1))))
    for value in (unsaid, paris):
        seconds = retry_after_seconds(value)
        assert seconds is not None
        assert 28 <= seconds <= 31
    gone = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    assert retry_after_seconds(gone) == 0.0
    assert retry_after_seconds(" 12 ") == 12.0
    assert retry_after_seconds("1.2.3") is None
    assert retry_after_seconds("") is None


def test_challenge_markers_are_looked_for_in_the_first_20000_characters() -> None:
    marker = "cf_chl_opt"
    within = " " * (20_000 - len(marker)) + marker
    assert is_cloudflare_page(503, within)
    assert is_cloudflare_page(429, within)
    assert not is_cloudflare_page(503, " " + within)  # its last letter is the 20,001st
    assert not is_cloudflare_page(500, within)


async def test_a_429_challenge_page_is_blocked_not_rate_limited(serve: Serve) -> None:
    error = await error_for(serve, replying(429, CLOUDFLARE_PAGE))
    assert isinstance(error, BlockedError)
    assert str(error).startswith(
        "Test: The site answered with an anti-bot (Cloudflare) page, HTTP 429."
    )


@pytest.mark.parametrize(
    ("status", "body", "headers", "kind", "text"),
    [
        (
            403,
            CLOUDFLARE_PAGE,
            None,
            BlockedError,
            "Seed: The site answered with an anti-bot (Cloudflare) page, HTTP 403. The site "
            "blocks automated clients from this address; try again later, use a proxy, or "
            "pick another provider.",
        ),
        (
            407,
            "<h1>Proxy Authentication Required</h1>",
            None,
            ProxyError,
            "Seed: The proxy wants a user name and password (HTTP 407). Give them in the proxy "
            "URL, http://user:password@host:port (in Settings the password goes to "
            "the keyring).",
        ),
        (
            429,
            "slow down",
            None,
            RateLimitError,
            "Seed: Rate limited by the service (HTTP 429): slow down. "
            "Wait and try again in a minute, or pick another provider.",
        ),
        (
            401,
            '{"detail": "bad key"}',
            None,
            AuthenticationError,
            'Seed: The service rejected the credentials (HTTP 401): {"detail": "bad key"}. '
            "Replace the key, token or cookies in Settings → Providers in the window "
            "(or with `parley keys set`).",
        ),
        (
            401,
            "",
            None,
            AuthenticationError,
            "Seed: The service rejected the credentials (HTTP 401). Replace the key, token or "
            "cookies in Settings → Providers in the window (or with `parley keys set`).",
        ),
        (
            500,
            "<p>boom</p>",
            None,
            ResponseStatusError,
            "Seed: The service answered HTTP 500: boom. The site has a problem on its side; "
            "try again later, or pick another provider.",
        ),
    ],
    ids=["cloudflare", "proxy-login", "rate-limit", "credentials", "credentials-no-body", "5xx"],
)
def test_status_error_names_the_provider_and_says_what_to_do(
    status: int, body: str, headers: Any, kind: type[ProviderError], text: str
) -> None:
    """Seed providers call ``status_error`` themselves, outside ``Http.request``."""
    error = status_error(status, body, headers, "Seed")
    assert type(error) is kind
    assert error.provider == "Seed"
    assert str(error) == text


async def test_check_response_reads_an_error_page_in_its_charset(serve: Serve) -> None:
    async def handler(request: web.Request) -> web.Response:
        body = "Café fermé".encode("latin-1")
        return web.Response(
            status=503, body=body, headers={"Content-Type": "text/plain; charset=iso-8859-1"}
        )

    app = web.Application()
    app.router.add_get("/", handler)
    url = await serve(app)
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        with pytest.raises(ResponseStatusError) as caught:
            await check_response(response, "Seed")
    assert caught.value.provider == "Seed"
    assert caught.value.excerpt == "Café fermé"
    assert str(caught.value).startswith("Seed: The service answered HTTP 503: Café fermé. ")


async def test_a_reply_over_the_limit_says_what_the_limit_is(serve: Serve) -> None:
    url = await serve(replying(200, "z" * (2 << 20)))
    with pytest.raises(MalformedResponseError) as caught:
        async with open_http("Test") as http, http.request("GET", url) as response:
            await read_text(response, limit=1 << 20)
    assert str(caught.value) == (
        "Test: The service sent a reply larger than 1 MiB, which no answer needs, so Parley "
        "stopped reading it. The service may have changed its protocol; try another provider."
    )


def redirecting() -> web.Application:
    async def moved(request: web.Request) -> web.Response:
        return web.Response(status=301, headers={"Location": "/new"})

    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": "http://[broken"})

    async def new(request: web.Request) -> web.Response:
        return web.Response(text="new")

    app = web.Application()
    app.router.add_get("/moved", moved)
    app.router.add_get("/broken", broken)
    app.router.add_get("/new", new)
    return app


REDIRECT_HINT = (
    "If the site has moved there, set that address as the provider's base URL "
    "(Settings → Providers in the window, or `parley ask --base-url URL`)."
)


async def test_a_refused_redirect_says_where_to_and_what_to_do(serve: Serve) -> None:
    url = await serve(redirecting())
    with pytest.raises(ProviderNotWorkingError) as caught:
        await fetch(f"{url}/moved", headers={"Authorization": "Bearer k"})
    assert str(caught.value) == (
        f"Test: The site redirected this request to {url}/new (HTTP 301); Parley does not "
        f"send its credentials on to another address. {REDIRECT_HINT}"
    )
    with pytest.raises(ProviderNotWorkingError) as caught:
        await fetch(f"{url}/broken", cookies={"session": "secret"})
    assert str(caught.value) == (
        "Test: The site redirected this request to http://[broken (HTTP 302); Parley does not "
        f"send its credentials on to another address. {REDIRECT_HINT}"
    )


@pytest.mark.parametrize(
    "header", ["Authorization", "Cookie", "X-Api-Key", "api-key", "X-CSRFToken", "X-Goog-Api-Key"]
)
async def test_every_credential_header_stops_a_redirect(serve: Serve, header: str) -> None:
    url = await serve(redirecting())
    with pytest.raises(ProviderNotWorkingError, match="redirected this request"):
        await fetch(f"{url}/moved", headers={header: "secret"})
    assert await fetch(f"{url}/moved", headers={header: "secret"}, allow_redirects=True) == "new"
    assert await fetch(f"{url}/moved", headers={"Accept": "*/*"}) == "new"


class Socks4Server:
    """A minimal SOCKS4 and SOCKS4a server (CONNECT only, no identd check)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []
        self.tasks: set[asyncio.Task[None]] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        try:
            _, command, port, address = struct.unpack("!BBH4s", await reader.readexactly(8))
            assert command == 1, "only CONNECT is supported"
            await reader.readuntil(b"\0")  # the user id
            if address[:3] == bytes(3) and address[3]:  # SOCKS4a: the host name follows
                host = (await reader.readuntil(b"\0"))[:-1].decode()
            else:
                host = socket.inet_ntoa(address)
            self.seen.append((host, port))
            up_reader, up_writer = await asyncio.open_connection(host, port)
            writer.write(b"\0\x5a" + bytes(6))
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        finally:
            writer.close()


@pytest.fixture
async def socks4() -> AsyncIterator[tuple[str, Socks4Server]]:
    server = Socks4Server()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    yield f"socks4://127.0.0.1:{port}", server
    listener.close()
    if server.tasks:
        _, pending = await asyncio.wait(server.tasks, timeout=5)
        assert not pending, "a SOCKS connection was left open"
    await listener.wait_closed()


@pytest.mark.parametrize("kind", ["socks5", "socks4"])
async def test_a_socks_proxy_is_given_the_site_name_to_look_up(
    serve: Serve,
    socks5: tuple[str, Socks5Server],
    socks4: tuple[str, Socks4Server],
    kind: str,
) -> None:
    """The proxy resolves the name (SOCKS5 names, SOCKS4a): no DNS query leaves from here."""
    proxy, server = socks5 if kind == "socks5" else socks4
    port = int((await serve(echo_app())).rsplit(":", 1)[1])
    assert await fetch(f"http://localhost:{port}/named", proxy=proxy) == "hello /named via -"
    assert server.seen == [("localhost", port)]


@pytest.mark.parametrize(("kind", "scheme"), [("socks5", "socks5h"), ("socks4", "socks4a")])
async def test_the_schemes_that_ask_the_proxy_to_look_up_names_work(
    serve: Serve,
    socks5: tuple[str, Socks5Server],
    socks4: tuple[str, Socks4Server],
    kind: str,
    scheme: str,
) -> None:
    proxy, server = socks5 if kind == "socks5" else socks4
    port = int((await serve(echo_app())).rsplit(":", 1)[1])
    named = proxy.replace(f"{kind}://", f"{scheme}://")
    assert await fetch(f"http://localhost:{port}/named", proxy=named) == "hello /named via -"
    assert server.seen == [("localhost", port)]


async def test_a_socks_url_aiohttp_socks_cannot_read_is_a_proxy_error() -> None:
    with pytest.raises(ProxyError, match="cannot be used"):
        async with open_http("Test", proxy="socks5://127.0.0.1:notaport"):
            pass
