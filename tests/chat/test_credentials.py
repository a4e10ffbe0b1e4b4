"""Credentials in one place: their names, where a reply finds them, the provider as configured."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from chat.credentials import (
    configured,
    credential_name,
    credentials_for,
    environment_key,
    header_secret_name,
    keyring_can_wait,
    names_for,
    needs_keyring,
)
from chat.secrets import MemorySecretStore
from chat.settings import Settings
from providers.contract import Context, Provider, Request
from providers.types import Chunk


@dataclass(frozen=True, kw_only=True)
class Service(Provider):
    async def stream(self, request: Request, context: Context) -> AsyncIterator[Chunk]:
        yield ""


SERVICE = Service(
    name="Service",
    url="https://api.service.test/v1",
    credential_kinds=("api_key",),
    key_env=("SERVICE_API_KEY", "SERVICE_KEY"),
)


def test_a_credential_is_named_by_provider_kind_and_origin() -> None:
    assert credential_name(SERVICE, "api_key") == "Service/api_key@https://api.service.test"
    moved = SERVICE.with_base_url("http://127.0.0.1:8000/v1")
    assert credential_name(moved, "api_key") == "Service/api_key@http://127.0.0.1:8000"


def test_the_environment_key_is_read_only_at_the_providers_own_address() -> None:
    env = {"SERVICE_KEY": " second ", "OTHER": "x"}
    assert environment_key(SERVICE, env) == "second"
    assert environment_key(SERVICE, {"SERVICE_API_KEY": "first", **env}) == "first"
    assert environment_key(SERVICE.with_base_url("http://127.0.0.1:1/v1"), env) is None
    assert environment_key(SERVICE, {}) is None
    keyless = Service(name="K", url="https://k.test", key_env=("SERVICE_KEY",))
    assert environment_key(keyless, env) is None


async def test_a_stored_key_wins_over_the_environment() -> None:
    store = MemorySecretStore()
    env = {"SERVICE_API_KEY": "from-env"}
    assert (await credentials_for(SERVICE, store, environ=env)).api_key == "from-env"
    await store.set(credential_name(SERVICE, "api_key"), "stored")
    assert (await credentials_for(SERVICE, store, environ=env)).api_key == "stored"
    assert env == {"SERVICE_API_KEY": "from-env"}  # read, never written
    assert store.names() == ["Service/api_key@https://api.service.test"]


async def test_secret_headers_come_from_the_keyring_and_plain_ones_as_given() -> None:
    endpoint = Service(
        name="My vLLM",
        url="http://127.0.0.1:8000/v1",
        headers={"X-Team": "blue"},
        secret_headers=("X-Gateway-Key",),
    )
    store = MemorySecretStore()
    assert names_for(endpoint) == {
        "header:x-gateway-key": "My vLLM/header:x-gateway-key@http://127.0.0.1:8000"
    }
    await store.set(header_secret_name(endpoint, "X-Gateway-Key"), "s3cret")
    found = await credentials_for(endpoint, store, environ={})
    assert found.headers == {"X-Team": "blue", "X-Gateway-Key": "s3cret"}
    assert needs_keyring(endpoint, None)


def test_the_provider_as_configured_takes_its_saved_base_url_and_proxy(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "settings.json")
    assert configured(SERVICE, settings).provider == SERVICE
    settings.set_provider("Service", "base_url", "http://127.0.0.1:8000/v1")
    settings.set("proxy", "http://127.0.0.1:3128")
    target = configured(SERVICE, settings)
    assert (target.provider.url, target.proxy) == (
        "http://127.0.0.1:8000/v1",
        "http://127.0.0.1:3128",
    )
    given = configured(SERVICE, settings, base_url="http://[::1]:1/v1", proxy="socks5://h:1")
    assert (given.provider.url, given.proxy) == ("http://[::1]:1/v1", "socks5://h:1")
    assert configured(SERVICE).proxy is None


@pytest.mark.parametrize(
    ("proxy", "needed"),
    [(None, False), ("http://h:1", False), ("http://alice@h:1", True), ("http://a:b@h:1", False)],
)
def test_the_keyring_is_needed_only_for_what_it_may_hold(proxy: str | None, needed: bool) -> None:
    bare = Service(name="Bare", url="http://127.0.0.1:1")
    assert needs_keyring(bare, proxy) is needed
    assert needs_keyring(SERVICE, proxy)


def test_auto_needs_the_keyring_when_one_of_its_providers_does() -> None:
    from chat.auto import make_auto

    bare = Service(name="Bare", url="http://127.0.0.1:1")
    alone = make_auto([bare, SERVICE], "Bare").configured_with(None)
    assert not needs_keyring(alone, None)
    both = make_auto([bare, SERVICE], "Bare,Service").configured_with(None)
    assert needs_keyring(both, None)
    assert not keyring_can_wait(both, None)


@pytest.mark.parametrize(
    ("url", "proxy", "waits"),
    [
        ("http://127.0.0.1:8080/v1", None, True),
        ("http://localhost:8080/v1", None, True),
        ("http://[::1]:8080/v1", "http://proxy.test:3128", True),
        ("http://127.0.0.2:8080/v1", None, True),
        ("http://192.168.1.5:8080/v1", None, False),  # another machine: ask once, with the key
        ("https://api.service.test/v1", None, False),
        ("http://localhost.evil.test/v1", None, False),
        ("http://127.0.0.1:8080/v1", "http://me@proxy.test:3128", False),  # its password
    ],
)
def test_the_keyring_waits_only_for_an_optional_key_of_a_server_on_this_machine(
    url: str, proxy: str | None, waits: bool
) -> None:
    from providers.presets import LLAMA_CPP

    assert keyring_can_wait(LLAMA_CPP.with_base_url(url), proxy) is waits
    local = SERVICE.with_base_url("http://127.0.0.1:1")
    assert keyring_can_wait(local, None)
    assert not keyring_can_wait(replace(local, needs_auth=True), None)
    assert not keyring_can_wait(replace(local, secret_headers=("X-Key",)), None)
    assert not keyring_can_wait(replace(local, credential_kinds=("api_key", "cookies")), None)


def test_a_seed_that_hands_back_credentials_never_waits_for_the_keyring() -> None:
    from providers.legacy import as_provider
    from tests.chat.streaming_server import LoopbackChat

    loopback = as_provider(LoopbackChat)
    assert loopback.credential_kinds == ("api_key",)
    assert loopback.on_this_machine()
    assert not keyring_can_wait(loopback, None)
