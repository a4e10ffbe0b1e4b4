"""Settings: typed, validated, saved atomically, never fatal when the file is damaged."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from chat.settings import (
    GLOBAL,
    OPTIONS,
    PER_PROVIDER,
    Setting,
    Settings,
    SettingsError,
    default_path,
    split_proxy_password,
)


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
        ("connect_timeout", -1, "above 0 and at most 3600"),
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


def _refusal(call: Callable[..., object], *args: object) -> str:
    """The message of the SettingsError that ``call(*args)`` raises."""
    with pytest.raises(SettingsError) as refused:
        call(*args)
    return str(refused.value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["é"], 'provider takes a text, not ["é"].'),  # as the settings file shows it
        ({1, 2}, "provider takes a text, not set."),  # no JSON for it: its kind
        (["a" * 300], 'provider takes a text, not ["' + "a" * 198 + "."),  # cut at 200
    ],
)
def test_a_value_of_the_wrong_type_is_quoted_as_json(
    tmp_path: Path, value: object, message: str
) -> None:
    assert _refusal(Settings.load(tmp_path / "s.json").set, "provider", value) == message


_PROXY = "is not a proxy URL (http://, https:// or socks5://)"
_CONTROL = "it holds spaces or control codes"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("http://a\x01b.example:3128", f"'http://a\\x01b.example:3128' {_PROXY}: {_CONTROL}."),
        ("http://a\x7fb.example:3128", f"'http://a\\x7fb.example:3128' {_PROXY}: {_CONTROL}."),
        ("http://a\tb.example:3128", f"'http://a\\tb.example:3128' {_PROXY}: {_CONTROL}."),
        ("http://h:port", f"'http://h:port' {_PROXY}."),
        ("ftp://h", f"'ftp://h' {_PROXY}."),
        ("http://" + "a" * 64, f"'http://{'a' * 64}' {_PROXY}: its host name is not valid."),
        ("http:// " + "a" * 72, f"'http:// {'a' * 72}' {_PROXY}: {_CONTROL}."),  # 80: whole
        ("http:// " + "a" * 73, f"'http:// {'a' * 71}…' {_PROXY}: {_CONTROL}."),  # 81: cut
        (
            "http://me:pw@proxy.example:3128",
            "a proxy password is a secret: it goes to the keyring, never to the settings file.",
        ),
    ],
)
def test_a_proxy_that_cannot_be_used_is_refused_in_words(
    tmp_path: Path, value: str, message: str
) -> None:
    settings = Settings.load(tmp_path / "s.json")
    assert _refusal(settings.set, "proxy", value) == f"proxy: {message}"
    assert _refusal(settings.set_provider, "VoiGpt", "proxy", value) == f"proxy: {message}"


@pytest.mark.parametrize(
    "proxy",
    [
        "http://127.0.0.1:3128",
        "https://proxy.example",
        "socks4://127.0.0.1:1080",
        "socks5://127.0.0.1:1080",
        "socks5h://127.0.0.1:1080",
        "http://alice@proxy.example:3128",  # a user name alone is no secret
        " http://proxy.example:3128 ",
        "",
    ],
)
def test_every_kind_of_proxy_is_accepted(tmp_path: Path, proxy: str) -> None:
    settings = Settings.load(tmp_path / "s.json")
    settings.set("proxy", proxy)
    assert settings.get("proxy") == proxy.strip()


@pytest.mark.parametrize(
    ("url", "without", "password"),
    [
        ("http://alice:s3cret@proxy.example:3128", "http://alice@proxy.example:3128", "s3cret"),
        ("http://me@corp:secret@proxy.example:3128", "http://me@corp@proxy.example:3128", "secret"),
        ("http://u:pa:ss@h:1", "http://u@h:1", "pa:ss"),  # the first colon ends the user
        ("http://:secret@h:3128", "http://h:3128", "secret"),  # no user: no "@" left
        ("http://u:p%40ss@h:1", "http://u@h:1", "p@ss"),
        ("http://alice@h:1", "http://alice@h:1", None),
        ("http://h:1", "http://h:1", None),
    ],
)
def test_split_proxy_password(url: str, without: str, password: str | None) -> None:
    assert split_proxy_password(url) == (without, password)


def test_a_proxy_password_is_refused_even_with_an_at_sign_in_the_user(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "s.json")
    message = _refusal(settings.set, "proxy", "http://me@corp:secret@proxy.example:3128")
    assert message.startswith("proxy: a proxy password is a secret")


def test_a_base_url_is_http_or_https_with_its_path_kept(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "s.json")
    for given, kept in [
        ("https://mirror.example", "https://mirror.example"),
        ("http://mirror.example/v1/", "http://mirror.example/v1"),
        ("http://mirror.example/MAX//", "http://mirror.example/MAX"),  # only slashes go
        (" https://mirror.example/X ", "https://mirror.example/X"),
    ]:
        settings.set_provider("VoiGpt", "base_url", given)
        assert settings.provider("VoiGpt", "base_url") == kept
    what = "is not an http:// or https:// URL"
    for given, message in [
        ("http://a b", f"base_url: 'http://a b' {what}: {_CONTROL}."),
        ("http://h:port", f"base_url: 'http://h:port' {what}."),
        ("voigpt.com", f"base_url: 'voigpt.com' {what}."),
    ]:
        assert _refusal(settings.set_provider, "VoiGpt", "base_url", given) == message


@pytest.mark.parametrize("name", ["connect_timeout", "idle_timeout"])
def test_a_timeout_is_above_0_and_at_most_an_hour(tmp_path: Path, name: str) -> None:
    settings = Settings.load(tmp_path / "s.json")
    for seconds in (0.5, 1, 3600, "3600"):
        settings.set(name, seconds)
        assert settings.get(name) == float(seconds)
    for seconds, shown in ((0, "0"), (-1, "-1"), (3600.5, "3600.5"), (1e9, "1e+09")):
        assert _refusal(settings.set, name, seconds) == (
            f"{name}: {shown} is not a number of seconds above 0 and at most 3600."
        )
    assert _refusal(settings.set, name, True) == f"{name} takes a number, not true."
    assert _refusal(settings.set, name, "1e999") == (
        f"{name}: inf is not a number of seconds above 0 and at most 3600."
    )


def test_generation_options_keep_to_their_ranges() -> None:
    for name, low, high in [
        ("temperature", 0, 2),
        ("top_p", 0, 1),
        ("presence_penalty", -2, 2),
        ("frequency_penalty", -2, 2),
    ]:
        option = OPTIONS[name]
        assert (option.coerce(low), option.coerce(high), option.coerce(str(high))) == (
            low,
            high,
            high,
        )
        for outside in (low - 0.1, high + 0.1):
            assert _refusal(option.coerce, outside) == (
                f"{name}: {outside:g} is not between {low} and {high}."
            )
    tokens, seed = OPTIONS["max_tokens"], OPTIONS["seed"]
    assert (tokens.coerce(1), tokens.coerce(10_000_000), tokens.coerce(" 42 ")) == (1, 10**7, 42)
    for outside in (0, -1, 10_000_001):
        assert _refusal(tokens.coerce, outside) == (
            f"max_tokens: {outside} is not a number of tokens above 0."
        )
    assert (seed.coerce(0), seed.coerce(2**63 - 1), seed.coerce("7")) == (0, 2**63 - 1, 7)
    for outside in (-1, 2**63):
        assert _refusal(seed.coerce, outside) == (
            f"seed: {outside} is not a seed between 0 and 2**63."
        )


def test_a_whole_number_is_refused_when_it_is_not_one() -> None:
    tokens, seed = OPTIONS["max_tokens"], OPTIONS["seed"]
    assert _refusal(tokens.coerce, True) == "max_tokens takes a whole number, not true."
    assert _refusal(tokens.coerce, 2.5) == "max_tokens takes a whole number, not 2.5."
    assert _refusal(tokens.coerce, "abc") == "max_tokens: 'abc' is not a whole number."
    assert seed.coerce("0" * 29 + "7") == 7  # 30 characters: still read
    assert _refusal(seed.coerce, "0" * 30 + "7") == (
        "seed: '0000000000000000000000000000007' is not a whole number."
    )
    assert seed.coerce("  " + "0" * 29 + "7  ") == 7  # the spaces around it do not count


def test_a_setting_of_another_type_names_that_type() -> None:
    assert _refusal(Setting("ratio", tuple, "", "A pair.").coerce, 5) == (
        "ratio takes tuple, not 5."
    )


def test_an_unknown_name_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "s.json")
    assert _refusal(settings.set, "api_key", "sk-1") == (
        "No setting named 'api_key'; known: provider, default_provider, default_model, "
        "last_conversation, proxy, auto_providers, theme, language, font_size, connect_timeout, "
        "idle_timeout, ca_bundle."
    )
    assert _refusal(settings.provider, "VoiGpt", "api_key") == (
        "No setting named 'api_key'; known: base_url, proxy, model, enabled."
    )


def test_the_file_lives_in_the_xdg_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PARLEY_HOME")
    config = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_path() == config / "parley" / "settings.json"
    settings = Settings.load()
    settings.set("provider", "VoiGpt")
    settings.save()
    assert json.loads((config / "parley" / "settings.json").read_text())["settings"] == {
        "provider": "VoiGpt"
    }
    for unset in ("", None):
        if unset is None:
            monkeypatch.delenv("XDG_CONFIG_HOME")
        else:
            monkeypatch.setenv("XDG_CONFIG_HOME", unset)
        assert default_path() == tmp_path / "home" / ".config" / "parley" / "settings.json"


def test_settings_made_without_loading_start_from_the_defaults(tmp_path: Path) -> None:
    assert Settings().get("proxy") == ""
    assert Settings().provider("VoiGpt", "model") == ""
    Settings().save()  # no path: nothing to write, no error
    path = tmp_path / "settings.json"
    settings = Settings(path)
    assert settings.get("idle_timeout") == 60.0
    settings.set("idle_timeout", 30)
    settings.save()
    assert json.loads(path.read_text()) == {"providers": {}, "settings": {"idle_timeout": 30.0}}


def test_setting_the_default_forgets_the_value_and_the_refused_one(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    data = {
        "settings": {"idle_timeout": "abc", "proxy": "ftp://x"},
        "providers": {"VoiGpt": {"base_url": "ftp://mirror", "model": "gpt-4"}},
    }
    path.write_text(json.dumps(data))
    settings = Settings.load(path)
    assert "idle_timeout" in settings.problem
    settings.set("idle_timeout", 60)  # the default: nothing to keep
    settings.set("connect_timeout", 15)  # never set: setting the default is no error
    settings.set_provider("VoiGpt", "base_url", "")
    settings.set_provider("ChatGpt", "model", "")
    settings.save()
    assert json.loads(path.read_text()) == {
        "settings": {"proxy": "ftp://x"},
        "providers": {"VoiGpt": {"model": "gpt-4"}},
    }
    again = Settings.load(path)
    assert "idle_timeout" not in again.problem
    assert "base_url" not in again.problem
    assert "proxy" in again.problem


def test_a_saved_file_keeps_every_value_it_was_loaded_with(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    data = {
        "settings": {"provider": "VoiGpt", "connect_timeout": 5},
        "providers": {
            "VoiGpt": {"model": "gpt-4", "future": 1},
            "ChatGpt": {"base_url": "https://mirror.example"},
        },
    }
    path.write_text(json.dumps(data))
    settings = Settings.load(path)
    settings.set_provider("Aichat", "model", "x")
    settings.save()
    data["providers"]["Aichat"] = {"model": "x"}
    data["settings"]["connect_timeout"] = 5.0
    assert json.loads(path.read_text()) == data


def test_an_untyped_section_is_handed_out_as_a_copy_and_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"endpoints": {"mine": {"url": "http://127.0.0.1:8080"}}}))
    settings = Settings.load(path)
    assert settings.section("window") is None
    copy = settings.section("endpoints")
    assert copy == {"mine": {"url": "http://127.0.0.1:8080"}}
    copy["mine"]["url"] = "changed"
    assert settings.section("endpoints") == {"mine": {"url": "http://127.0.0.1:8080"}}
    settings.set_section("window", {"width": 900})
    settings.set_section("endpoints", None)
    settings.set_section("endpoints", None)  # removing what is not there is no error
    settings.save()
    assert json.loads(path.read_text()) == {
        "providers": {},
        "settings": {},
        "window": {"width": 900},
    }
    for typed in ("settings", "providers"):
        message = f"{typed} is typed: use get/set or provider/set_provider."
        assert _refusal(settings.section, typed) == message
        assert _refusal(settings.set_section, typed, {}) == message
