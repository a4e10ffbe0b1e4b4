"""The keyring through ``parley`` processes, as a person uses it: a key stored, replaced and
removed; each run a new process that finds what the last one stored; a key kept for one site
never sent to another; a proxy password stored, used, and refused on the command line."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.chat.streaming_server import StreamServer, install_plugin
from tests.chat.test_cli import parley
from tests.chat.test_proxy_password import auth_proxy
from tests.emulators.openai import OpenAIEmulator
from tests.support.loopback import serve_on_loopback
from tests.support.secret_service import secret_service  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.keyring, pytest.mark.usefixtures("secret_service")]


def lookup(username: str) -> str:
    """What ``secret-tool`` (another program on the Secret Service) finds under ``username``."""
    command = ["secret-tool", "lookup", "service", "parley", "username", username]
    return subprocess.run(command, capture_output=True, text=True, check=False).stdout


def sent_keys(server: OpenAIEmulator) -> list[str | None]:
    return [s.headers.get("Authorization") for s in server.requests("POST", "/v1/chat/completions")]


async def test_a_key_stored_replaced_and_removed_is_what_each_new_run_sends() -> None:
    server = OpenAIEmulator()
    async with server:
        site = ("--base-url", server.base_url)
        ask = ("ask", "-p", "OpenAI", *site, "--model", "test-model", "hi")
        name = f"OpenAI/api_key@{server.url}"
        server.key = "sk-first"
        code, out, err = await parley("keys", "set", "OpenAI", "api_key", *site, stdin=b"sk-first")
        assert (code, out, err) == (0, "", "parley: stored api_key for OpenAI in the keyring.\n")
        assert await asyncio.to_thread(lookup, name) == "sk-first"
        assert await parley(*ask) == (0, "Hello from the emulator.", "")

        server.key = "sk-second"  # the service rotated it: the stored one is refused
        code, out, err = await parley(*ask)
        assert (code, out) == (1, "")
        assert "The API key was rejected (HTTP 401)" in err
        code, _, err = await parley("keys", "set", "OpenAI", "api_key", *site, stdin=b"sk-second")
        assert code == 0, err
        assert await asyncio.to_thread(lookup, name) == "sk-second"
        assert await parley(*ask) == (0, "Hello from the emulator.", "")
        assert sent_keys(server) == ["Bearer sk-first", "Bearer sk-first", "Bearer sk-second"]

        code, out, err = await parley("keys", "remove", "OpenAI", "api_key", *site)
        assert (code, out, err) == (0, "", "parley: forgot api_key for OpenAI.\n")
        assert await asyncio.to_thread(lookup, name) == ""
        code, out, _ = await parley("keys", "list")
        assert "OpenAI" not in out
        code, out, err = await parley(*ask)
        assert (code, out) == (1, "")
        assert f"No API key is stored for {server.url}" in err
        assert len(sent_keys(server)) == 3  # refused before anything was sent


async def test_a_key_stored_for_one_site_is_never_sent_to_another() -> None:
    a, b = OpenAIEmulator(), OpenAIEmulator()
    async with a, b:
        b.key = a.key  # B would take the key: it must still never see it
        stored = ("keys", "set", "OpenAI", "api_key", "--base-url", a.base_url)
        code, _, err = await parley(*stored, stdin=a.key.encode())
        assert code == 0, err
        code, out, err = await parley(
            "ask", "-p", "OpenAI", "--base-url", b.base_url, "--model", "test-model", "hi"
        )
        assert (code, out) == (1, "")
        assert err == (
            f"parley: OpenAI: No API key is stored for {b.url}, and a key stored for another "
            "site is never sent here. Add the key for OpenAI at this base URL in Settings → "
            f"Providers (or `parley keys set OpenAI api_key --base-url {b.base_url}`).\n"
        )
        assert b.seen == []
        # A server on this machine is asked without a key first: B gets the request, bare.
        code, out, err = await parley(
            "ask", "-p", "LlamaCpp", "--base-url", b.base_url, "--model", "test-model", "hi"
        )
        assert (code, out) == (1, "")
        assert "401" in err
        assert sent_keys(b) == [None]
        # At its own site, the key goes.
        code, out, err = await parley(
            "ask", "-p", "OpenAI", "--base-url", a.base_url, "--model", "test-model", "hi"
        )
        assert (code, out, err) == (0, "Hello from the emulator.", "")
        assert sent_keys(a) == [f"Bearer {a.key}"]


@pytest.fixture
async def proxy() -> AsyncIterator[tuple[str, list[str]]]:
    """A forward proxy on loopback that wants ``alice``'s password; the paths it forwarded."""
    seen: list[str] = []
    runner, url = await serve_on_loopback(auth_proxy("alice", PASSWORD, seen))
    yield url.replace("http://", "http://alice@"), seen
    await runner.cleanup()


PASSWORD = "pr0xy-pw-7f3a"


async def test_a_proxy_password_is_stored_with_keys_and_refused_on_the_command_line(
    proxy: tuple[str, list[str]], tmp_path: Path
) -> None:
    proxy_url, forwarded = proxy
    plugin = install_plugin(tmp_path, {"LoopbackChat": "tests.chat.streaming_server:LoopbackChat"})
    chat = await StreamServer().start()
    try:
        ask = ("ask", "-p", "LoopbackChat", "--base-url", chat.url, "--no-save", "hi")
        with_password = proxy_url.replace("alice@", f"alice:{PASSWORD}@")
        code, out, err = await parley(*ask, "--proxy", with_password, plugin=plugin)
        assert (code, out) == (2, "")
        assert err == (
            "parley: a proxy's password is a secret, so Parley never takes it from the command "
            "line (other users and your shell's history could read it). Store it once with "
            f"`parley keys set LoopbackChat proxy_password --proxy {proxy_url}` (it reads the "
            f"password from stdin or asks for it hidden), then run this again with --proxy "
            f"{proxy_url}.\n"
        )
        assert forwarded == []

        keys = ("keys", "set", "LoopbackChat", "proxy_password", "--proxy", proxy_url)
        code, _, err = await parley(*keys, plugin=plugin, stdin=PASSWORD.encode())
        assert code == 0, err
        assert PASSWORD not in err
        name = f"proxy/password@{proxy_url}"
        assert await asyncio.to_thread(lookup, name) == PASSWORD
        code, out, _ = await parley("keys", "list", plugin=plugin)
        assert out.split() == ["proxy", "password", proxy_url]
        code, out, err = await parley(*ask, "--proxy", proxy_url, plugin=plugin)
        assert (code, out, err) == (0, "Hello there, friend.", "")
        assert forwarded == [f"{chat.url}/chat"]

        code, _, err = await parley("keys", "remove", *keys[2:], plugin=plugin)
        assert code == 0, err
        assert await asyncio.to_thread(lookup, name) == ""
        code, out, err = await parley(*ask, "--proxy", proxy_url, plugin=plugin)
        assert code == 1
        assert "407" in err
    finally:
        await chat.close()


@pytest.mark.parametrize(
    ("proxy", "said"),
    [
        (None, "LoopbackChat has no proxy saved: say which proxy the password is for"),
        ("http://127.0.0.1:3128", "names no user, so it takes no password"),
        ("http://alice:pw@127.0.0.1:3128", "The proxy URL holds a password: give it without"),
    ],
)
async def test_keys_set_proxy_password_wants_a_proxy_that_names_its_user(
    proxy: str | None, said: str, tmp_path: Path
) -> None:
    plugin = install_plugin(tmp_path, {"LoopbackChat": "tests.chat.streaming_server:LoopbackChat"})
    where = ("--proxy", proxy) if proxy else ()
    code, out, err = await parley(
        "keys", "set", "LoopbackChat", "proxy_password", *where, plugin=plugin, stdin=b"pw"
    )
    assert (code, out) == (2, "")
    assert said in err
    assert ":pw@" not in err
