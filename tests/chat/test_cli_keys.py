"""``parley keys`` stores a secret in the real keyring, and ``parley ask`` then uses it."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import pytest

from chat import paths

from .streaming_server import StreamServer, install_plugin
from .test_cli import parley
from .test_secrets import NO_SERVICE, _secret_service_problem, _skip_or_fail

pytestmark = pytest.mark.keyring


@pytest.fixture(autouse=True)
def _service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if (problem := _secret_service_problem()) is not None:
        _skip_or_fail(f"{NO_SERVICE} ({problem})")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def plugin(tmp_path: Path) -> Path:
    return install_plugin(tmp_path, {"LoopbackChat": "tests.chat.streaming_server:LoopbackChat"})


def lookup(username: str) -> str:
    command = ["secret-tool", "lookup", "service", "parley", "username", username]
    return subprocess.run(command, capture_output=True, text=True, check=False).stdout


async def test_keys_set_then_ask_uses_the_key(server: StreamServer, plugin: Path) -> None:
    name = f"LoopbackChat/api_key@{server.url}"
    args = ("keys", "set", "LoopbackChat", "api_key", "--base-url", server.url)
    code, out, err = await parley(*args, plugin=plugin, stdin=b"sk-from-stdin\n")
    assert (code, out) == (0, "")
    assert "stored api_key for LoopbackChat in the keyring" in err
    assert "sk-from-stdin" not in err
    assert await asyncio.to_thread(lookup, name) == "sk-from-stdin"

    code, out, err = await parley(
        "ask", "-p", "LoopbackChat", "--base-url", server.url, "hi", plugin=plugin
    )
    assert (code, out, err) == (0, "Hello there, friend.", "")
    assert server.requests[0]["headers"]["Authorization"] == "Bearer sk-from-stdin"
    # The provider handed back a rotated key: the keyring now holds it.
    assert await asyncio.to_thread(lookup, name) == "rotated-key"

    code, _, err = await parley(*args[:1], "delete", *args[2:], plugin=plugin)
    assert code == 0
    assert await asyncio.to_thread(lookup, name) == ""


async def test_keys_set_refuses_an_empty_secret(plugin: Path) -> None:
    code, _, err = await parley("keys", "set", "LoopbackChat", "api_key", plugin=plugin, stdin=b"")
    assert code == 2
    assert "No api_key given on stdin" in err


async def test_keys_go_to_the_base_url_saved_in_the_window(
    server: StreamServer, plugin: Path, tmp_path: Path
) -> None:
    settings = paths.config_dir() / "settings.json"
    settings.parent.mkdir(parents=True)
    saved = {"settings": {}, "providers": {"LoopbackChat": {"base_url": server.url}}}
    settings.write_text(json.dumps(saved), encoding="utf-8")
    name = f"LoopbackChat/api_key@{server.url}"
    args = ("keys", "set", "LoopbackChat", "api_key")
    code, _, err = await parley(*args, plugin=plugin, stdin=b"sk-for-the-mirror\n")
    assert code == 0, err
    assert await asyncio.to_thread(lookup, name) == "sk-for-the-mirror"
    code, out, err = await parley("ask", "-p", "LoopbackChat", "hi", plugin=plugin)
    assert (code, out, err) == (0, "Hello there, friend.", "")
    assert server.requests[0]["headers"]["Authorization"] == "Bearer sk-for-the-mirror"
    code, _, err = await parley("keys", "delete", "LoopbackChat", "api_key", plugin=plugin)
    assert code == 0, err
    assert await asyncio.to_thread(lookup, name) == ""


async def test_an_endpoints_key_and_secret_header_go_to_the_keyring_and_out_with_it(
    tmp_path: Path,
) -> None:
    from tests.emulators.openai import OpenAIEmulator

    async with OpenAIEmulator() as server:
        url = server.base_url
        origin = server.url
        code, _, err = await parley(
            "endpoints", "add", "Team", "--base-url", url, "--secret-header", "X-Gateway-Key"
        )
        assert code == 0, err
        code, _, err = await parley("keys", "set", "Team", "api_key", stdin=b"test-key\n")
        assert code == 0, err
        args = ("keys", "set", "Team", "header:X-Gateway-Key")
        code, _, err = await parley(*args, stdin=b"g-secret\n")
        assert code == 0, err
        assert await asyncio.to_thread(lookup, f"Team/header:x-gateway-key@{origin}") == "g-secret"
        settings = (paths.config_dir() / "settings.json").read_text()
        assert "g-secret" not in settings
        assert "test-key" not in settings
        code, out, err = await parley("ask", "-p", "Team", "--model", "test-model", "hi")
        assert (code, out, err) == (0, "Hello from the emulator.", "")
        assert server.seen[-1].headers["X-Gateway-Key"] == "g-secret"
        code, _, err = await parley("endpoints", "remove", "Team")
        assert code == 0, err
        assert await asyncio.to_thread(lookup, f"Team/api_key@{origin}") == ""
        assert await asyncio.to_thread(lookup, f"Team/header:x-gateway-key@{origin}") == ""


async def test_keys_refuses_a_kind_that_is_not_one(plugin: Path) -> None:
    code, _, err = await parley("keys", "delete", "LoopbackChat", "my key", plugin=plugin)
    assert code == 2
    assert "is not a kind of secret" in err


async def test_a_local_servers_optional_key_is_read_only_when_the_server_asks_for_it() -> None:
    from tests.emulators.openai import OpenAIEmulator

    async with OpenAIEmulator() as server:
        ask = (
            "ask",
            "-p",
            "LlamaCpp",
            "--base-url",
            server.base_url,
            "--model",
            "test-model",
            "hi",
        )
        code, out, err = await parley(*ask)
        assert (code, out) == (1, "")
        assert err.startswith("parley: ")
        assert "401" in err
        assert len(server.seen) == 1  # the keyring held no key: nothing was asked again

        keys = ("keys", "set", "LlamaCpp", "api_key", "--base-url", server.base_url)
        code, _, err = await parley(*keys, stdin=b"test-key\n")
        assert code == 0, err
        code, out, err = await parley(*ask)
        assert (code, out, err) == (0, "Hello from the emulator.", "")
        sent = [s.headers.get("Authorization") for s in server.seen[1:]]
        assert sent == [None, "Bearer test-key"]  # refused without it, then with the stored key
        code, _, err = await parley("keys", "delete", *keys[2:])
        assert code == 0, err


async def test_auto_reads_the_keys_of_the_providers_it_tries(tmp_path: Path) -> None:
    from tests.emulators.openai import OpenAIEmulator

    async with OpenAIEmulator() as server:
        code, _, err = await parley("endpoints", "add", "Team", "--base-url", server.base_url)
        assert code == 0, err
        settings = paths.config_dir() / "settings.json"
        saved = json.loads(settings.read_text(encoding="utf-8"))
        saved["settings"].update(auto_providers="Team")
        saved["providers"] = {"Team": {"model": "test-model"}}
        settings.write_text(json.dumps(saved), encoding="utf-8")
        code, _, err = await parley("keys", "set", "Team", "api_key", stdin=b"test-key\n")
        assert code == 0, err
        code, out, err = await parley("ask", "-p", "auto", "hi")
        assert (code, out) == (0, "Hello from the emulator."), err
        assert "answered by Team" in err
        assert [s.headers.get("Authorization") for s in server.seen] == ["Bearer test-key"]
        code, _, err = await parley("endpoints", "remove", "Team")
        assert code == 0, err
