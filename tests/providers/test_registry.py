"""The registry: providers by name, from classes and from ``parley.providers`` entry points."""

from __future__ import annotations

from collections.abc import AsyncIterator
from importlib.metadata import EntryPoint
from typing import Any

import pytest

from providers import AsyncGeneratorProvider, ProviderError, ProviderRegistry, get_provider
from providers.contract import Context, Request
from providers.registry import (
    ENTRY_POINT_GROUP,
    ProviderLoadError,
    UnknownProviderError,
)
from providers.types import Chunk, Messages


class Echo(AsyncGeneratorProvider):
    url = "http://127.0.0.1:9"
    working = True

    @classmethod
    async def create_async_generator(  # type: ignore[override]
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        yield str(messages[-1]["content"])


class Other(Echo):
    pass


NOT_A_CLASS = "a string, not a provider"


def entry(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


def registry() -> ProviderRegistry:
    return ProviderRegistry(
        [Other],
        [
            entry("Echo", f"{__name__}:Echo"),
            entry("NotAClass", f"{__name__}:NOT_A_CLASS"),
            entry("Abstract", "providers.base:AsyncGeneratorProvider"),
            entry("Gone", "parley_no_such_package.module:Provider"),
        ],
    )


def test_names_are_listed_without_loading_anything() -> None:
    assert registry().names() == ["Abstract", "Echo", "Gone", "NotAClass", "Other"]


def test_entry_points_load_on_first_use() -> None:
    providers = registry()
    assert providers.get("Echo").cls is Echo  # type: ignore[attr-defined]
    assert providers.get("Echo") is providers.get("Echo")
    assert providers.get("Other").cls is Other  # type: ignore[attr-defined]


def test_lookup_is_case_insensitive() -> None:
    providers = registry()
    assert providers.get("echo").name == "Echo"
    assert providers.get("ECHO").name == "Echo"
    assert providers.get("other").name == "Other"


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(UnknownProviderError) as caught:
        registry().get("Nope")
    assert isinstance(caught.value, LookupError)
    assert str(caught.value) == (
        "No provider named 'Nope'. Known providers: Abstract, Echo, Gone, NotAClass, Other."
    )


def test_an_entry_point_that_is_not_a_provider_class_is_a_clear_error() -> None:
    with pytest.raises(ProviderLoadError) as caught:
        registry().get("NotAClass")
    assert isinstance(caught.value, ProviderError)
    assert "'NotAClass'" in str(caught.value)
    assert f"{__name__}:NOT_A_CLASS" in str(caught.value)
    assert "is not a Parley provider class" in str(caught.value)


def test_an_abstract_provider_class_is_refused() -> None:
    with pytest.raises(ProviderLoadError, match="is an abstract provider class"):
        registry().get("Abstract")


def test_an_entry_point_that_cannot_be_imported_says_which_one() -> None:
    with pytest.raises(ProviderLoadError) as caught:
        registry().get("Gone")
    text = str(caught.value)
    assert "The provider 'Gone' could not be loaded" in text
    assert "parley_no_such_package" in text
    assert "uninstall" in text


def test_available_keeps_the_good_and_reports_the_broken() -> None:
    loaded, broken = registry().available()
    assert [provider.cls for provider in loaded] == [Echo, Other]  # type: ignore[attr-defined]
    assert sorted(broken) == ["Abstract", "Gone", "NotAClass"]


async def test_a_class_added_by_hand_is_driven_through_the_contract() -> None:
    provider = ProviderRegistry([Echo]).get("echo")
    request = Request("m", ({"role": "user", "content": "hi"},))
    assert [chunk async for chunk in provider.stream(request, Context())] == ["hi"]


def test_get_provider_gives_a_class_of_the_older_conventions_itself() -> None:
    from providers import VoiGpt

    assert get_provider("VoiGpt") is VoiGpt


def test_installed_entry_points_name_the_four_seeds() -> None:
    names = ProviderRegistry.from_entry_points().names()
    assert {"VoiGpt", "ChatGpt", "ChatGptt", "Aichat"} <= set(names)


def test_get_provider_unknown_name() -> None:
    with pytest.raises(UnknownProviderError, match="VoiGpt"):
        get_provider("NoSuchProvider")
