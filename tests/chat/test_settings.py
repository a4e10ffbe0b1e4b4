"""Settings: typed, validated, saved atomically, never fatal when the file is damaged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chat.settings import GLOBAL, PER_PROVIDER, Settings, SettingsError


def test_defaults_come_from_the_table(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "settings.json")
    assert settings.get("idle_timeout") == GLOBAL["idle_timeout"].default
    assert settings.provider("VoiGpt", "base_url") == PER_PROVIDER["base_url"].default == ""
    assert settings.proxy_for("VoiGpt") is None
    assert settings.problem == ""


def test_round_trip_and_per_provider_values(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "settings.json"
    settings = Settings.load(path)
    settings.set("proxy", "http://127.0.0.1:3128")
    settings.set("connect_timeout", "5")
    settings.set_provider("VoiGpt", "base_url", "http://mirror.example/ ")
    settings.set_provider("ChatGpt", "proxy", "socks5://127.0.0.1:1080")
    settings.save()
    again = Settings.load(path)
    assert again.get("connect_timeout") == 5.0
    assert again.provider("VoiGpt", "base_url") == "http://mirror.example"
    assert again.proxy_for("VoiGpt") == "http://127.0.0.1:3128"
    assert again.proxy_for("ChatGpt") == "socks5://127.0.0.1:1080"
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]


def test_default_values_are_not_written(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "s.json")
    settings.set_provider("VoiGpt", "base_url", "http://a.example")
    settings.set_provider("VoiGpt", "base_url", "")
    settings.save()
    assert json.loads((tmp_path / "s.json").read_text()) == {"providers": {}, "settings": {}}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("proxy", "ftp://x", "not a proxy URL"),
        ("connect_timeout", "soon", "is not a number"),
        ("connect_timeout", -1, "between 0 and 3600"),
        ("provider", 3, "takes a text, not 3"),
        ("api_key", "sk-1", "No setting named 'api_key'"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(
    tmp_path: Path, name: str, value: object, message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.load(tmp_path / "s.json").set(name, value)


def test_a_base_url_must_be_http(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not an http:// or https:// URL"):
        Settings.load(tmp_path / "s.json").set_provider("VoiGpt", "base_url", "voigpt.com")


def test_a_damaged_file_is_kept_aside_and_defaults_used(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    settings = Settings.load(path)
    assert settings.get("proxy") == ""
    assert "could not read its settings file" in settings.problem
    assert (tmp_path / "settings.json.damaged").read_text() == "{not json"


def test_invalid_values_in_the_file_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    data = {"settings": {"proxy": "nope://", "idle_timeout": 30, "secret": "x"}, "providers": {}}
    path.write_text(json.dumps(data))
    settings = Settings.load(path)
    assert settings.get("proxy") == ""
    assert settings.get("idle_timeout") == 30.0


async def test_a_background_save_writes_only_what_changed(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings.load(path)
    await settings.save_in_background()
    assert not path.exists()  # nothing but the defaults: no file made for them
    settings.set("provider", "VoiGpt")
    await settings.save_in_background()
    assert json.loads(path.read_text(encoding="utf-8"))["settings"] == {"provider": "VoiGpt"}
    path.unlink()
    await settings.save_in_background()
    assert not path.exists()  # unchanged since the last write
    settings.set_provider("VoiGpt", "model", "gpt-4")
    await settings.save_in_background()
    assert Settings.load(path).provider("VoiGpt", "model") == "gpt-4"
