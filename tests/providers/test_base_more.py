"""A provider's names and its copies at another address, as the registry and the window see them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from providers import AsyncGeneratorProvider
from providers.types import Chunk, Messages


class Labelled(AsyncGeneratorProvider):
    url = "https://labelled.example/chat"
    api_endpoint = "https://labelled.example/api/chat"
    label = "Labelled Chat"

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        yield cls.url


def test_a_provider_with_a_label_is_shown_by_it() -> None:
    assert Labelled.get_label() == "Labelled Chat"
    assert Labelled.get_name() == "Labelled"


def test_a_moved_provider_keeps_its_names_and_its_module() -> None:
    moved = Labelled.with_base_url("http://127.0.0.1:8080/")
    assert (moved.__name__, moved.__qualname__, moved.__module__) == (
        "Labelled",
        "Labelled",
        __name__,
    )
    assert (moved.get_name(), moved.get_label()) == ("Labelled", "Labelled Chat")
    assert (moved.url, moved.api_endpoint) == (
        "http://127.0.0.1:8080",
        "http://127.0.0.1:8080/api/chat",
    )
    assert moved.origin() == "http://127.0.0.1:8080"


def test_a_provider_made_in_a_function_keeps_its_qualified_name_when_moved() -> None:
    class Local(Labelled):
        pass

    moved = Local.with_base_url("http://127.0.0.1:8080/")
    assert moved.__qualname__ == Local.__qualname__
    assert moved.__qualname__.endswith("<locals>.Local")
