"""A built-in API provider's extra headers: kept in the settings file (secret ones' values in
the keyring), checked, and sent with each request to its site only."""

from __future__ import annotations

from pathlib import Path

import pytest

from chat.credentials import configured, credentials_for, header_secret_name
from chat.extra_headers import (
    ExtraHeaders,
    checked,
    extra_headers,
    set_extra_headers,
    with_extra_headers,
)
from chat.secrets import MemorySecretStore
from chat.session import ChatSession
from chat.settings import Settings, SettingsError
from providers.anthropic import ANTHROPIC
from providers.legacy import as_provider
from providers.presets import OPENAI
from providers.seeds.aichat import Aichat
from tests.emulators.openai import OpenAIEmulator


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.load(tmp_path / "settings.json")


def test_extra_headers_are_kept_and_read_back(settings: Settings) -> None:
    extra = checked({"OpenAI-Organization": "org-1"}, ["X-Gateway-Key"])
    set_extra_headers(settings, "OpenAI", extra)
    settings.save()
    again = Settings.load(settings.path)
    assert extra_headers(again, "OpenAI") == extra
    assert again.section("headers") == {
        "OpenAI": {"headers": {"OpenAI-Organization": "org-1"}, "secret_headers": ["X-Gateway-Key"]}
    }
    set_extra_headers(again, "OpenAI", ExtraHeaders())
    assert again.section("headers") is None  # nothing left: no empty entry


@pytest.mark.parametrize(
    ("headers", "secret", "reason"),
    [
        ({"Bad Name": "x"}, [], "'Bad Name' is not a header name"),
        ({"Authorization": "x"}, [], "The header Authorization is set by Parley itself."),
        ({"X-A": "one\ntwo"}, [], "The value of the header X-A must be one line of text."),
        ({"X-A": "1"}, ["x-a"], "The header x-a is given twice."),
    ],
)
def test_a_bad_header_is_refused_naming_the_setting(
    headers: dict[str, str], secret: list[str], reason: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        checked(headers, secret)
    assert refused.value.setting == "headers"
    assert str(refused.value).startswith(reason)


def test_damage_in_the_file_sends_no_header(settings: Settings) -> None:
    settings.set_section("headers", {"OpenAI": {"headers": {"Bad Name": "x"}}})
    assert extra_headers(settings, "OpenAI") == ExtraHeaders()
    settings.set_section("headers", {"OpenAI": ["not", "an", "object"]})
    assert extra_headers(settings, "OpenAI") == ExtraHeaders()


def test_only_a_provider_that_sends_headers_gets_them(settings: Settings) -> None:
    set_extra_headers(settings, "Aichat", checked({"X-A": "1"}, []))
    site = as_provider(Aichat)
    assert with_extra_headers(site, settings) is site
    set_extra_headers(settings, "Anthropic", checked({"X-A": "1"}, ["X-Key"]))
    moved = configured(ANTHROPIC, settings).provider
    assert (dict(moved.headers), moved.secret_headers) == ({"X-A": "1"}, ("X-Key",))


async def test_the_headers_reach_the_service_the_secret_from_the_keyring(
    settings: Settings,
) -> None:
    set_extra_headers(settings, "OpenAI", checked({"X-Team": "blue"}, ["X-Gateway-Key"]))
    store = MemorySecretStore()
    async with OpenAIEmulator() as service:
        settings.set_provider("OpenAI", "base_url", service.base_url)
        target = configured(OPENAI, settings)
        await store.set(header_secret_name(target.provider, "X-Gateway-Key"), "gw-secret")
        await store.set(f"OpenAI/api_key@{service.url}", service.key)
        session = ChatSession(store)
        context = await session.context(target.provider, target.proxy)
        assert await target.provider.list_models(context) == list(service.models)
    headers = service.seen[-1].headers
    assert (headers["X-Team"], headers["X-Gateway-Key"]) == ("blue", "gw-secret")
    elsewhere = configured(OPENAI.with_base_url("http://127.0.0.1:9/v1"), None).provider
    sent = await credentials_for(with_extra_headers(elsewhere, settings), store)
    assert "X-Gateway-Key" not in sent.headers  # stored for the service's site only
