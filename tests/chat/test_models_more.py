"""The model cache on disk, byte by byte and second by second, and what the list says."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chat.models import MAX_AGE, ModelCache, ModelList, default_cache_path, model_list
from providers.contract import Context
from providers.presets import OPENAI_COMPATIBLE
from tests.emulators.openai import OpenAIEmulator

BUILT_IN = OPENAI_COMPATIBLE.with_base_url("http://127.0.0.1:9/v1")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def emulator() -> AsyncIterator[OpenAIEmulator]:
    async with OpenAIEmulator("keyless") as emulator:
        yield emulator


def test_the_cache_is_in_the_users_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PARLEY_HOME")
    cache_home = Path(os.environ["XDG_CACHE_HOME"])
    assert default_cache_path() == cache_home / "parley" / "models.json"
    assert ModelCache().path == cache_home / "parley" / "models.json"
    assert ModelCache(tmp_path / "mine.json").path == tmp_path / "mine.json"
    monkeypatch.setenv("XDG_CACHE_HOME", "")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_path() == tmp_path / "home" / ".cache" / "parley" / "models.json"


async def test_a_list_is_written_as_readable_json_in_new_folders(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "models.json"
    clock = Clock()
    cache = ModelCache(path, clock=clock)
    await cache.put(BUILT_IN, ["modèle-é", "b"])
    text = path.read_text(encoding="utf-8")
    assert "modèle-é" in text
    assert json.loads(text) == {
        "OpenAICompatible": {
            "url": "http://127.0.0.1:9/v1",
            "models": ["modèle-é", "b"],
            "fetched": 1_000_000.0,
        }
    }
    assert sorted(p.name for p in path.parent.iterdir()) == ["models.json"]
    assert await cache.get(BUILT_IN) == ["modèle-é", "b"]


async def test_a_second_list_replaces_the_first_and_keeps_the_other_providers(
    tmp_path: Path,
) -> None:
    path = tmp_path / "models.json"
    cache = ModelCache(path)
    other = dataclasses.replace(BUILT_IN, name="Other", url="http://127.0.0.1:10/v1")
    await cache.put(BUILT_IN, ["a"])
    await cache.put(other, ["x"])
    await cache.put(BUILT_IN, ["b"])
    assert (await cache.get(BUILT_IN), await cache.get(other)) == (["b"], ["x"])
    assert sorted(json.loads(path.read_text(encoding="utf-8"))) == ["OpenAICompatible", "Other"]


async def test_a_cache_that_cannot_be_written_costs_only_a_request(
    emulator: OpenAIEmulator, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    cache = ModelCache(tmp_path / "a-file" / "models.json")
    provider = OPENAI_COMPATIBLE.with_base_url(emulator.base_url)
    assert await model_list(provider, Context(), cache) == ModelList(
        ["test-model", "other-model"], "service"
    )
    assert await cache.get(provider) is None
    await model_list(provider, Context(), cache)
    assert len(emulator.requests("GET", "/v1/models")) == 2


async def test_a_list_is_fresh_from_the_moment_it_is_fetched_until_a_day_has_passed(
    tmp_path: Path,
) -> None:
    clock = Clock()
    cache = ModelCache(tmp_path / "models.json", clock=clock)
    await cache.put(BUILT_IN, ["a"])
    assert await cache.get(BUILT_IN) == ["a"]
    clock.now += MAX_AGE - 1
    assert await cache.get(BUILT_IN) == ["a"]
    clock.now += 1
    assert await cache.get(BUILT_IN) is None
    assert await cache.get(BUILT_IN, fresh_only=False) == ["a"]


async def test_a_list_from_the_future_is_not_fresh(tmp_path: Path) -> None:
    clock = Clock()
    cache = ModelCache(tmp_path / "models.json", clock=clock)
    await cache.put(BUILT_IN, ["a"])
    clock.now -= 1  # the clock was put back
    assert await cache.get(BUILT_IN) is None
    assert await cache.get(BUILT_IN, fresh_only=False) == ["a"]


@pytest.mark.parametrize(
    ("entry", "stale"),
    [
        ({"url": "http://127.0.0.1:9/v1", "models": "abc", "fetched": 1_000_000.0}, None),
        ({"url": "http://127.0.0.1:9/v1", "models": ["a", 2], "fetched": 1_000_000.0}, None),
        ({"url": "http://127.0.0.1:9/v1", "models": ["a"], "fetched": "today"}, ["a"]),
        ({"url": "http://127.0.0.1:9/v1", "models": ["a"]}, ["a"]),
        ({"models": ["a"], "fetched": 1_000_000.0}, None),
    ],
)
async def test_a_damaged_entry_is_never_fresh(
    tmp_path: Path, entry: dict[str, object], stale: list[str] | None
) -> None:
    path = tmp_path / "models.json"
    path.write_text(json.dumps({"OpenAICompatible": entry}), encoding="utf-8")
    cache = ModelCache(path, clock=Clock())
    assert await cache.get(BUILT_IN) is None
    assert await cache.get(BUILT_IN, fresh_only=False) == stale


async def test_a_fresh_cached_list_is_used_without_asking_the_service(
    emulator: OpenAIEmulator, tmp_path: Path
) -> None:
    cache = ModelCache(tmp_path / "models.json")
    provider = OPENAI_COMPATIBLE.with_base_url(emulator.base_url)
    await cache.put(provider, ["kept"])
    assert await model_list(provider, Context(), cache) == ModelList(["kept"], "cache")
    assert emulator.requests("GET", "/v1/models") == []
    assert await model_list(provider, Context(), cache, refresh=True) == ModelList(
        ["test-model", "other-model"], "service"
    )
    assert await cache.get(provider) == ["test-model", "other-model"]


async def test_a_failed_fetch_says_why_beside_the_built_in_list(tmp_path: Path) -> None:
    listed = await model_list(BUILT_IN, Context(), ModelCache(tmp_path / "models.json"))
    assert listed.source == "built-in"
    assert listed.models == BUILT_IN.get_models()
    assert listed.problem.startswith("The model list could not be fetched: OpenAICompatible: ")


async def test_an_empty_old_list_gives_way_to_the_built_in_one(
    emulator: OpenAIEmulator, tmp_path: Path
) -> None:
    clock = Clock()
    cache = ModelCache(tmp_path / "models.json", clock=clock)
    provider = OPENAI_COMPATIBLE.with_base_url(emulator.base_url)
    await cache.put(provider, [])
    clock.now += MAX_AGE
    emulator.quirks.discard("keyless")  # from now on it wants a key
    listed = await model_list(provider, Context(), cache)
    assert (listed.models, listed.source) == (provider.get_models(), "built-in")
    assert listed.problem == (
        "The model list could not be fetched: OpenAICompatible: The API key was rejected (HTTP "
        "401): You didn't provide an API key. You need to provide your API key in an "
        "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). Check the "
        "key for OpenAI-compatible in Settings → Providers (or `parley keys set`)."
    )


async def test_a_model_list_that_times_out_says_so_without_the_replys_advice(
    tmp_path: Path,
) -> None:
    from providers.http import Timeouts

    async with OpenAIEmulator("keyless", "models_hang") as server:
        provider = OPENAI_COMPATIBLE.with_base_url(server.base_url)
        context = Context(timeouts=Timeouts(connect=2.0, idle=0.2))
        listed = await model_list(provider, context, ModelCache(tmp_path / "models.json"))
    assert listed.source == "built-in"
    assert listed.problem == (
        f"The model list could not be fetched: OpenAICompatible: {server.url.split('//')[1]} "
        "sent nothing for 0.2 s."
    )


async def test_a_context_given_as_its_maker_is_made_only_when_the_service_is_asked(
    emulator: OpenAIEmulator, tmp_path: Path
) -> None:
    cache = ModelCache(tmp_path / "models.json")
    provider = OPENAI_COMPATIBLE.with_base_url(emulator.base_url)
    made: list[Context] = []

    async def context() -> Context:  # the app's reads the keyring
        made.append(Context())
        return made[-1]

    assert await model_list(provider, context, cache) == ModelList(
        ["test-model", "other-model"], "service"
    )
    assert await model_list(provider, context, cache) == ModelList(
        ["test-model", "other-model"], "cache"
    )
    assert len(made) == 1
    await model_list(provider, context, cache, refresh=True)
    assert len(made) == 2
    assert len(emulator.requests("GET", "/v1/models")) == 2
