"""The declared table that drives the Settings window, `parley config` and validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from chat.settings import GLOBAL, PER_PROVIDER, Settings, SettingsError

SECTIONS = {"General", "Network", "Providers"}
TABLES = {"global": GLOBAL, "per provider": PER_PROVIDER}


@pytest.mark.parametrize("table", TABLES.values(), ids=TABLES)
def test_every_shown_setting_has_a_label_a_known_section_and_a_sentence(table: dict) -> None:
    shown = [s for s in table.values() if s.section]
    assert shown
    for setting in shown:
        assert setting.section in SECTIONS, setting.name
        assert setting.label.count("&") == 1, setting.name
        assert setting.description.endswith((".", ")")), setting.name
        setting.coerce(setting.default)  # the default passes its own check
    labels = [(s.section, s.label.replace("&", "")) for s in shown]
    assert len(labels) == len(set(labels))


@pytest.mark.parametrize(
    ("table", "name", "value"),
    [
        (GLOBAL, "proxy", "ftp://host"),
        (GLOBAL, "proxy", "http://me:secret@host:3128"),
        (GLOBAL, "theme", "purple"),
        (GLOBAL, "language", "xx"),
        (GLOBAL, "font_size", 3),
        (GLOBAL, "font_size", "big"),
        (GLOBAL, "connect_timeout", 0),
        (GLOBAL, "idle_timeout", "soon"),
        (GLOBAL, "ca_bundle", "certs.pem"),
        (PER_PROVIDER, "base_url", "not a url"),
        (PER_PROVIDER, "enabled", "maybe"),
        (PER_PROVIDER, "enabled", 1),
    ],
)
def test_a_refused_value_names_its_setting(table: dict, name: str, value: object) -> None:
    setting = table[name]
    with pytest.raises(SettingsError) as refused:
        setting.coerce(value)
    assert refused.value.setting == name
    reason = setting.reason(refused.value)
    assert not reason.startswith(name), reason
    assert reason[:1] == reason[:1].upper(), reason


@pytest.mark.parametrize(("text", "value"), [("true", True), (" Off ", False), ("yes", True)])
def test_a_switch_takes_the_words_a_person_types(text: str, value: bool) -> None:
    assert PER_PROVIDER["enabled"].coerce(text) is value


def test_a_choice_is_one_of_the_listed_values() -> None:
    assert [v for v, _ in GLOBAL["theme"].choices] == ["system", "light", "dark"]
    assert GLOBAL["theme"].coerce("dark") == "dark"


def test_a_ca_bundle_is_a_full_path_or_nothing(tmp_path: Path) -> None:
    assert GLOBAL["ca_bundle"].coerce(f" {tmp_path}/corp.pem ") == f"{tmp_path}/corp.pem"
    assert GLOBAL["ca_bundle"].coerce("") == ""


def test_a_change_tells_the_watchers_once_and_a_same_value_not_at_all(tmp_path: Path) -> None:
    settings = Settings(tmp_path / "settings.json")
    seen: list[tuple[str, str | None]] = []
    stop = settings.watch(lambda name, provider: seen.append((name, provider)))
    settings.set("idle_timeout", 30)
    settings.set("idle_timeout", 30.0)  # the same value
    settings.set_provider("Ollama", "enabled", False)
    settings.set_provider("Ollama", "enabled", "no")  # the same value, typed
    settings.set("theme", "system")  # the default, as it was
    assert seen == [("idle_timeout", None), ("enabled", "Ollama")]
    with pytest.raises(SettingsError):
        settings.set("idle_timeout", -1)
    assert seen == [("idle_timeout", None), ("enabled", "Ollama")]  # a refusal changes nothing
    stop()
    stop()  # a second stop does no harm
    settings.set("idle_timeout", 45)
    assert len(seen) == 2


def test_an_unknown_name_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings(tmp_path / "s.json").set("colour", "red")
    assert refused.value.setting == "colour"
