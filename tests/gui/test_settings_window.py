"""The Settings window as a person uses it: every declared setting in its tab, a bad value
refused beside its field with the rest kept, and what applying does."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from chat.settings import GLOBAL, Settings
from gui.settings_window import SettingsWindow
from providers.presets import GROQ, LM_STUDIO, OPENAI


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.load(tmp_path / "settings.json")


@pytest.fixture
def window(qtbot: QtBot, settings: Settings) -> SettingsWindow:
    shown = SettingsWindow(
        settings,
        [OPENAI, GROQ, LM_STUDIO],
        {"OpenAI": {"api_key": True}},
        data_folder=Path("/data/parley"),
    )
    qtbot.addWidget(shown)
    shown.show()
    return shown


def text(window: SettingsWindow, name: str) -> QLineEdit:
    editor = window.fields[name].editor
    assert isinstance(editor, QLineEdit)
    return editor


def test_every_declared_setting_is_in_its_tab_under_its_label(window: SettingsWindow) -> None:
    tabs = {window.tabs.tabText(i).replace("&", ""): window.tabs.widget(i) for i in range(3)}
    assert list(tabs) == ["Providers", "Network", "General"]
    shown = [s for s in GLOBAL.values() if s.section]
    assert {s.name for s in shown} == set(window.fields)
    for setting in shown:
        field = window.fields[setting.name]
        assert tabs[setting.section].isAncestorOf(field), setting.name
        labels = [w for w in window.findChildren(QLabel) if w.buddy() is field.editor]
        assert [label.text() for label in labels] == [setting.label]
        assert field.editor.toolTip() == setting.description


def test_bad_values_are_refused_beside_their_fields_and_the_rest_is_kept(
    qtbot: QtBot, window: SettingsWindow, settings: Settings
) -> None:
    seen: list[str] = []
    settings.watch(lambda name, _provider: seen.append(name))
    window.tabs.setCurrentIndex(2)
    text(window, "connect_timeout").setText("soon")
    text(window, "proxy").setText("gopher://x")
    text(window, "idle_timeout").setText("30")
    text(window, "font_size").setText("3")
    with qtbot.assertNotEmitted(window.applied):
        window.buttons.button(window.buttons.StandardButton.Ok).click()
    assert window.isVisible()  # not closed: the form waits to be fixed
    assert window.tabs.currentIndex() == 1  # the first refusal's tab is shown
    errors = {name: f.error.text() for name, f in window.fields.items() if not f.error.isHidden()}
    assert errors == {
        "proxy": "'gopher://x' is not a proxy URL (http://, https:// or socks5://).",
        "connect_timeout": "'soon' is not a number.",
        "font_size": "3 is not a size in points from 6 to 48 (0: the system's).",
    }
    assert text(window, "idle_timeout").text() == "30"  # kept as typed
    assert text(window, "connect_timeout").text() == "soon"
    assert seen == []  # nothing was changed
    assert settings.get("idle_timeout") == 60


def test_applying_sets_every_value_and_tells_who_uses_it(
    qtbot: QtBot, window: SettingsWindow, settings: Settings
) -> None:
    seen: list[tuple[str, str | None]] = []
    settings.watch(lambda name, provider: seen.append((name, provider)))
    text(window, "idle_timeout").setText("30")
    text(window, "font_size").setText("14")
    theme = window.fields["theme"].editor
    assert isinstance(theme, QComboBox)
    theme.setCurrentIndex(theme.findData("dark"))
    window.list.item(2).setCheckState(Qt.CheckState.Unchecked)  # LM Studio (local), say
    off = str(window.list.item(2).data(Qt.ItemDataRole.UserRole))
    with qtbot.waitSignal(window.applied):
        assert window.apply()
    assert (settings.get("idle_timeout"), settings.get("font_size")) == (30, 14)
    assert settings.get("theme") == "dark"
    assert settings.provider(off, "enabled") is False
    assert sorted(seen) == sorted(
        [("idle_timeout", None), ("font_size", None), ("theme", None), ("enabled", off)]
    )
    assert not any(f.error.isVisible() for f in window.fields.values())


def test_a_font_size_left_empty_is_the_systems(window: SettingsWindow, settings: Settings) -> None:
    assert text(window, "font_size").text() == ""
    settings.set("font_size", 12)
    text(window, "font_size").clear()
    assert window.apply()
    assert settings.get("font_size") == 0


def test_each_provider_says_whether_it_works_and_has_credentials(window: SettingsWindow) -> None:
    rows = [window.list.item(i).text().split("\n") for i in range(window.list.count())]
    assert rows == [
        ["Groq", "works · needs credentials"],
        ["LM Studio (local)", "on this machine · works"],
        ["OpenAI", "works · credentials stored"],
    ]
    assert all(
        window.list.item(i).checkState() == Qt.CheckState.Checked
        for i in range(window.list.count())
    )


def test_a_password_pasted_into_the_proxy_goes_to_its_hidden_field(
    qtbot: QtBot, window: SettingsWindow, settings: Settings
) -> None:
    window.tabs.setCurrentIndex(1)
    proxy = text(window, "proxy")
    proxy.setFocus()
    qtbot.keyClicks(proxy, "http://alice:s3cret@127.0.0.1:3128")
    assert proxy.text() == "http://alice@127.0.0.1:3128"
    assert window.proxy_password.text() == "s3cret"
    assert window.apply()
    assert settings.get("proxy") == "http://alice@127.0.0.1:3128"
    assert window.secret_writes == {"proxy/password@http://alice@127.0.0.1:3128": "s3cret"}


def test_a_proxy_password_needs_a_user_in_the_url(window: SettingsWindow) -> None:
    text(window, "proxy").setText("http://127.0.0.1:3128")
    window.proxy_password.set_text("s3cret")
    assert not window.apply()
    assert window.fields["proxy"].error.text().startswith("Give the user name in the proxy URL")
    assert "s3cret" not in window.fields["proxy"].error.text()


def test_the_default_models_are_the_default_providers(window: SettingsWindow) -> None:
    provider = window.fields["default_provider"].editor
    model = window.fields["default_model"].editor
    assert isinstance(provider, QComboBox)
    assert isinstance(model, QComboBox)
    assert provider.itemText(0) == "The one last used"
    provider.setCurrentIndex(provider.findData("Groq"))
    assert model.count() == len(GROQ.get_models())
    assert model.currentText() == ""  # its last one, until one is picked
    model.setEditText("llama-3.3-70b-versatile")
    assert window.apply()
    assert window.settings.get("default_provider") == "Groq"
    assert window.settings.get("default_model") == "llama-3.3-70b-versatile"


def test_the_data_folder_is_shown_with_a_button_to_open_it(
    qtbot: QtBot, window: SettingsWindow
) -> None:
    labels = [label.text() for label in window.findChildren(QLabel)]
    assert "/data/parley" in labels
    with qtbot.waitSignal(window.open_folder_requested):
        window.open_folder.click()


def test_a_global_proxy_replaced_forgets_its_password_unless_a_provider_uses_it(
    qtbot: QtBot, settings: Settings
) -> None:
    settings.set("proxy", "http://alice@127.0.0.1:3128")
    settings.set_provider("Groq", "proxy", "http://alice@127.0.0.1:3128")
    shown = SettingsWindow(settings, [OPENAI, GROQ], {}, proxy_stored=True)
    qtbot.addWidget(shown)
    text(shown, "proxy").setText("http://bob@127.0.0.1:3129")
    assert shown.apply()
    assert shown.secret_writes == {}  # Groq still goes through alice's proxy
    settings.set_provider("Groq", "proxy", "")
    again = SettingsWindow(settings, [OPENAI, GROQ], {}, proxy_stored=True)
    qtbot.addWidget(again)
    text(again, "proxy").clear()
    assert again.apply()
    assert again.secret_writes == {"proxy/password@http://bob@127.0.0.1:3129": None}
