"""The secret store behind keyring's chainer, with in-test backends (no Secret Service)."""

from __future__ import annotations

import keyring.backends.chainer
import pytest
from keyring.compat import properties

from chat.secrets import KeyringSecretStore, open_secret_store


class _DictBackend:
    """A sound keyring backend that keeps what it is given, and notes every call."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}
        self.calls: list[tuple[str, str, str]] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.calls.append(("get", service, username))
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append(("set", service, username))
        self.items[service, username] = password

    def delete_password(self, service: str, username: str) -> None:
        self.calls.append(("delete", service, username))
        self.items.pop((service, username))


async def test_a_chainer_of_sound_keyrings_stores_secrets_in_its_first_one_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second = _DictBackend(), _DictBackend()
    chainer = keyring.backends.chainer.ChainerBackend
    monkeypatch.setattr(chainer, "backends", properties.classproperty(lambda cls: [first, second]))
    store = await open_secret_store(chainer())
    assert isinstance(store, KeyringSecretStore)
    assert store.backend is first
    await store.set("VoiGpt/access_token", "sk-1")
    assert await store.get("VoiGpt/access_token") == "sk-1"
    assert first.items == {("parley", "VoiGpt/access_token"): "sk-1"}
    assert first.calls == [
        ("get", "parley", "parley/probe"),
        ("set", "parley", "VoiGpt/access_token"),
        ("get", "parley", "VoiGpt/access_token"),
    ]
    assert second.calls == []


async def test_a_chainer_of_one_sound_keyring_uses_that_keyring(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    only = _DictBackend()
    chainer = keyring.backends.chainer.ChainerBackend
    monkeypatch.setattr(chainer, "backends", properties.classproperty(lambda cls: [only]))
    store = await open_secret_store(chainer())
    assert isinstance(store, KeyringSecretStore)
    assert store.backend is only
    assert only.calls == [("get", "parley", "parley/probe")]
