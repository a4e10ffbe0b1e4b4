"""A proxy's password lives in the keyring; the settings keep the URL without it."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from chat.conversation import Conversation, MessageState
from chat.credentials import proxy_secret_name
from chat.secrets import MemorySecretStore
from chat.session import ChatSession
from chat.settings import Settings, SettingsError, split_proxy_password
from providers.http import new_client_session
from tests.support.loopback import serve_on_loopback

from .streaming_server import LoopbackChat, StreamServer

PASSWORD = "s3cr:et/x@y"


def auth_proxy(user: str, password: str, seen: list[str]) -> web.Application:
    """A plain-HTTP forward proxy that demands Basic proxy authentication."""
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    async def handler(request: web.Request) -> web.Response:
        if request.headers.get("Proxy-Authorization") != expected:
            headers = {"Proxy-Authenticate": 'Basic realm="test"'}
            return web.Response(status=407, text="Proxy authentication required", headers=headers)
        seen.append(request.raw_path)
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                request.method, request.raw_path, data=await request.read(), headers=request.headers
            ) as upstream,
        ):
            return web.Response(status=upstream.status, body=await upstream.read())

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    return app


@pytest.fixture
async def servers() -> AsyncIterator[Callable[[web.Application], Awaitable[str]]]:
    runners: list[web.AppRunner] = []

    async def start(app: web.Application) -> str:
        runner, url = await serve_on_loopback(app)
        runners.append(runner)
        return url

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def chat_server() -> AsyncIterator[StreamServer]:
    server = await StreamServer().start()
    yield server
    await server.close()


def test_split_proxy_password() -> None:
    assert split_proxy_password("http://alice:pw%40x@127.0.0.1:3128") == (
        "http://alice@127.0.0.1:3128",
        "pw@x",
    )
    assert split_proxy_password("http://alice@h:1") == ("http://alice@h:1", None)
    assert split_proxy_password("socks5://h:1") == ("socks5://h:1", None)
    assert split_proxy_password("") == ("", None)


def test_a_password_never_goes_into_the_settings_file(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "s.json")
    with pytest.raises(SettingsError, match="goes to the keyring"):
        settings.set_provider("VoiGpt", "proxy", "http://alice:pw@127.0.0.1:3128")
    with pytest.raises(SettingsError, match="goes to the keyring"):
        settings.set("proxy", "http://alice:pw@127.0.0.1:3128")


async def test_the_stored_password_is_used_for_the_proxy(
    servers: Callable[[web.Application], Awaitable[str]], chat_server: StreamServer
) -> None:
    seen: list[str] = []
    proxy_url = await servers(auth_proxy("alice", PASSWORD, seen))
    proxy = proxy_url.replace("http://", "http://alice@")
    store = MemorySecretStore()
    async with new_client_session() as http:
        session = ChatSession(store, http)
        provider = LoopbackChat.with_base_url(chat_server.url)

        chat = Conversation()
        chat.add("user", "hi")
        failed = await session.reply(chat, provider, "m", proxy=proxy).run()
        assert failed.state is MessageState.FAILED
        assert "The proxy wants a user name and password (HTTP 407)" in str(failed.error)

        await store.set(proxy_secret_name(proxy), PASSWORD)
        chat.add("user", "again")
        message = await session.reply(chat, provider, "m", proxy=proxy).run()
    assert message.state is MessageState.COMPLETE, message.error
    assert message.content == "Hello there, friend."
    assert seen == [f"{chat_server.url}/chat"]
