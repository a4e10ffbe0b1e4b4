"""The loopback servers and emulators refuse what the real services refuse, with 4xx."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from providers.http import USER_AGENT
from tests.chat.streaming_server import StreamServer
from tests.emulators.aichat import AichatEmulator
from tests.emulators.voigpt import VoiGptEmulator
from tests.support.loopback import LoopbackServer


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers={"User-Agent": USER_AGENT}) as session:
        yield session


async def test_the_loopback_chat_server_answers_a_malformed_request_with_400(
    client: aiohttp.ClientSession,
) -> None:
    server = LoopbackServer()
    await server.start()
    try:
        url = f"{server.url}/v1/chat"
        async with client.post(url, data=b"{not json", headers=_JSON) as response:
            assert response.status == 400
        async with client.post(url, json={"model": "echo"}) as response:
            assert response.status == 400
        async with client.post(url, data=b'{"model": "echo"}') as response:
            assert response.status == 415  # no application/json
    finally:
        await server.stop()


async def test_the_stream_server_answers_a_malformed_request_with_400(
    client: aiohttp.ClientSession,
) -> None:
    server = await StreamServer().start()
    try:
        async with client.post(f"{server.url}/chat", data=b"[1", headers=_JSON) as response:
            assert response.status == 400
        async with client.post(f"{server.url}/chat", json=[1]) as response:
            assert response.status == 400
    finally:
        await server.close()


@pytest.mark.parametrize("emulator", [VoiGptEmulator, AichatEmulator])
async def test_a_json_post_with_another_content_type_is_refused(
    client: aiohttp.ClientSession, emulator: type[VoiGptEmulator | AichatEmulator]
) -> None:
    async with emulator() as site:
        path = "/generate_response/" if emulator is VoiGptEmulator else "/api/text"
        body = b'{"messages": [{"role": "user", "content": "hi"}]}'
        headers = {"Content-Type": "text/plain"}
        async with client.post(site.url + path, data=body, headers=headers) as response:
            assert response.status == 415
            assert "application/json" in (await response.json())["detail"]


async def test_voigpt_refuses_messages_without_role_or_content(
    client: aiohttp.ClientSession,
) -> None:
    async with VoiGptEmulator() as site:
        async with client.get(site.url + "/") as page:
            token = page.cookies["csrftoken"].value
        headers = {
            "X-CSRFToken": token,
            "Cookie": f"csrftoken={token}",
            "Origin": site.url,
            "Referer": f"{site.url}/",
        }
        for messages in (
            [{"content": "hi"}],
            [{"role": "user"}],
            [{"role": "robot", "content": "x"}],
            [],
        ):
            async with client.post(
                site.url + "/generate_response/", json={"messages": messages}, headers=headers
            ) as response:
                assert response.status == 400, messages


_JSON = {"Content-Type": "application/json"}
