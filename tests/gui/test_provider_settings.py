"""The provider settings dialog as a person reads it: labels, mnemonics, where secrets go."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QGroupBox, QLabel
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
