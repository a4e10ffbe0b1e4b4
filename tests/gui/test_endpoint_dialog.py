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


def shown_text(shown: EndpointDialog, row: int) -> str:
    from PySide6.QtWidgets import QStyleOptionViewItem

    option = QStyleOptionViewItem()
    index = shown.headers.model().index(row, 1)
    shown.headers.itemDelegateForColumn(1).initStyleOption(option, index)  # type: ignore[attr-defined]
    return str(option.text)  # type: ignore[attr-defined]


def test_a_secret_headers_value_is_masked_on_screen_and_typed_as_a_password(
    qtbot: QtBot,
) -> None:
    from PySide6.QtWidgets import QLineEdit

    from gui.header_table import MASK

    shown = dialog(qtbot)
    shown.show()
    shown.add_header("X-Team", "blue")
    shown.add_header("X-Gateway-Key", "g-secret", secret=True)
    assert shown_text(shown, 0) == "blue"
    assert shown_text(shown, 1) == MASK
    shown.headers.editItem(shown.headers.item(1, 1))
    editors = shown.headers.viewport().findChildren(QLineEdit)
    assert [e.echoMode() for e in editors] == [QLineEdit.EchoMode.Password]
    box = shown.headers.cellWidget(1, 2)
    assert isinstance(box, QCheckBox)
    box.setChecked(False)  # no longer a secret: shown as typed
    assert shown_text(shown, 1) == "g-secret"


def test_a_header_named_like_a_credential_is_made_secret_when_named(qtbot: QtBot) -> None:
    shown = dialog(qtbot)
    shown.add_header()
    shown.add_header()
    shown.headers.item(0, 0).setText("Authorization")
    shown.headers.item(1, 0).setText("X-Team")
    boxes = [shown.headers.cellWidget(row, 2) for row in (0, 1)]
    assert [isinstance(b, QCheckBox) and b.isChecked() for b in boxes] == [True, False]
