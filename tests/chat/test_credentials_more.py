"""Credentials at another origin, through Auto, from the process environment, and a proxy's
password: each secret found under its own name and nowhere else."""

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
    environment_key_name,
    header_secret_name,
    keyring_can_wait,
    names_for,
    needs_keyring,
    proxy_needs_password,
    proxy_secret_name,
    proxy_with_password,
    store_update,
)
from chat.secrets import MemorySecretStore
from chat.settings import Settings
from providers.contract import Context, Provider, Request
from providers.types import Chunk, CredentialUpdate


@dataclass(frozen=True, kw_only=True)
class Service(Provider):
    async def stream(self, request: Request, context: Context) -> AsyncIterator[Chunk]:
        yield ""


@dataclass(frozen=True, kw_only=True)
class Keeper(Service):
    hands_back_credentials = True


SITE = Service(
    name="Site",
    url="https://chat.site.test/api",
    credential_kinds=("api_key", "cookies"),
    secret_headers=("X-Gateway-Key",),
    key_env=("SITE_API_KEY",),
)


def test_every_name_a_provider_may_read_at_another_origin_is_that_origins() -> None:
    assert names_for(SITE, "https://mirror.test") == {
        "api_key": "Site/api_key@https://mirror.test",
        "cookies": "Site/cookies@https://mirror.test",
        "header:x-gateway-key": "Site/header:x-gateway-key@https://mirror.test",
    }
    assert header_secret_name(SITE, "X-Gateway-Key", "https://mirror.test") == (
        "Site/header:x-gateway-key@https://mirror.test"
    )
    assert names_for(SITE)["cookies"] == "Site/cookies@https://chat.site.test"


def test_a_proxy_password_is_named_by_the_proxy_it_is_for() -> None:
    assert proxy_secret_name("http://alice@proxy.test:3128") == (
        "proxy/password@http://alice@proxy.test:3128"
    )


async def test_a_stored_key_and_stored_cookies_are_both_read() -> None:
    store = MemorySecretStore()
    await store.set(credential_name(SITE, "cookies"), '{"sid":"abc"}')
    await store.set(credential_name(SITE, "api_key"), "stored")
    found = await credentials_for(SITE, store, environ={})
    assert (found.api_key, found.cookies) == ("stored", {"sid": "abc"})


async def test_no_stored_cookies_are_none_not_an_empty_jar() -> None:
    found = await credentials_for(SITE, MemorySecretStore(), environ={})
    assert (found.api_key, found.cookies, found.headers) == (None, None, {})


async def test_the_environment_key_is_read_from_the_process_when_none_is_passed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SITE_API_KEY", " from-process ")
    assert environment_key_name(SITE) == "SITE_API_KEY"
    assert environment_key(SITE) == "from-process"
    assert (await credentials_for(SITE, MemorySecretStore())).api_key == "from-process"
    assert environment_key_name(SITE, {}) is None
    monkeypatch.setenv("SITE_API_KEY", "  ")
    assert environment_key_name(SITE) is None


def test_auto_is_configured_member_by_member_at_their_saved_addresses(tmp_path: Path) -> None:
    from chat.auto import make_auto

    settings = Settings.load(tmp_path / "settings.json")
    settings.set_provider("Site", "base_url", "http://127.0.0.1:8000/v1")
    settings.set_provider("Site", "proxy", "http://127.0.0.1:3128")
    auto = make_auto([SITE], "Site")
    target = configured(auto, settings)
    assert target.proxy is None
    candidates = getattr(target.provider, "candidates", ())
    assert [(c.provider.url, c.proxy) for c in candidates] == [
        ("http://127.0.0.1:8000/v1", "http://127.0.0.1:3128")
    ]


def test_a_providers_own_saved_proxy_wins_over_the_global_one(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "settings.json")
    settings.set("proxy", "http://global.test:3128")
    assert configured(SITE, settings).proxy == "http://global.test:3128"
    settings.set_provider("Site", "proxy", "socks5://own.test:1080")
    assert configured(SITE, settings).proxy == "socks5://own.test:1080"


@pytest.mark.parametrize("proxy", ["http://proxy.test:3128", "http://alice:own@proxy.test:3128"])
async def test_a_stored_password_goes_only_to_a_proxy_that_names_a_user_without_one(
    proxy: str,
) -> None:
    store = MemorySecretStore()
    await store.set(proxy_secret_name(proxy), "stored")
    assert await proxy_with_password(proxy, store) == proxy


async def test_a_stored_password_is_put_back_quoted_into_the_proxy_url() -> None:
    store = MemorySecretStore()
    proxy = "http://alice@proxy.test:3128/"
    assert await proxy_with_password(proxy, store) == proxy
    await store.set(proxy_secret_name(proxy), "p@ss:w/rd")
    assert await proxy_with_password(proxy, store) == (
        "http://alice:p%40ss%3Aw%2Frd@proxy.test:3128/"
    )
    assert await proxy_with_password(None, store) is None
    assert await proxy_with_password("", store) == ""


@pytest.mark.parametrize(
    ("proxy", "needs"),
    [
        (None, False),
        ("", False),
        ("http://proxy.test:3128", False),
        ("http://alice@proxy.test:3128", True),
        ("http://alice:@proxy.test:3128", False),
        ("http://alice:pw@proxy.test:3128", False),
    ],
)
def test_only_a_proxy_user_without_a_password_needs_one(proxy: str | None, needs: bool) -> None:
    assert proxy_needs_password(proxy) is needs


def test_secret_headers_alone_need_the_keyring() -> None:
    local = Service(name="Local", url="http://127.0.0.1:1")
    assert not needs_keyring(local, None)
    assert needs_keyring(replace(local, secret_headers=("X-Key",)), None)
    assert needs_keyring(local, "http://me@proxy.test:1")


def test_auto_needs_the_keyring_for_a_members_key_or_proxy_password() -> None:
    from chat.auto import Candidate, make_auto

    local = Service(name="Local", url="http://127.0.0.1:1")
    auto = make_auto([local], "Local")
    through = replace(auto, candidates=(Candidate(local, "http://me@proxy.test:1", ""),))
    assert needs_keyring(through, None)
    plain = replace(auto, candidates=(Candidate(local, None, ""),))
    assert not needs_keyring(plain, None)
    keyed = replace(local, credential_kinds=("api_key",))
    assert needs_keyring(replace(auto, candidates=(Candidate(keyed, None, ""),)), None)
    assert not needs_keyring(auto, "http://me@proxy.test:1")  # nothing configured yet


def test_a_key_the_service_needs_or_one_of_several_kinds_never_waits() -> None:
    local = Service(name="Local", url="http://127.0.0.1:1", credential_kinds=("api_key",))
    assert keyring_can_wait(local, "http://proxy.test:3128")
    assert not keyring_can_wait(replace(local, credential_kinds=()), None)
    assert not keyring_can_wait(replace(local, credential_kinds=("cookies",)), None)
    keeper = Keeper(name="Keeper", url="http://127.0.0.1:1", credential_kinds=("api_key",))
    assert not keyring_can_wait(keeper, None)


async def test_a_handed_back_credential_is_kept_at_its_scope_and_forgotten_when_empty() -> None:
    store = MemorySecretStore()
    await store_update(SITE, CredentialUpdate("cookies", {"sid": "1", "a": "2"}), store)
    await store_update(SITE, CredentialUpdate("api_key", "tok", "https://other.test"), store)
    assert await store.get("Site/cookies@https://chat.site.test") == '{"a":"2","sid":"1"}'
    assert await store.get("Site/api_key@https://other.test") == "tok"
    for empty in (None, {}, ""):
        await store.set("Site/cookies@https://chat.site.test", "x")
        await store_update(SITE, CredentialUpdate("cookies", empty), store)
        assert store.names() == ["Site/api_key@https://other.test"]


async def test_a_proxy_user_named_by_an_email_address_gets_the_password_after_it() -> None:
    store = MemorySecretStore()
    proxy = "http://me@corp.test@proxy.test:3128"
    await store.set(proxy_secret_name(proxy), "pw")
    assert await proxy_with_password(proxy, store) == "http://me@corp.test:pw@proxy.test:3128"
