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
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from providers.errors import (
    AuthenticationError,
    BlockedError,
    ConnectTimeoutError,
    ProviderError,
    ProviderNotWorkingError,
    ProxyError,
    RateLimitError,
    ResponseStatusError,
)
from providers.http import (
    Timeouts,
    browser_headers,
    excerpt,
    open_http,
    retry_after_seconds,
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
    assert "Provider settings" in str(error)


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
        "set the provider's base URL (Provider settings in the window, or "
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
    text = str(caught.value)
    assert "The secure connection to 127.0.0.1:" in text
    assert "does not seem to speak TLS (an http:// address?)" in text
    assert_our_words(text)


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
    assert "aiohttp-socks" in str(caught.value)
    assert "pip install" in str(caught.value)


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
