"""The provider settings dialog as a person reads it: labels, mnemonics, where secrets go."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QGroupBox, QLabel, QPlainTextEdit
from pytestqt.qtbot import QtBot

from chat.settings import Settings
from gui.provider_settings import ProviderSettingsDialog
from providers.seeds.aichat import Aichat


@pytest.fixture
def dialog(qtbot: QtBot, tmp_path: Path) -> ProviderSettingsDialog:
    dialog = ProviderSettingsDialog(Aichat, Settings.load(tmp_path / "settings.json"))
    qtbot.addWidget(dialog)
    return dialog


def test_every_credential_label_is_a_mnemonic_for_its_field(dialog: ProviderSettingsDialog) -> None:
    labels = {label.text(): label for label in dialog.findChildren(QLabel)}
    assert labels["&Cookies"].buddy() is dialog.secret_fields["cookies"]
    assert labels["&Base URL"].buddy() is dialog.fields["base_url"]
    assert labels["Proxy pass&word"].buddy() is dialog.proxy_password


def test_credentials_say_they_go_to_the_keyring_when_they_do(
    dialog: ProviderSettingsDialog,
) -> None:
    (box,) = dialog.findChildren(QGroupBox)
    assert box.title() == "Credentials (kept in the OS keyring)"


@pytest.mark.parametrize(
    ("environ", "stored", "hint"),
    [
        ({}, False, "not set"),
        ({"OPENAI_API_KEY": "sk-env"}, False, "not stored — the key in $OPENAI_API_KEY is used"),
        ({"OPENAI_API_KEY": "sk-env"}, True, "stored — type to replace"),
        ({"OPENAI_API_KEY": "  "}, False, "not set"),
    ],
)
def test_the_key_field_says_where_the_key_comes_from(
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    environ: dict[str, str],
    stored: bool,
    hint: str,
) -> None:
    from providers.presets import OPENAI

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    shown = ProviderSettingsDialog(
        OPENAI, Settings.load(tmp_path / "settings.json"), {"api_key": stored}
    )
    qtbot.addWidget(shown)
    text = shown.secret_fields["api_key"].placeholderText()
    assert text.startswith(hint)
    assert "sk-env" not in text
    moved = ProviderSettingsDialog(
        OPENAI.with_base_url("http://127.0.0.1:1/v1"), Settings.load(tmp_path / "s2.json")
    )
    qtbot.addWidget(moved)
    assert moved.secret_fields["api_key"].placeholderText() == "not set"  # never sent elsewhere


def har(*requests: tuple[str, dict[str, str]]) -> str:
    """A HAR file's text: the requests, each to a URL with its cookies."""
    import json

    entries = [
        {"request": {"url": url, "cookies": [{"name": k, "value": v} for k, v in jar.items()]}}
        for url, jar in requests
    ]
    return json.dumps({"log": {"version": "1.2", "entries": entries}})


def test_cookies_imported_from_a_har_file_are_the_sites_only(
    qtbot: QtBot, dialog: ProviderSettingsDialog, tmp_path: Path
) -> None:
    path = tmp_path / "chat-gpt.org.har"
    path.write_text(
        har(
            ("https://chat-gpt.org/chat", {"session": "abc", "cf_clearance": "x1"}),
            ("https://tracker.example/pixel", {"other": "no"}),
        ),
        encoding="utf-8",
    )
    with qtbot.waitSignal(dialog.cookies_imported, timeout=5000):
        dialog.import_cookies(str(path))
    field = dialog.secret_fields["cookies"]
    assert isinstance(field, QPlainTextEdit)
    assert field.toPlainText() == "Cookie: session=abc; cf_clearance=x1"
    assert dialog.import_button.isEnabled()
    assert dialog.error.isHidden()


def test_a_file_with_no_cookies_for_the_site_is_refused_in_place(
    qtbot: QtBot, dialog: ProviderSettingsDialog, tmp_path: Path
) -> None:
    path = tmp_path / "other.har"
    path.write_text(har(("https://tracker.example/", {"other": "no"})), encoding="utf-8")
    dialog.show()
    with qtbot.waitSignal(dialog.cookies_imported, timeout=5000):
        dialog.import_cookies(str(path))
    assert dialog.error.isVisible()
    assert dialog.error.text() == (
        "Cookies: The JSON holds no cookies for chat-gpt.org. Copy them from a browser signed "
        "in to the site."
    )
    field = dialog.secret_fields["cookies"]
    assert isinstance(field, QPlainTextEdit)
    assert field.toPlainText() == ""
