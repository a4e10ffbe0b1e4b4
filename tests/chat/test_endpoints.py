"""The user's own endpoints: kept in the settings file without secrets, in the provider list."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from chat import paths
from chat.cli import EXIT_OK, EXIT_USAGE, main
from chat.conversation import Conversation, MessageState
from chat.credentials import credential_name, header_secret_name
from chat.endpoints import Endpoint, add_to, endpoints, parse, save_endpoint
from chat.secrets import MemorySecretStore
from chat.session import ChatSession
from chat.settings import Settings, SettingsError
from providers.registry import ProviderRegistry
from tests.emulators.openai import OpenAIEmulator


def settings_file() -> Path:
    return paths.config_dir() / "settings.json"


async def parley(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


async def test_an_endpoint_added_on_the_command_line_is_kept_without_secrets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = await parley(
        "endpoints", "add", "My vLLM", "--base-url", "http://127.0.0.1:8000/v1/",
        "--header", "X-Team=blue", "--secret-header", "X-Gateway-Key",
    )  # fmt: skip
    _, err = capsys.readouterr()
    assert code == EXIT_OK
    assert "parley keys set 'My vLLM' header:X-Gateway-Key" in err
    saved = json.loads(settings_file().read_text())
    assert saved["endpoints"] == {
        "My vLLM": {
            "base_url": "http://127.0.0.1:8000/v1",
            "headers": {"X-Team": "blue"},
            "secret_headers": ["X-Gateway-Key"],
        }
    }
    assert await parley("endpoints", "list") == EXIT_OK
    out, _ = capsys.readouterr()
    assert out == "My vLLM\thttp://127.0.0.1:8000/v1  headers: X-Team, X-Gateway-Key (secret)\n"


async def test_an_endpoint_is_in_the_provider_list_and_streams_with_its_headers() -> None:
    async with OpenAIEmulator() as server:
        settings = Settings.load()
        endpoint = Endpoint("Work proxy", server.base_url, {"X-Team": "blue"}, ("X-Gateway-Key",))
        save_endpoint(settings, endpoint)
        registry = ProviderRegistry()
        assert add_to(registry, settings) == []
        provider = registry.get("work proxy")
        store = MemorySecretStore()
        await store.set(header_secret_name(provider, "X-Gateway-Key"), "g-secret")
        await store.set(credential_name(provider, "api_key"), server.key)
        conversation = Conversation()
        conversation.add("user", "hi")
        session = ChatSession(store)
        message = await session.reply(conversation, provider, "test-model").run()
    assert message.state is MessageState.COMPLETE
    headers = server.seen[-1].headers
    assert (headers["X-Team"], headers["X-Gateway-Key"]) == ("blue", "g-secret")
    assert headers["Authorization"] == f"Bearer {server.key}"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"base_url": "ftp://x"}, "is not an http:// or https:// URL"),
        ({}, "has no base_url"),
        ({"base_url": "http://h", "headers": {"Bad Name": "x"}}, "is not a header name"),
        ({"base_url": "http://h", "headers": {"Authorization": "x"}}, "set by Parley itself"),
        ({"base_url": "http://h", "headers": {"X-A": "a\r\nX-B: b"}}, "one line of text"),
        ({"base_url": "http://h", "headers": {"X-A": "1"}, "secret_headers": ["x-a"]}, "both"),
        ({"base_url": "http://h", "headers": []}, "must be an object"),
        ("http://h", "is not an object"),
    ],
)
def test_a_bad_endpoint_is_refused_with_a_sentence(raw: object, words: str) -> None:
    with pytest.raises(SettingsError, match=words):
        parse("E", raw)


@pytest.mark.parametrize("name", ["", "   ", "a/b", "x" * 61])
def test_a_bad_endpoint_name_is_refused(name: str) -> None:
    with pytest.raises(SettingsError):
        parse(name, {"base_url": "http://h"})


async def test_a_damaged_endpoint_is_left_out_and_said(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(
        json.dumps({"endpoints": {"Good": {"base_url": "http://h"}, "Bad": {"base_url": 3}}})
    )
    found, problems = endpoints(Settings.load(path))
    assert [e.name for e in found] == ["Good"]
    assert len(problems) == 1
    assert "Bad" in problems[0]


async def test_an_endpoint_cannot_take_a_providers_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = await parley("endpoints", "add", "openai", "--base-url", "http://127.0.0.1:1/v1")
    _, err = capsys.readouterr()
    assert code == EXIT_USAGE
    assert "already the name of a provider" in err


async def test_removing_an_endpoint_takes_it_out_of_the_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    await parley("endpoints", "add", "Mine", "--base-url", "http://127.0.0.1:1/v1")
    assert await parley("endpoints", "remove", "mine") == EXIT_OK
    assert "endpoints" not in json.loads(settings_file().read_text())
    assert await parley("endpoints", "remove", "mine") == EXIT_USAGE
    _, err = capsys.readouterr()
    assert "No endpoint named 'mine'" in err
