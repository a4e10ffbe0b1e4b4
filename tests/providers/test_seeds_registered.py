"""The four seeds: importable by name, registered as entry points, flagged as the spec says."""

from __future__ import annotations

import pytest

import providers
from providers import Aichat, ChatGpt, ChatGptt, VoiGpt, get_provider
from providers.base import BaseProvider

# name: (supports_stream, supports_message_history, supports_system_message, needs_auth)
FLAGS = {
    "VoiGpt": (False, True, False, False),
    "ChatGpt": (True, True, True, False),
    "ChatGptt": (True, True, True, False),
    "Aichat": (False, False, False, True),
}


@pytest.mark.parametrize("provider", [VoiGpt, ChatGpt, ChatGptt, Aichat])
def test_registered_under_its_name_and_flagged(provider: type[BaseProvider]) -> None:
    name = provider.get_name()
    assert get_provider(name) is provider
    assert getattr(providers, name) is provider
    assert provider.working is False
    flags = (
        provider.supports_stream,
        provider.supports_message_history,
        provider.supports_system_message,
        provider.needs_auth,
    )
    assert flags == FLAGS[name]


def test_models_and_urls_as_the_spec_gives() -> None:
    assert (VoiGpt.url, VoiGpt.default_model) == ("https://voigpt.com", "gpt-3.5-turbo")
    assert ChatGpt.url == "https://chatgpt.com"
    assert ChatGpt.models == [
        "auto", "gpt-3.5-turbo", "gpt-4o", "gpt-4o-mini", "gpt-4", "gpt-4-turbo",
        "chatgpt-4o-latest",
    ]  # fmt: skip
    assert ChatGpt.model_aliases == {"gpt-4o": "chatgpt-4o-latest"}
    assert (ChatGpt.get_model("gpt-4o"), ChatGpt.get_model("unknown")) == ("gpt-4o", "auto")
    assert (ChatGptt.url, ChatGptt.api_endpoint) == (
        "https://chatgptt.me",
        "https://chatgptt.me/wp-admin/admin-ajax.php",
    )
    assert (ChatGptt.default_model, ChatGptt.models) == (
        "gpt-4o",
        ["gpt-4", "gpt-4o", "gpt-4o-mini"],
    )
    assert (Aichat.url, Aichat.default_model) == ("https://chat-gpt.org/chat", "gpt-3.5-turbo")


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuch"):
        _ = providers.NoSuch  # type: ignore[attr-defined]
