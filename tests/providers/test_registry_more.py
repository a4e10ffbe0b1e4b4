"""The registry in full: forgetting, ordering, exact names first, values and aliases from entry
points, and why each broken one did not load."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from importlib.metadata import EntryPoint
from typing import Any

import pytest

from providers import AsyncGeneratorProvider, ProviderRegistry, get_provider
from providers.contract import Context, Provider, Request
from providers.ollama import OLLAMA
from providers.registry import ENTRY_POINT_GROUP, ProviderLoadError, UnknownProviderError
from providers.types import Chunk, Messages

LOAD_HINT = "Update or uninstall the package that registers it."
NOT_A_CLASS = "a string, not a provider"


class Echo(AsyncGeneratorProvider):
    url = "http://127.0.0.1:9"
    working = True

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        yield str(messages[-1]["content"])


class Other(Echo):
    pass


@dataclass(frozen=True, kw_only=True)
class Value(Provider):
    async def stream(self, request: Request, context: Context) -> AsyncIterator[Chunk]:
        yield self.url


def entry(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


def test_a_removed_provider_is_forgotten_loaded_or_not() -> None:
    providers = ProviderRegistry([Other], [entry("Echo", f"{__name__}:Echo"), entry("Gone", "x:Y")])
    assert providers.get("Echo").name == "Echo"
    for name in ("Echo", "Gone", "Other", "Never"):
        providers.remove(name)
    assert providers.names() == []
    with pytest.raises(UnknownProviderError):
        providers.get("Echo")


def test_names_are_in_alphabetical_order_whatever_their_case() -> None:
    providers = ProviderRegistry([Value(name=name, url="http://x") for name in ("beta", "Echo")])
    providers.add(Value(name="Alpha", url="http://x"))
    assert providers.names() == ["Alpha", "beta", "Echo"]
    assert [provider.name for provider in providers.all()] == ["Alpha", "beta", "Echo"]


def test_an_exact_name_wins_over_one_that_differs_in_case() -> None:
    values = [Value(name="echo", url="http://a"), Value(name="Echo", url="http://b")]
    assert ProviderRegistry(values).get("Echo").url == "http://b"
    assert ProviderRegistry(values).get("echo").url == "http://a"
    entries = [entry("ECHO", f"{__name__}:Other"), entry("Echo", f"{__name__}:Echo")]
    assert ProviderRegistry((), entries).get("Echo").cls is Echo  # type: ignore[attr-defined]
    assert ProviderRegistry((), entries).get("ECHO").cls is Other  # type: ignore[attr-defined]


def test_a_value_from_an_entry_point_takes_the_entry_points_name() -> None:
    providers = ProviderRegistry(
        (), [entry("Ollama", "providers.ollama:OLLAMA"), entry("Llama", "providers.ollama:OLLAMA")]
    )
    assert providers.get("Ollama") is OLLAMA
    assert providers.get("Llama") == dataclasses.replace(OLLAMA, name="Llama")


def test_a_class_from_an_entry_point_takes_the_entry_points_name() -> None:
    providers = ProviderRegistry((), [entry("EchoAlias", f"{__name__}:Echo")])
    provider = providers.get("echoalias")
    assert (provider.name, provider.cls) == ("EchoAlias", Echo)  # type: ignore[attr-defined]


def test_available_says_why_each_broken_one_did_not_load() -> None:
    providers = ProviderRegistry(
        [Other],
        [
            entry("NotAClass", f"{__name__}:NOT_A_CLASS"),
            entry("NotAProvider", "collections:OrderedDict"),
            entry("Abstract", "providers.base:AsyncGeneratorProvider"),
            entry("Gone", "parley_no_such_package.module:Provider"),
        ],
    )
    loaded, broken = providers.available()
    assert [provider.name for provider in loaded] == ["Other"]
    assert broken == {
        "Abstract": "ProviderLoadError: The entry point 'Abstract' = "
        f"'providers.base:AsyncGeneratorProvider' is an abstract provider class. {LOAD_HINT}",
        "Gone": "ProviderLoadError: The provider 'Gone' could not be loaded from "
        "'parley_no_such_package.module:Provider': "
        f"ModuleNotFoundError(\"No module named 'parley_no_such_package'\"). {LOAD_HINT}",
        "NotAClass": f"ProviderLoadError: The entry point 'NotAClass' = '{__name__}:NOT_A_CLASS' "
        f"is not a Parley provider class. {LOAD_HINT}",
        "NotAProvider": "ProviderLoadError: The entry point 'NotAProvider' = "
        f"'collections:OrderedDict' is not a Parley provider class. {LOAD_HINT}",
    }
    with pytest.raises(ProviderLoadError):
        providers.get("NotAProvider")


def test_the_installed_registry_takes_extra_providers_too() -> None:
    providers = ProviderRegistry.from_entry_points([Echo])
    assert providers.get("Echo").cls is Echo  # type: ignore[attr-defined]
    assert providers.get("Ollama") is OLLAMA


def test_get_provider_gives_a_provider_value_itself() -> None:
    assert get_provider("Ollama") is OLLAMA


def test_an_exact_entry_point_name_wins_after_a_case_variant_was_loaded() -> None:
    providers = ProviderRegistry(
        (), [entry("ECHO", f"{__name__}:Other"), entry("Echo", f"{__name__}:Echo")]
    )
    assert getattr(providers.get("ECHO"), "cls", None) is Other
    assert getattr(providers.get("Echo"), "cls", None) is Echo
    assert getattr(providers.get("echo"), "cls", None) in (Echo, Other)  # no exact name: either
