"""All three seed providers, first page fetch included, go through a real proxy (tinyproxy)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import aiohttp
import pytest

from providers.errors import ProxyError
from providers.http import new_client_session
from providers.seeds.aichat import Aichat
from providers.seeds.chatgptt import ChatGptt
from providers.seeds.voigpt import VoiGpt
from tests.emulators.aichat import AichatEmulator
from tests.emulators.chatgptt import ChatGpttEmulator
from tests.emulators.common import Emulator, text_of
from tests.emulators.proxy import Tinyproxy, free_port
from tests.emulators.voigpt import VoiGptEmulator

HI = [{"role": "user", "content": "Hi"}]


@pytest.fixture(scope="session")
def tinyproxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tinyproxy]:
    with Tinyproxy(tmp_path_factory.mktemp("tinyproxy")) as proxy:
        yield proxy


@pytest.fixture(autouse=True)
def _no_proxy_for_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Environments often exempt loopback from proxies; an explicit proxy= must still win."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@asynccontextmanager
async def app_session(wanted: bool) -> AsyncIterator[aiohttp.ClientSession | None]:
    """The app's session, reading the environment (NO_PROXY) on purpose; or none."""
    if not wanted:
        yield None
        return
    async with new_client_session(trust_env=True) as session:
        yield session


async def assert_proxied(proxy: Tinyproxy, site: Emulator, *requests: str) -> None:
    """Each of ``requests`` ("GET /path") is in the proxy's log, and every request seen by
    the site came through the proxy (its ``Via`` header)."""
    for request in requests:
        method, _, path = request.partition(" ")
        assert await proxy.logged(f"): {method} {site.url}{path} HTTP/1.1"), request
    assert site.seen
    for seen in site.seen:
        assert "tinyproxy" in seen.headers.get("Via", ""), seen.path


@pytest.mark.parametrize("with_app_session", [False, True])
async def test_voigpt_goes_through_the_proxy(tinyproxy: Tinyproxy, with_app_session: bool) -> None:
    async with VoiGptEmulator() as site, app_session(with_app_session) as session:
        provider = VoiGpt.with_base_url(site.url)
        stream = provider.create_async_generator("", HI, proxy=tinyproxy.url, session=session)
        assert text_of([c async for c in stream]) == "[user] You said: Hi"
        await assert_proxied(tinyproxy, site, "GET /", "POST /generate_response/")


@pytest.mark.parametrize("with_app_session", [False, True])
async def test_chatgptt_goes_through_the_proxy(
    tinyproxy: Tinyproxy, with_app_session: bool
) -> None:
    async with ChatGpttEmulator() as site, app_session(with_app_session) as session:
        provider = ChatGptt.with_base_url(site.url)
        stream = provider.create_async_generator("", HI, proxy=tinyproxy.url, session=session)
        assert text_of([c async for c in stream]) == "Echo: Hi"
        await assert_proxied(tinyproxy, site, "GET ", "POST /wp-admin/admin-ajax.php")


@pytest.mark.parametrize("with_app_session", [False, True])
async def test_aichat_goes_through_the_proxy(tinyproxy: Tinyproxy, with_app_session: bool) -> None:
    async with AichatEmulator() as site, app_session(with_app_session) as session:
        provider = Aichat.with_base_url(site.url)
        text = await provider.create_async(
            "", HI, proxy=tinyproxy.url, session=session, cookies=site.cookies
        )
        assert text == "Echo: Hi (t=0.5, p=1)"
        await assert_proxied(tinyproxy, site, "POST /api/text")


async def test_a_dead_proxy_is_a_proxy_error() -> None:
    async with VoiGptEmulator() as site:
        provider = VoiGpt.with_base_url(site.url)
        dead = f"http://127.0.0.1:{free_port()}"
        with pytest.raises(ProxyError, match="Could not connect to the proxy"):
            await provider.create_async("", HI, proxy=dead)
        assert site.seen == []


async def test_no_proxy_does_not_bypass_an_explicit_proxy(tinyproxy: Tinyproxy) -> None:
    """aiohttp itself, with a session that reads the environment: proxy= still wins."""
    async with VoiGptEmulator() as site, aiohttp.ClientSession(trust_env=True) as session:
        headers = {"User-Agent": "Mozilla/5.0"}
        async with session.get(f"{site.url}/", proxy=tinyproxy.url, headers=headers) as response:
            assert response.status == 200
            assert "tinyproxy" in response.headers["Via"]
        await assert_proxied(tinyproxy, site, "GET /")
