"""The provider a command talks to: a seed class as a provider with all it declares, and the
sentence said when none is chosen."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import keyring
import pytest
from keyring.backends.fail import Keyring as NoKeyring

from chat.cli_input import UsageError
from chat.cli_providers import choose_provider, resolve_provider, secrets_for
from chat.secrets import open_secret_store
from chat.settings import Settings
from providers.base import AsyncGeneratorProvider, ProviderModelMixin
from providers.contract import Context, Credentials, Provider, Request
from providers.http import Timeouts
from providers.legacy import ClassProvider, as_provider
from providers.types import Chunk

NO_KEYRING = (
    "parley: Secrets are kept in memory for this session only: no keyring service was found. "
    "Unlock or install a keyring (GNOME Keyring, KWallet) to keep them.\n"
)
NO_PROVIDER = (
    "No provider is chosen and no local server was found running. Pick one with "
    "--provider NAME (see `parley providers`), or start Ollama, LM Studio, llama.cpp's "
    "server or vLLM on this machine."
)


class Seed(AsyncGeneratorProvider, ProviderModelMixin):
    """A seed of the older conventions that declares every flag the opposite of the default."""

    url = "https://seed.test"
    label = "The Seed"
    working = True
    supports_stream = True
    supports_message_history = True
    supports_system_message = True
    needs_auth = True
    credential_kinds = ("api_key",)
    default_model = "seed-1"
    models: ClassVar[list[str]] = ["seed-1", "seed-2"]
    model_aliases: ClassVar[dict[str, str]] = {"fast": "seed-2"}

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: list[dict[str, str]], **kwargs: Any
    ) -> AsyncIterator[str]:
        yield model


class Greedy(AsyncGeneratorProvider):
    """A seed that eats the cookies it is given, and says which turns it got."""

    url = "https://greedy.test"
    credential_kinds = ("cookies",)

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: list[dict[str, str]], **kwargs: Any
    ) -> AsyncIterator[str]:
        kwargs["cookies"].clear()
        yield repr(messages)


class Bare(AsyncGeneratorProvider):
    """A seed that declares nothing about its models."""

    url = "https://bare.test"

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: list[dict[str, str]], **kwargs: Any
    ) -> AsyncIterator[str]:
        yield model


def test_a_seed_class_becomes_a_provider_with_everything_it_declares() -> None:
    seed = as_provider(Seed)
    assert isinstance(seed, ClassProvider)
    assert (seed.name, seed.url, seed.get_label()) == ("Seed", "https://seed.test", "The Seed")
    flags = (
        seed.working,
        seed.supports_stream,
        seed.supports_message_history,
        seed.supports_system_message,
        seed.needs_auth,
    )
    assert flags == (True, True, True, True, True)
    assert (seed.default_model, seed.models) == ("seed-1", ("seed-1", "seed-2"))
    assert seed.model_aliases == {"fast": "seed-2"}
    assert (seed.get_model("fast"), seed.get_model("")) == ("seed-2", "seed-1")


def test_a_seed_that_declares_no_models_has_none_and_keeps_the_name_asked_for() -> None:
    bare = as_provider(Bare)
    assert (bare.get_label(), bare.default_model, bare.models, bare.model_aliases) == (
        "Bare",
        "",
        (),
        {},
    )
    assert bare.get_model("any-model") == "any-model"
    flags = (
        bare.working,
        bare.supports_stream,
        bare.supports_message_history,
        bare.supports_system_message,
        bare.needs_auth,
    )
    assert flags == (False, False, False, False, False)


async def test_a_seed_gets_only_whole_turns_and_its_own_copy_of_the_cookies() -> None:
    cookies = {"sid": "1"}
    context = Context(credentials=Credentials(cookies=cookies), timeouts=Timeouts(1, 2))
    turns = ({"role": "user", "content": "hi"}, {"role": "assistant", "tool_calls": "[]"})
    chunks = [c async for c in as_provider(Greedy).stream(Request("m", turns), context)]
    assert chunks == ["[{'role': 'user', 'content': 'hi'}]"]
    assert cookies == {"sid": "1"}


def test_no_provider_named_or_saved_is_a_usage_error_that_says_what_to_do(
    tmp_path: Path,
) -> None:
    with pytest.raises(UsageError) as caught:
        resolve_provider(None, None, Settings.load(tmp_path / "settings.json"))
    assert str(caught.value) == NO_PROVIDER


async def test_a_provider_with_nothing_to_read_gets_an_empty_store_and_no_opener() -> None:
    bare = as_provider(Bare)
    err = io.StringIO()
    store, opener = await secrets_for(bare, None, err)
    assert (await store.get("Bare/api_key@https://bare.test"), opener, err.getvalue()) == (
        None,
        None,
        "",
    )


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """A machine without a keyring service: the store opened says so."""
    before = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    yield
    keyring.set_keyring(before)


@dataclass(frozen=True, kw_only=True)
class Local(Provider):
    """A server on this machine whose API key is optional."""

    async def stream(self, request: Request, context: Context) -> AsyncIterator[Chunk]:
        yield ""


LOCAL = Local(name="Local", url="http://127.0.0.1:1", credential_kinds=("api_key",))


@pytest.mark.parametrize(
    ("provider", "proxy", "waits", "said"),
    [
        (LOCAL, None, True, ""),
        (LOCAL, "http://me@proxy.test:1", False, NO_KEYRING),
        (as_provider(Bare), "http://me@proxy.test:1", False, NO_KEYRING),
        (as_provider(Seed), None, False, NO_KEYRING),
        (replace(LOCAL, secret_headers=("X-Key",)), None, False, ""),
    ],
)
async def test_the_keyring_is_opened_put_off_or_skipped_and_its_absence_said_when_it_matters(
    no_keyring: None,
    provider: Provider,
    proxy: str | None,
    waits: bool,
    said: str,
) -> None:
    err = io.StringIO()
    _store, opener = await secrets_for(provider, proxy, err)
    assert (opener is open_secret_store, err.getvalue()) == (waits, said)


async def test_a_provider_named_on_the_command_line_goes_through_the_proxy_given(
    tmp_path: Path,
) -> None:
    settings = Settings.load(tmp_path / "settings.json")
    settings.set("proxy", "http://saved.test:3128")
    err = io.StringIO()
    target = await choose_provider("OpenAI", None, settings, "socks5://given.test:1080", err)
    assert (target.provider.name, target.proxy, err.getvalue()) == (
        "OpenAI",
        "socks5://given.test:1080",
        "",
    )
