"""Smoke: an async-generator provider is reachable through all three calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from providers import AsyncGeneratorProvider, FinishReason
from providers.types import Chunk, Messages


class Echo(AsyncGeneratorProvider):
    url = "http://127.0.0.1:9"

    @classmethod
    async def create_async_generator(  # type: ignore[override]
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        yield "a"
        yield "b"
        yield FinishReason("stop")


async def test_async_generator_and_create_async() -> None:
    chunks = [c async for c in Echo.create_async_generator("m", [])]
    assert chunks == ["a", "b", FinishReason("stop")]
    assert await Echo.create_async("m", []) == "ab"


async def test_create_completion_inside_running_loop_does_not_deadlock() -> None:
    assert list(Echo.create_completion("m", [], stream=True)) == ["a", "b"]


def test_create_completion_without_loop() -> None:
    assert list(Echo.create_completion("m", [], stream=True)) == ["a", "b"]
