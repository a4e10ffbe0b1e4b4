"""The contract's values in full: base URLs, flags, options, errors, and classes of the older
conventions as provider values."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, ClassVar

import aiohttp
import pytest

from providers import AsyncGeneratorProvider
from providers.contract import (
    OPTION_NAMES,
    Context,
    Credentials,
    Options,
    Provider,
    Request,
    not_offered,
)
from providers.errors import ErrorKind, InvalidBaseUrlError, UnsupportedOptionError
from providers.http import Timeouts
from providers.legacy import ClassProvider, as_provider
from providers.types import Chunk, CredentialKind, Messages

URL_HINT = "Give a full address such as https://example.com (http or https)."


@dataclass(frozen=True, kw_only=True)
class Echo(Provider):
    async def stream(self, request: Request, context: Context) -> AsyncIterator[Chunk]:
        yield str(request.turns[-1]["content"])


# Base URLs.


def test_a_base_url_keeps_its_path_as_given_without_the_trailing_slash() -> None:
    home = Echo(name="Echo", url="https://api.example.com/v1")
    moved = home.with_base_url("  https://proxy.example.com/team/BOX/ \n")
    assert (moved.url, moved.home_url) == ("https://proxy.example.com/team/BOX", home.url)


def test_a_host_name_no_lookup_could_resolve_is_refused_in_full() -> None:
    bad = "http://" + "a" * 300
    with pytest.raises(InvalidBaseUrlError) as caught:
        Echo(name="Echo", url="http://x").with_base_url(bad)
    shown = "http://" + "a" * 193  # the first 200 characters
    assert str(caught.value) == f"Not a valid address: {shown!r}. {URL_HINT}"


def test_an_address_that_is_not_http_is_refused_in_full() -> None:
    bad = "ftp://files.example.com/" + "a" * 300
    with pytest.raises(InvalidBaseUrlError) as caught:
        Echo(name="Echo", url="http://x").with_base_url(bad)
    shown = "ftp://files.example.com/" + "a" * 176  # the first 200 characters
    assert str(caught.value) == f"Not an http(s) URL: {shown!r}. {URL_HINT}"


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://localhost:11434", True),
        ("http://127.0.0.1:1234/v1", True),
        ("http://127.8.9.10", True),
        ("http://[::1]:8080", True),
        ("http://192.168.1.20:11434", False),
        ("https://api.example.com/v1", False),
        ("http://localhost.example.com", False),
    ],
)
def test_a_provider_at_a_loopback_address_is_on_this_machine(url: str, local: bool) -> None:
    assert Echo(name="Echo", url=url).on_this_machine() is local


# Models and options.


@pytest.mark.parametrize(
    ("models", "default", "listed"),
    [
        (("a", "b"), "a", ["a", "b"]),
        ((), "d", ["d"]),
        ((), "", []),
    ],
)
def test_the_built_in_model_list_falls_back_to_the_default_model(
    models: tuple[str, ...], default: str, listed: list[str]
) -> None:
    provider = Echo(name="E", url="http://x", models=models, default_model=default)
    assert provider.get_models() == listed


def test_a_model_not_offered_is_refused_naming_the_ones_that_are() -> None:
    provider = Echo(name="Echo", label="Echo Chat", url="http://x")
    error = not_offered(provider, "gpt-5", ["gpt-4o", "gpt-4o-mini"])
    assert error.kind is ErrorKind.MODEL
    assert str(error) == (
        "Echo: Model 'gpt-5' is not offered by Echo Chat. Pick one of: gpt-4o, gpt-4o-mini."
    )
    assert str(not_offered(provider, "gpt-5", [])) == (
        "Echo: Model 'gpt-5' is not offered by Echo Chat. "
        "Pick one of the provider's models from the model list."
    )


def test_one_option_a_provider_cannot_send_is_refused_in_the_singular() -> None:
    takes = frozenset({"top_p", "temperature"})
    provider = Echo(name="Echo", label="Echo Chat", url="http://x", supported_options=takes)
    with pytest.raises(UnsupportedOptionError) as caught:
        provider.check_options(Options(seed=1, top_p=0.5))
    assert str(caught.value) == (
        "Echo: Echo Chat does not support the option seed, so nothing was sent. "
        "Remove it; it takes temperature, top_p."
    )


def test_a_provider_that_takes_no_options_says_so() -> None:
    provider = Echo(name="Echo", url="http://x", supported_options=frozenset())
    provider.check_options(Options())
    with pytest.raises(UnsupportedOptionError) as caught:
        provider.check_options(Options(temperature=0.5))
    assert str(caught.value) == (
        "Echo: Echo does not support the option temperature, so nothing was sent. "
        "Remove it; it takes no options."
    )


def test_every_option_set_is_given_by_name() -> None:
    values = {
        "temperature": 0.0,
        "top_p": 0.9,
        "max_tokens": 0,
        "seed": 7,
        "presence_penalty": -0.5,
        "frequency_penalty": 0.3,
        "reasoning_effort": "low",
    }
    assert Options.of(values).given() == values
    assert set(values) == OPTION_NAMES


def test_credentials_are_found_by_kind() -> None:
    credentials = Credentials(api_key="k", access_token="t", cookies={"a": "1"})
    assert [credentials.get(kind) for kind in ("api_key", "access_token", "cookies")] == [
        "k",
        "t",
        {"a": "1"},
    ]
    assert Credentials().get("cookies") is None


def test_timeouts_bound_connecting_and_each_read_never_the_whole_reply() -> None:
    assert Timeouts(connect=3, idle=9).client_timeout() == aiohttp.ClientTimeout(
        total=None, connect=None, sock_connect=3, sock_read=9
    )


# Classes of the older conventions.


class Full(AsyncGeneratorProvider):
    """A class that declares everything the wrapper reads."""

    url = "https://full.example.com"
    label = "Full Site"
    needs_auth = True
    credential_kinds: ClassVar[tuple[CredentialKind, ...]] = ("access_token", "cookies")
    supported_options: ClassVar[frozenset[str] | None] = frozenset({"temperature"})
    default_model = "m1"
    model_aliases: ClassVar[dict[str, str]] = {"fast": "m1"}

    @classmethod
    def get_models(cls) -> list[Any]:
        return ["m1", 2]

    @classmethod
    def get_model(cls, model: str) -> str:
        return cls.model_aliases.get(model, model or cls.default_model)

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        yield model


class Bare(AsyncGeneratorProvider):
    """A class that declares only its address."""

    url = "http://127.0.0.1:9"

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        yield repr((model, list(messages), sorted(kwargs)))


class Keeper(AsyncGeneratorProvider):
    """A class that rotates the cookies it is given, as the sites do."""

    url = "http://127.0.0.1:9"
    credential_kinds: ClassVar[tuple[CredentialKind, ...]] = ("cookies",)

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        cookies = kwargs["cookies"]
        cookies["session"] = "rotated"
        yield repr(sorted(cookies.items()))


def test_a_class_that_declares_everything_becomes_the_same_value() -> None:
    assert as_provider(Full) == ClassProvider(
        name="Full",
        url="https://full.example.com",
        label="Full Site",
        working=False,
        supports_stream=False,
        supports_message_history=False,
        supports_system_message=False,
        needs_auth=True,
        credential_kinds=("access_token", "cookies"),
        supported_options=frozenset({"temperature"}),
        default_model="m1",
        models=("m1", "2"),
        model_aliases={"fast": "m1"},
        cls=Full,
    )


def test_a_class_that_declares_only_its_address_gets_the_defaults() -> None:
    assert as_provider(Bare) == ClassProvider(
        name="Bare",
        url="http://127.0.0.1:9",
        label="Bare",
        working=False,
        supports_stream=False,
        supports_message_history=False,
        supports_system_message=False,
        needs_auth=False,
        credential_kinds=(),
        supported_options=OPTION_NAMES - {"reasoning_effort"},  # a site would not send it
        default_model="",
        models=(),
        model_aliases={},
        cls=Bare,
    )


def test_the_class_names_the_model_to_send() -> None:
    full, bare = as_provider(Full), as_provider(Bare)
    assert [full.get_model(m) for m in ("fast", "", "other")] == ["m1", "m1", "other"]
    assert [bare.get_model(m) for m in ("fast", "")] == ["fast", ""]


async def test_only_messages_with_a_role_and_content_are_passed_on() -> None:
    messages = (
        {"role": "system", "content": "Be brief."},
        {"role": "assistant", "tool_calls": [{"id": "call_1"}]},
        {"content": "no role"},
        {"role": "user", "content": "hi", "name": "ann"},
    )
    request = Request("m", messages)
    chunks = [chunk async for chunk in as_provider(Bare).stream(request, Context())]
    passed = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]
    assert chunks == [repr(("m", passed, ["session", "timeouts", "tls"]))]


async def test_cookies_a_class_changes_are_its_own_copy() -> None:
    given = {"session": "old"}
    context = Context(credentials=Credentials(cookies=given))
    request = Request("m", ({"role": "user", "content": "hi"},))
    chunks = [chunk async for chunk in as_provider(Keeper).stream(request, context)]
    assert chunks == [repr([("session", "rotated")])]
    assert given == {"session": "old"}


@pytest.mark.parametrize("url", ["http://:80", "https://:443/v1", "http://@/v1"])
def test_a_base_url_without_a_host_is_refused(url: str) -> None:
    from providers.contract import checked_base_url

    with pytest.raises(InvalidBaseUrlError):
        checked_base_url(url)
