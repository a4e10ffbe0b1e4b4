"""HTTPS against a loopback emulator whose certificate a test CA signed: refused without the
CA bundle, trusted with it, on every path a request takes (the app's session, a short-lived
one, an HTTP proxy, a SOCKS proxy); a bundle that cannot be used says so, naming the setting."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from providers.contract import Context, Credentials, Request
from providers.errors import CaBundleError, ErrorKind, ProviderError
from providers.http import Http, new_client_session, open_http
from providers.presets import OPENAI
from providers.tls import tls_context
from tests.emulators.openai import OpenAIEmulator
from tests.emulators.proxy import Tinyproxy
from tests.support.certs import MadeCa, make_test_ca

HI = ({"role": "user", "content": "hi"},)


@pytest.fixture
def test_ca(tmp_path: Path) -> MadeCa:
    return make_test_ca(tmp_path)


@pytest.fixture
async def emulator(test_ca: MadeCa) -> AsyncIterator[OpenAIEmulator]:
    async with OpenAIEmulator(ssl_context=test_ca.server) as emulator:
        yield emulator


def _context(emulator: OpenAIEmulator, **kwargs: object) -> Context:
    return Context(credentials=Credentials(api_key=emulator.key), **kwargs)  # type: ignore[arg-type]


async def _reply(emulator: OpenAIEmulator, context: Context) -> str:
    provider = OPENAI.with_base_url(emulator.base_url)
    request = Request("test-model", HI)
    return "".join([c async for c in provider.stream(request, context) if isinstance(c, str)])


def test_the_systems_authorities_stay_trusted_beside_the_bundle(test_ca: MadeCa) -> None:
    default = ssl.create_default_context()
    system = default.cert_store_stats()["x509_ca"]
    context = tls_context(str(test_ca.bundle))
    assert context.cert_store_stats()["x509_ca"] == system + 1
    trusted = context.get_ca_certs()
    assert all(authority in trusted for authority in default.get_ca_certs())
    assert "Parley Test CA" in str(context.get_ca_certs()[-1]["subject"])
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)
    assert tls_context().cert_store_stats() == ssl.create_default_context().cert_store_stats()


async def test_without_the_bundle_the_certificate_is_refused_in_our_words(
    emulator: OpenAIEmulator,
) -> None:
    host = emulator.url.removeprefix("https://")
    with pytest.raises(ProviderError) as caught:
        await _reply(emulator, _context(emulator))
    assert str(caught.value).startswith(
        f"OpenAI: The secure connection to {host} failed: its certificate could not be verified"
    )
    assert not emulator.seen


async def test_with_the_bundle_the_reply_and_the_model_list_come(
    emulator: OpenAIEmulator, test_ca: MadeCa
) -> None:
    context = _context(emulator, tls=tls_context(str(test_ca.bundle)))
    assert await _reply(emulator, context) == "Hello from the emulator."
    provider = OPENAI.with_base_url(emulator.base_url)
    assert await provider.list_models(context) == ["test-model", "other-model"]


async def test_the_apps_session_verifies_with_the_bundle_per_request(
    emulator: OpenAIEmulator, test_ca: MadeCa
) -> None:
    async with new_client_session() as session:
        with pytest.raises(ProviderError, match="certificate could not be verified"):
            await _reply(emulator, _context(emulator, http=session))
        trusted = _context(emulator, http=session, tls=tls_context(str(test_ca.bundle)))
        assert await _reply(emulator, trusted) == "Hello from the emulator."


async def test_verification_cannot_be_turned_off(emulator: OpenAIEmulator) -> None:
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    async with new_client_session() as session:
        with pytest.raises(ValueError, match="never turns TLS certificate verification off"):
            Http(session, tls=unverified)
        http = Http(session, provider="Test")
        with pytest.raises(ProviderError, match="certificate could not be verified"):
            async with http.request("GET", f"{emulator.base_url}/models", ssl=False):
                pass


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "there is no such file"),
        ("", "it is a folder, not a file"),
        ("just some words\n", "it holds no PEM certificate (BEGIN CERTIFICATE)"),
        (
            "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
            "its certificates could not be loaded",
        ),
    ],
)
def test_a_bundle_that_cannot_be_used_names_the_setting(
    tmp_path: Path, content: str | None, reason: str
) -> None:
    path = tmp_path / "bundle.pem"
    if content == "":
        path.mkdir()
    elif content is not None:
        path.write_text(content)
    with pytest.raises(CaBundleError) as caught:
        tls_context(str(path))
    error = caught.value
    assert error.kind is ErrorKind.CA_BUNDLE
    assert str(error).startswith(
        f"The CA bundle {path} set in Settings → Network could not be read: {reason}"
    )
    assert str(error).endswith(
        "Fix the path or clear it (on the command line: `parley config set ca_bundle PATH` "
        "or `parley config unset ca_bundle`)."
    )
    assert "Error" not in str(error)
    assert "errno" not in str(error).lower()


def test_an_unreadable_bundle_says_so(tmp_path: Path) -> None:
    path = tmp_path / "bundle.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n")
    path.chmod(0)
    try:
        if os_can_read(path):
            pytest.skip("this user reads any file (root)")
        with pytest.raises(CaBundleError, match="could not be read: Parley may not read it"):
            tls_context(str(path))
    finally:
        path.chmod(0o600)


def os_can_read(path: Path) -> bool:
    try:
        path.read_bytes()
    except PermissionError:
        return False
    return True


@pytest.fixture
def tinyproxy(tmp_path: Path) -> Iterator[Tinyproxy]:
    with Tinyproxy(tmp_path) as proxy:
        yield proxy


async def test_through_an_http_proxy_the_bundle_is_trusted(
    emulator: OpenAIEmulator, test_ca: MadeCa, tinyproxy: Tinyproxy
) -> None:
    with pytest.raises(ProviderError, match="certificate could not be verified"):
        await _reply(emulator, _context(emulator, proxy=tinyproxy.url))
    trusted = _context(emulator, proxy=tinyproxy.url, tls=tls_context(str(test_ca.bundle)))
    assert await _reply(emulator, trusted) == "Hello from the emulator."
    assert await tinyproxy.logged(f"CONNECT {emulator.url.removeprefix('https://')}")


@contextlib.asynccontextmanager
async def socks5_proxy() -> AsyncIterator[tuple[str, list[str]]]:
    """A SOCKS5 proxy on loopback (no authentication, CONNECT only); the addresses it was
    asked for are listed."""
    asked: list[str] = []
    pipes: set[asyncio.Task[None]] = set()
    writers: list[asyncio.StreamWriter] = []

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        _, methods = await reader.readexactly(2)
        await reader.readexactly(methods)
        writer.write(b"\x05\x00")
        _, _, _, kind = await reader.readexactly(4)
        if kind == 1:
            host = socket.inet_ntoa(await reader.readexactly(4))
        else:
            host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        asked.append(f"{host}:{port}")
        up_reader, up_writer = await asyncio.open_connection(host, port)
        writers.append(up_writer)
        writer.write(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack("!H", 0))
        await writer.drain()
        for task in (
            asyncio.create_task(pipe(reader, up_writer)),
            asyncio.create_task(pipe(up_reader, writer)),
        ):
            pipes.add(task)
            task.add_done_callback(pipes.discard)

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"socks5://127.0.0.1:{port}", asked
    finally:
        server.close()
        for task in list(pipes):
            task.cancel()
        await asyncio.gather(*pipes, return_exceptions=True)
        for writer in writers:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        await server.wait_closed()


async def test_through_a_socks_proxy_the_bundle_is_trusted(
    emulator: OpenAIEmulator, test_ca: MadeCa
) -> None:
    async with socks5_proxy() as (proxy, asked):
        with pytest.raises(ProviderError, match="certificate could not be verified"):
            await _reply(emulator, _context(emulator, proxy=proxy))
        trusted = _context(emulator, proxy=proxy, tls=tls_context(str(test_ca.bundle)))
        assert await _reply(emulator, trusted) == "Hello from the emulator."
    assert asked[-1] == emulator.url.removeprefix("https://")


async def test_open_http_without_a_session_uses_the_bundle(
    emulator: OpenAIEmulator, test_ca: MadeCa
) -> None:
    tls = tls_context(str(test_ca.bundle))
    headers = {"authorization": f"Bearer {emulator.key}"}
    async with (
        open_http("Test", tls=tls) as http,
        http.request("GET", f"{emulator.base_url}/models", headers=headers) as response,
    ):
        assert response.status == 200
