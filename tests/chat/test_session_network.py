"""The session's network settings: the CA bundle its requests trust and its timeouts, each
changed between requests (as the window does when a setting changes) without a new session."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chat.conversation import Conversation, Message, MessageState
from chat.discovery import probe_tls
from chat.network import follow
from chat.secrets import MemorySecretStore
from chat.session import ChatSession
from chat.settings import Settings
from providers.contract import Provider
from providers.http import Timeouts, new_client_session
from providers.presets import OPENAI_COMPATIBLE
from tests.emulators.openai import OpenAIEmulator
from tests.support.certs import MadeCa, make_test_ca

REPLY = "Hello from the emulator."


@pytest.fixture
def test_ca(tmp_path: Path) -> MadeCa:
    return make_test_ca(tmp_path)


@pytest.fixture
async def https(test_ca: MadeCa) -> AsyncIterator[OpenAIEmulator]:
    async with OpenAIEmulator("keyless", ssl_context=test_ca.server) as server:
        yield server


@pytest.fixture
async def session() -> AsyncIterator[ChatSession]:
    async with new_client_session() as http:
        yield ChatSession(MemorySecretStore(), http)


def at(server: OpenAIEmulator) -> Provider:
    return OPENAI_COMPATIBLE.with_base_url(server.base_url)


async def ask(session: ChatSession, provider: Provider) -> Message:
    conversation = Conversation()
    conversation.add("user", "hi")
    return await session.reply(conversation, provider, "test-model").run()


async def test_the_bundle_set_on_a_running_session_is_trusted_from_the_next_request(
    session: ChatSession, https: OpenAIEmulator, test_ca: MadeCa
) -> None:
    refused = await ask(session, at(https))
    assert refused.state is MessageState.FAILED
    assert refused.error is not None
    host = https.url.removeprefix("https://")
    assert refused.error.sentence.startswith(
        f"OpenAICompatible: The secure connection to {host} failed: its certificate could not "
        "be verified"
    )
    session.set_ca_bundle(str(test_ca.bundle))
    trusted = await ask(session, at(https))
    assert (trusted.state, trusted.content) == (MessageState.COMPLETE, REPLY)
    session.set_ca_bundle("")
    assert (await ask(session, at(https))).state is MessageState.FAILED


async def test_a_bundle_that_cannot_be_read_fails_the_reply_naming_the_setting(
    session: ChatSession, https: OpenAIEmulator, tmp_path: Path
) -> None:
    path = tmp_path / "missing.pem"
    session.set_ca_bundle(str(path))
    failed = await ask(session, at(https))
    assert failed.state is MessageState.FAILED
    assert failed.error is not None
    assert failed.error.kind == "ca_bundle"
    assert failed.error.sentence == (
        f"The CA bundle {path} set in Settings → Network could not be read: "
        "there is no such file. Fix the path or clear it (on the command line: `parley config "
        "set ca_bundle PATH` or `parley config unset ca_bundle`)."
    )
    assert not https.seen


async def test_the_context_is_made_once_and_again_when_the_file_changes(
    session: ChatSession, test_ca: MadeCa, tmp_path: Path
) -> None:
    assert await session.tls() is None  # no bundle: the system's authorities (aiohttp's)
    session.set_ca_bundle(str(test_ca.bundle))
    first = await session.tls()
    assert isinstance(first, ssl.SSLContext)
    assert await session.tls() is first
    (tmp_path / "other").mkdir()
    other = make_test_ca(tmp_path / "other")
    test_ca.bundle.write_bytes(test_ca.bundle.read_bytes() + other.bundle.read_bytes())
    again = await session.tls()
    assert again is not first
    assert again is not None
    assert len(again.get_ca_certs()) == len(first.get_ca_certs()) + 1


async def test_an_idle_timeout_lowered_on_a_running_session_ends_the_next_request() -> None:
    async with (
        OpenAIEmulator("keyless") as server,
        new_client_session() as http,
    ):
        session = ChatSession(MemorySecretStore(), http, timeouts=Timeouts(idle=30))
        assert (await ask(session, at(server))).content == REPLY
        server.quirks.add("hang")  # some text, then silence
        session.set_timeouts(Timeouts(connect=5, idle=0.2))
        stalled = await ask(session, at(server))
        await asyncio.wait_for(server.hung_up.wait(), 5)  # Parley hung up, the server saw it
    assert stalled.state is MessageState.FAILED
    assert stalled.error is not None
    assert stalled.error.kind == "timeout"
    host = server.url.removeprefix("http://")
    assert stalled.error.sentence.startswith(f"OpenAICompatible: {host} sent nothing for 0.2 s.")
    assert stalled.content  # the text before the silence is kept


def test_the_probes_trust_the_bundle_and_carry_on_without_one_that_cannot_be_read(
    test_ca: MadeCa, tmp_path: Path
) -> None:
    assert probe_tls("") is None
    assert probe_tls(str(tmp_path / "missing.pem")) is None  # the reply after says why
    context = probe_tls(str(test_ca.bundle))
    assert context is not None
    assert "Parley Test CA" in str(context.get_ca_certs()[-1]["subject"])


def test_a_following_session_takes_each_network_setting_as_it_changes(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "settings.json")
    settings.set("idle_timeout", 20)
    session = ChatSession(MemorySecretStore())
    told: list[str] = []
    unfollow = follow(session, settings, on_ca_bundle=lambda: told.append(session.ca_bundle))
    assert session.timeouts == Timeouts(connect=15, idle=20)
    settings.set("connect_timeout", 3)
    settings.set("idle_timeout", 0.5)
    assert session.timeouts == Timeouts(connect=3, idle=0.5)
    settings.set("ca_bundle", str(tmp_path / "extra.pem"))
    settings.set("ca_bundle", "")
    assert told == [str(tmp_path / "extra.pem"), ""]
    settings.set_provider("OpenAI", "proxy", "http://127.0.0.1:3128")  # not a network one
    unfollow()
    settings.set("idle_timeout", 9)
    assert session.timeouts.idle == 0.5
    assert told == [str(tmp_path / "extra.pem"), ""]
