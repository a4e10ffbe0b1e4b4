"""The Add-an-endpoint dialog: values checked in place, secrets handed to the window."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox
from pytestqt.qtbot import QtBot

from gui.endpoint_dialog import EndpointDialog


def dialog(qtbot: QtBot) -> EndpointDialog:
    shown = EndpointDialog(["OpenAI", "Ollama"])
    qtbot.addWidget(shown)
    return shown


def test_an_endpoint_with_its_key_and_headers_is_collected(qtbot: QtBot) -> None:
    shown = dialog(qtbot)
    shown.name.setText("  Team   gateway ")
    shown.base_url.setText("https://gw.example.com/v1/")
    shown.key.setText("sk-team")
    shown.add_header("X-Team", "blue")
    shown.add_header("X-Gateway-Key", "g-secret", secret=True)
    shown.accept()
    assert shown.result() == EndpointDialog.DialogCode.Accepted
    assert shown.endpoint is not None
    assert shown.endpoint.to_json() == {
        "base_url": "https://gw.example.com/v1",
        "headers": {"X-Team": "blue"},
        "secret_headers": ["X-Gateway-Key"],
    }
    assert shown.endpoint.name == "Team gateway"
    assert shown.secret_writes == {
        "Team gateway/api_key@https://gw.example.com": "sk-team",
        "Team gateway/header:x-gateway-key@https://gw.example.com": "g-secret",
    }


def test_a_bad_value_is_refused_in_place(qtbot: QtBot) -> None:
    shown = dialog(qtbot)
    shown.show()
    shown.name.setText("Mine")
    shown.base_url.setText("ftp://nowhere")
    shown.accept()
    assert shown.isVisible()
    assert shown.error.isVisible()
    assert "is not an http:// or https:// URL" in shown.error.text()
    assert shown.endpoint is None


def test_a_name_already_taken_is_refused(qtbot: QtBot) -> None:
    shown = dialog(qtbot)
    shown.show()
    shown.name.setText("ollama")
    shown.base_url.setText("http://127.0.0.1:1/v1")
    shown.accept()
    assert "already the name of a provider" in shown.error.text()


def test_header_rows_can_be_removed(qtbot: QtBot) -> None:
    shown = dialog(qtbot)
    shown.add_header("X-A", "1")
    shown.add_header("X-B", "2", secret=True)
    shown.headers.selectRow(0)
    shown.on_remove_clicked()
    assert shown.headers.rowCount() == 1
    assert shown.headers.item(0, 0).text() == "X-B"
    box = shown.headers.cellWidget(0, 2)
    assert isinstance(box, QCheckBox)
    assert box.isChecked()
