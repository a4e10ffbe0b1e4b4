"""Network failures in our words: SOCKS answers and TLS handshakes, from loopback servers, and
the errors aiohttp-socks and python-socks raise, chained as those packages chain them."""

from __future__ import annotations

import asyncio
import errno
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import aiohttp_socks
import pytest
import python_socks
from aiohttp import web
from python_socks._errors import IncompleteReadError
from python_socks._protocols.errors import ReplyError

from providers.errors import ProviderError, ProxyError
from providers.http import Timeouts, open_http
from providers.neterrors import translate_error

Script = Callable[[str, list[bytes]], Awaitable[str]]
"""``proxy_url = await scripted(scheme, answers)``: a proxy that answers each read in turn."""

HINT = "Check the proxy URL in Settings → Providers or `--proxy`."


@pytest.fixture
async def scripted() -> AsyncIterator[Script]:
    """SOCKS proxies that answer the client's reads with the bytes given, one answer a read,
    then wait for the client to hang up (no answer left: a proxy that never answers)."""
    listeners: list[asyncio.Server] = []
    tasks: set[asyncio.Task[None]] = set()

    async def start(scheme: str, answers: list[bytes]) -> str:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            tasks.add(task)
            try:
                for answer in answers:
                    if not await reader.read(1024):
                        return
                    writer.write(answer)
                    await writer.drain()
                while await reader.read(1024):
                    pass
            except ConnectionError:
                pass
            finally:
                writer.close()

        listener = await asyncio.start_server(handle, "127.0.0.1", 0)
        listeners.append(listener)
        return f"{scheme}://127.0.0.1:{listener.sockets[0].getsockname()[1]}"

    yield start
    for listener in listeners:
        listener.close()
    if tasks:
        _, pending = await asyncio.wait(tasks, timeout=5)
        assert not pending, "a proxy connection was left open"
    for listener in listeners:
        await listener.wait_closed()


async def fetch_through(proxy: str, timeouts: Timeouts | None = None) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        async with (
            open_http("Test", proxy=proxy, timeouts=timeouts) as http,
            http.request("GET", "http://127.0.0.1:9/"),
        ):
            pass
    return caught.value


SOCKS5_ACCEPTS = b"\x05\x00"  # version 5, no authentication


@pytest.mark.parametrize(
    ("scheme", "answers", "reason"),
    [
        (
            "socks5",
            [b"\x05\xff"],
            "it refused the request (No acceptable authentication methods were offered)",
        ),
        (
            "socks5",
            [SOCKS5_ACCEPTS, b"\x05\x02\x00\x01" + bytes(6)],
            "the proxy's rules do not allow that connection",
        ),
        (
            "socks5",
            [SOCKS5_ACCEPTS, b"\x05\x04\x00\x01" + bytes(6)],
            "that host is unreachable from the proxy",
        ),
        ("socks4", [b"\x00\x5b" + bytes(6)], "it refused the request (Request rejected or failed)"),
    ],
    ids=["no-login-method", "ruleset", "host-unreachable", "socks4-rejected"],
)
async def test_a_socks_proxy_that_refuses_says_why(
    scripted: Script, scheme: str, answers: list[bytes], reason: str
) -> None:
    error = await fetch_through(await scripted(scheme, answers))
    assert isinstance(error, ProxyError)
    assert str(error) == f"Test: The SOCKS proxy could not connect to 127.0.0.1:9: {reason}. {HINT}"


async def test_a_socks_proxy_that_never_answers_times_out(scripted: Script) -> None:
    error = await fetch_through(await scripted("socks5", []), Timeouts(connect=0.3, idle=5))
    assert isinstance(error, ProxyError)
    assert str(error) == f"Test: The SOCKS proxy did not answer in time. {HINT}"


def from_aiohttp_socks(reply: Exception) -> BaseException:
    """What aiohttp-socks raises for a proxy's answer: its ProxyError, from python-socks'
    ProxyError, from ``reply`` (python-socks' ReplyError, or its IncompleteReadError)."""
    try:
        try:
            try:
                raise reply
            except (ReplyError, IncompleteReadError) as error:
                code = getattr(error, "error_code", None)
                raise python_socks.ProxyError(error, error_code=code) from error
        except python_socks.ProxyError as error:
            raise aiohttp_socks.ProxyError(str(error), error_code=error.error_code) from error
    except aiohttp_socks.ProxyError as error:
        return error


def connection_error_without_cause() -> BaseException:
    return aiohttp_socks.ProxyConnectionError("Could not connect to proxy 127.0.0.1:1080")


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            from_aiohttp_socks(IncompleteReadError("Connection closed unexpectedly")),
            "The SOCKS proxy could not connect to h:1: it closed the connection in the middle "
            "of its answer.",
        ),
        (
            from_aiohttp_socks(ReplyError("Refused by policy BOX.")),
            "The SOCKS proxy could not connect to h:1: it refused the request (Refused by "
            "policy BOX).",
        ),
        (
            from_aiohttp_socks(ReplyError("")),
            "The SOCKS proxy could not connect to h:1: it refused the request.",
        ),
        (
            from_aiohttp_socks(ReplyError("General SOCKS server failure", error_code=1)),
            "The SOCKS proxy could not connect to h:1: the proxy failed (a general SOCKS "
            "server failure).",
        ),
        (
            connection_error_without_cause(),
            "Could not connect to the SOCKS proxy: the connection failed.",
        ),
        (
            python_socks.ProxyConnectionError(errno.ECONNREFUSED, "Could not connect to proxy"),
            "Could not connect to the SOCKS proxy: nothing is listening at that address.",
        ),
        (
            python_socks.ProxyTimeoutError("Proxy connection timed out: 15"),
            "The SOCKS proxy did not answer in time.",
        ),
        (ReplyError("Malformed connect reply"), "Could not use the SOCKS proxy to reach h:1."),
    ],
    ids=[
        "cut-answer",
        "reply-words",
        "reply-without-words",
        "socks5-code",
        "no-cause",
        "python-socks-refused",
        "python-socks-timeout",
        "python-socks-reply",
    ],
)
def test_socks_errors_in_our_words(error: BaseException, message: str) -> None:
    translated = translate_error(error, "http://h:1/v1", Timeouts(), "Test")
    assert isinstance(translated, ProxyError)
    assert str(translated) == f"Test: {message} {HINT}"


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


async def fetch_failure(url: str) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        async with open_http("Test") as http, http.request("GET", url):
            pass
    return caught.value


async def test_a_certificate_that_does_not_verify_says_why(self_signed: ssl.SSLContext) -> None:
    app = web.Application()
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=self_signed).start()
        host = f"127.0.0.1:{runner.addresses[0][1]}"
        error = await fetch_failure(f"https://{host}/")
    finally:
        await runner.cleanup()
    cause = error.__cause__
    assert isinstance(cause, aiohttp.ClientConnectorCertificateError)
    refusal = cause.certificate_error
    assert isinstance(refusal, ssl.SSLCertVerificationError)
    verify = refusal.verify_message  # OpenSSL's words: "self-signed certificate"
    assert "self" in verify
    assert str(error) == (
        f"Test: The secure connection to {host} failed: its certificate could not be verified "
        f"({verify}; CERTIFICATE_VERIFY_FAILED)."
    )


@pytest.fixture
async def refusing_tls() -> AsyncIterator[str]:
    """A server that answers the TLS greeting with a fatal handshake_failure alert."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.read(4096)  # the ClientHello
            writer.write(b"\x15\x03\x03\x00\x02\x02\x28")  # alert: fatal, handshake_failure
            await writer.drain()
            await reader.read(4096)
        except ConnectionError:
            pass
        finally:
            writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    yield f"127.0.0.1:{listener.sockets[0].getsockname()[1]}"
    listener.close()
    await listener.wait_closed()


async def test_a_refused_handshake_gives_openssls_reason(refusing_tls: str) -> None:
    error = await fetch_failure(f"https://{refusing_tls}/")
    assert str(error) == (
        f"Test: The secure connection to {refusing_tls} failed: "
        "the handshake failed (SSLV3_ALERT_HANDSHAKE_FAILURE)."
    )
    real = error.__cause__
    assert isinstance(real, aiohttp.ClientConnectorSSLError)
    no_reason = aiohttp.ClientConnectorSSLError(real.args[0], ssl.SSLError(1, "handshake"))
    assert str(translate_error(no_reason, f"https://{refusing_tls}/", Timeouts(), None)) == (
        f"The secure connection to {refusing_tls} failed: the handshake failed."
    )
