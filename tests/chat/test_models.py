"""Model lists: the service's, cached on disk for a day, the built-in one when it fails."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chat import paths
from chat.cli import EXIT_FAILED, EXIT_OK, main
from chat.models import MAX_AGE, ModelCache, model_list
from providers.contract import Context, Credentials
from providers.presets import OPENAI, OPENAI_COMPATIBLE
from tests.emulators.openai import OpenAIEmulator


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def emulator() -> AsyncIterator[OpenAIEmulator]:
    async with OpenAIEmulator("keyless") as emulator:
        yield emulator


async def test_the_services_list_is_fetched_then_cached_for_a_day(
    emulator: OpenAIEmulator, tmp_path: Path
) -> None:
    clock = Clock()
    cache = ModelCache(tmp_path / "models.json", clock=clock)
    provider = OPENAI_COMPATIBLE.with_base_url(emulator.base_url)
    first = await model_list(provider, Context(), cache)
    assert (first.models, first.source, first.problem) == (
        ["test-model", "other-model"],
        "service",
        "",
    )
    emulator.models = ("new-model",)
    assert (await model_list(provider, Context(), cache)).source == "cache"
    clock.now += MAX_AGE + 1
    assert (await model_list(provider, Context(), cache)).models == ["new-model"]
    assert len(emulator.requests("GET", "/v1/models")) == 2


async def test_refresh_asks_the_service_again(emulator: OpenAIEmulator, tmp_path: Path) -> None:
    cache = ModelCache(tmp_path / "models.json")
    provider = OPENAI_COMPATIBLE.with_base_url(emulator.base_url)
    await model_list(provider, Context(), cache)
    emulator.models = ("fresh",)
    assert (await model_list(provider, Context(), cache, refresh=True)).models == ["fresh"]


async def test_a_list_cached_for_another_base_url_is_not_used(
    emulator: OpenAIEmulator, tmp_path: Path
) -> None:
    cache = ModelCache(tmp_path / "models.json")
    await cache.put(OPENAI_COMPATIBLE.with_base_url("http://127.0.0.1:1/v1"), ["elsewhere"])
    provider = OPENAI_COMPATIBLE.with_base_url(emulator.base_url)
    assert (await model_list(provider, Context(), cache)).models == ["test-model", "other-model"]


async def test_a_failed_fetch_gives_the_built_in_list_and_says_why(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path / "models.json")
    listed = await model_list(OPENAI, Context(), cache)
    assert listed.models == list(OPENAI.models)
    assert listed.source == "built-in"
    assert listed.problem.startswith("The model list could not be fetched: OpenAI: An API key")


async def test_a_failed_fetch_prefers_the_last_list_fetched(
    emulator: OpenAIEmulator, tmp_path: Path
) -> None:
    clock = Clock()
    cache = ModelCache(tmp_path / "models.json", clock=clock)
    provider = OPENAI.with_base_url(emulator.base_url)
    key = Context(credentials=Credentials(api_key="test-key"))
    await model_list(provider, key, cache)
    clock.now += MAX_AGE + 1
    emulator.quirks.discard("keyless")  # from now on the server wants the key
    listed = await model_list(provider, Context(credentials=Credentials(api_key="wrong")), cache)
    assert (listed.models, listed.source) == (["test-model", "other-model"], "cache")
    assert "rejected" in listed.problem


@pytest.mark.parametrize("damage", ["{", "[]", '{"OpenAI": 3}', '{"OpenAI": {"models": [1]}}'])
async def test_a_damaged_cache_is_ignored(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "models.json"
    path.write_text(damage)
    assert await ModelCache(path).get(OPENAI) is None


async def test_parley_models_prints_one_per_line(
    emulator: OpenAIEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["models", "-p", "OpenAICompatible", "--base-url", emulator.base_url]
    code = await asyncio.to_thread(main, argv)
    out, err = capsys.readouterr()
    assert (code, out, err) == (EXIT_OK, "test-model\nother-model\n", "")
    cache = json.loads((paths.cache_dir() / "models.json").read_text())
    assert cache["OpenAICompatible"]["models"] == ["test-model", "other-model"]


async def test_parley_models_without_a_key_shows_the_built_in_list_and_why(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    code = await asyncio.to_thread(main, ["models", "-p", "OpenAI"])
    out, err = capsys.readouterr()
    assert code == EXIT_OK
    assert out.splitlines() == list(OPENAI.models)
    assert "An API key is needed" in err
    assert err.rstrip().endswith("Showing the built-in list.")


async def test_parley_models_of_a_server_that_is_down_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["models", "-p", "OpenAICompatible", "--base-url", "http://127.0.0.1:9/v1"]
    code = await asyncio.to_thread(main, argv)
    out, err = capsys.readouterr()
    assert (code, out) == (EXIT_FAILED, "")
    assert "Showing no list." in err
