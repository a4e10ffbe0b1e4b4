"""A provider's page of the Settings window as a person reads it: labels, mnemonics, where
secrets go, and what a stored secret offers."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QLineEdit, QPlainTextEdit
from pytestqt.qtbot import QtBot

from chat.settings import Settings
from gui.provider_settings import ProviderForm
from providers.legacy import as_provider
from providers.seeds.aichat import Aichat


@pytest.fixture
def dialog(qtbot: QtBot, tmp_path: Path) -> ProviderForm:
    dialog = ProviderForm(as_provider(Aichat), Settings.load(tmp_path / "settings.json"))
    qtbot.addWidget(dialog)
    return dialog


def test_every_credential_label_is_a_mnemonic_for_its_field(dialog: ProviderForm) -> None:
    labels = {label.text(): label for label in dialog.findChildren(QLabel)}
    assert labels["&Cookies"].buddy() is dialog.secrets["cookies"].editor
    assert labels["&Base URL"].buddy() is dialog.fields["base_url"]
    assert labels["Proxy pass&word"].buddy() is dialog.proxy_password.editor


def test_credentials_say_they_go_to_the_keyring_when_they_do(
    dialog: ProviderForm,
) -> None:
    (box,) = dialog.findChildren(QGroupBox)
    assert box.title() == "Credentials (kept in the OS keyring)"


@pytest.mark.parametrize(
    ("environ", "hint"),
    [
        ({}, "not set"),
        ({"OPENAI_API_KEY": "sk-env"}, "not stored — the key in $OPENAI_API_KEY is used"),
        ({"OPENAI_API_KEY": "  "}, "not set"),
    ],
)
def test_the_key_field_says_where_the_key_comes_from(
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    environ: dict[str, str],
    hint: str,
) -> None:
    from providers.presets import OPENAI

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    shown = ProviderForm(OPENAI, Settings.load(tmp_path / "settings.json"))
    qtbot.addWidget(shown)
    editor = shown.secrets["api_key"].editor
    assert isinstance(editor, QLineEdit)
    assert editor.placeholderText().startswith(hint)
    assert "sk-env" not in editor.placeholderText()
    moved = ProviderForm(
        OPENAI.with_base_url("http://127.0.0.1:1/v1"), Settings.load(tmp_path / "s2.json")
    )
    qtbot.addWidget(moved)
    moved_editor = moved.secrets["api_key"].editor
    assert isinstance(moved_editor, QLineEdit)
    assert moved_editor.placeholderText() == "not set"  # never sent elsewhere


def test_a_stored_key_is_never_shown_and_offers_replace_and_remove(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from providers.presets import OPENAI

    form = ProviderForm(OPENAI, Settings.load(tmp_path / "settings.json"), {"api_key": True})
    qtbot.addWidget(form)
    form.show()
    field = form.secrets["api_key"]
    assert field.state.isVisible()
    assert field.state.text() == "Stored"
    assert field.text() == ""  # never pre-filled with the stored value
    assert not field.editor.isVisible()
    assert field.change() is None  # applying keeps what is stored
    qtbot.mouseClick(field.replace_button, Qt.MouseButton.LeftButton)
    assert field.editor.isVisible()
    assert field.editor.echoMode() == QLineEdit.EchoMode.Password  # type: ignore[union-attr]
    qtbot.keyClicks(field.editor, "sk-new")
    assert field.change() == "sk-new"
    qtbot.mouseClick(field.keep_button, Qt.MouseButton.LeftButton)
    assert (field.change(), field.text()) == (None, "")
    qtbot.mouseClick(field.remove_button, Qt.MouseButton.LeftButton)
    assert field.state.text() == "Removed when you apply"
    assert field.change() == ""
    assert form.check()
    assert form.secret_writes == {"OpenAI/api_key@https://api.openai.com": None}


def har(*requests: tuple[str, dict[str, str]]) -> str:
    """A HAR file's text: the requests, each to a URL with its cookies."""
    import json

    entries = [
        {"request": {"url": url, "cookies": [{"name": k, "value": v} for k, v in jar.items()]}}
        for url, jar in requests
    ]
    return json.dumps({"log": {"version": "1.2", "entries": entries}})


def test_cookies_imported_from_a_har_file_are_the_sites_only(
    qtbot: QtBot, dialog: ProviderForm, tmp_path: Path
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
    field = dialog.secrets["cookies"].editor
    assert isinstance(field, QPlainTextEdit)
    assert field.toPlainText() == "Cookie: session=abc; cf_clearance=x1"
    assert dialog.import_button.isEnabled()
    assert dialog.error.isHidden()


def test_a_file_with_no_cookies_for_the_site_is_refused_in_place(
    qtbot: QtBot, dialog: ProviderForm, tmp_path: Path
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
    field = dialog.secrets["cookies"].editor
    assert isinstance(field, QPlainTextEdit)
    assert field.toPlainText() == ""
