"""The contract: one request and one context in, typed chunks out; providers are values."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from providers import AsyncGeneratorProvider
from providers.contract import Context, Credentials, Options, Provider, Request
from providers.errors import ErrorKind, InvalidBaseUrlError, UnsupportedOptionError
from providers.http import Timeouts
from providers.legacy import ClassProvider, as_provider
from providers.types import Chunk, CredentialKind, Messages


@dataclass(frozen=True, kw_only=True)
class Echo(Provider):
    async def stream(self, request: Request, context: Context) -> AsyncIterator[Chunk]:
        yield str(request.turns[-1]["content"])


def test_options_keep_only_what_was_set() -> None:
    assert Options().given() == {}
    assert Options.of({"temperature": 0.2, "max_tokens": 5}).given() == {
        "temperature": 0.2,
        "max_tokens": 5,
    }
    with pytest.raises(TypeError):
        Options.of({"proxy": "http://x"})


def test_a_request_splits_its_system_prompt_from_the_turns() -> None:
    request = Request(
        "m",
        (
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "hi"},
        ),
    )
    assert request.system == "Be brief."
    assert request.turns == ({"role": "user", "content": "hi"},)
    assert Request("m", ({"role": "user", "content": "x"},)).system == ""


def test_a_base_url_makes_a_new_value_not_a_new_class() -> None:
    home = Echo(name="Echo", url="https://api.example.com/v1")
    moved = home.with_base_url(" http://127.0.0.1:8000/v1/ ")
    assert type(moved) is Echo
    assert (moved.url, moved.home_url) == ("http://127.0.0.1:8000/v1", home.url)
    assert home.at_home()
    assert not moved.at_home()
    assert moved.origin() == "http://127.0.0.1:8000"
    assert moved.with_base_url(home.url).at_home()


@pytest.mark.parametrize("bad", ["ftp://x", "no scheme", "http://", "http://" + "a" * 64])
def test_a_base_url_that_is_not_http_is_refused(bad: str) -> None:
    with pytest.raises(InvalidBaseUrlError) as caught:
        Echo(name="Echo", url="http://x").with_base_url(bad)
    assert caught.value.kind is ErrorKind.INVALID_URL


def test_options_a_provider_cannot_send_are_refused_with_a_sentence() -> None:
    provider = Echo(name="Echo", url="http://x", supported_options=frozenset({"temperature"}))
    provider.check_options(Options(temperature=0.5))
    with pytest.raises(UnsupportedOptionError) as caught:
        provider.check_options(Options(seed=1, top_p=0.5))
    assert str(caught.value) == (
        "Echo: Echo does not support the options seed, top_p, so nothing was sent. "
        "Remove them; it takes temperature."
    )
    assert caught.value.kind is ErrorKind.UNSUPPORTED_OPTION


def test_get_model_gives_the_default_and_maps_aliases() -> None:
    provider = Echo(name="E", url="http://x", default_model="d", model_aliases={"a": "b"})
    assert [provider.get_model(m) for m in ("", "a", "other")] == ["d", "b", "other"]


class Recorder(AsyncGeneratorProvider):
    """A class of the older conventions that yields what it was called with."""

    url = "http://127.0.0.1:9"
    working = True
    credential_kinds: ClassVar[tuple[CredentialKind, ...]] = ("api_key", "cookies")

    @classmethod
    async def create_async_generator(  # type: ignore[override]
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        yield repr((cls.url, model, list(messages), proxy, sorted(kwargs.items())))


async def test_a_class_of_the_older_conventions_gets_the_request_as_its_keywords() -> None:
    provider = as_provider(Recorder).with_base_url("http://127.0.0.1:10")
    assert isinstance(provider, ClassProvider)
    timeouts = Timeouts(1, 2)
    tls = ssl.create_default_context()
    context = Context(
        credentials=Credentials(api_key="k", cookies={"a": "1"}),
        timeouts=timeouts,
        proxy="http://127.0.0.1:3128",
        tls=tls,
    )
    request = Request(
        "m", ({"role": "user", "content": "hi", "signature": "s"},), Options(temperature=0.1)
    )
    chunks = [chunk async for chunk in provider.stream(request, context)]
    assert chunks == [
        repr(
            (
                "http://127.0.0.1:10",
                "m",
                [{"role": "user", "content": "hi"}],
                "http://127.0.0.1:3128",
                sorted(
                    {
                        "api_key": "k",
                        "cookies": {"a": "1"},
                        "session": None,
                        "temperature": 0.1,
                        "timeouts": timeouts,
                        "tls": tls,
                    }.items()
                ),
            )
        )
    ]


def test_the_class_at_a_base_url_is_built_once() -> None:
    provider = as_provider(Recorder).with_base_url("http://127.0.0.1:11")
    assert isinstance(provider, ClassProvider)
    assert provider.target is provider.target
    assert provider.target.url == "http://127.0.0.1:11"
    assert as_provider(Recorder).target is Recorder


def test_the_flags_of_a_class_are_carried_over() -> None:
    from providers import Aichat, VoiGpt

    aichat, voigpt = as_provider(Aichat), as_provider(VoiGpt)
    assert aichat.supported_options == frozenset({"temperature", "top_p"})
    assert voigpt.supported_options == frozenset()
    assert (voigpt.name, voigpt.url, voigpt.working) == ("VoiGpt", VoiGpt.url, False)
    assert voigpt.credential_kinds == ("access_token",)
    assert as_provider(voigpt) is voigpt
