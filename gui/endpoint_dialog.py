"""A dialog to add your own OpenAI-compatible endpoint: name, base URL, key, extra headers."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from chat.credentials import credential_name, header_secret_name
from chat.endpoints import Endpoint, checked_name, parse
from chat.settings import SettingsError

from .header_table import HeaderTable
from .setting_fields import error_style

INTRO = (
    "An endpoint is any server that speaks the OpenAI chat API: vLLM, LiteLLM, a company "
    "gateway. It joins the provider list under its name. The key and the values of secret "
    "headers go to the OS keyring; the rest is kept in the settings file."
)


class EndpointDialog(QDialog):
    """Collects one endpoint. On Save, ``endpoint`` holds it and ``secret_writes`` (keyring
    name → value) what the window stores off the GUI thread; a bad value is refused in place."""

    def __init__(
        self, taken: list[str], parent: QWidget | None = None, *, editing: Endpoint | None = None
    ) -> None:
        super().__init__(parent)
        self.editing = editing
        """The endpoint edited (None: a new one is added)."""
        self.setWindowTitle("Edit the endpoint" if editing else "Add an endpoint")
        self.setMinimumWidth(560)
        self._taken = taken
        self.endpoint: Endpoint | None = None
        self.secret_writes: dict[str, str | None] = {}
        self.name = QLineEdit(self)
        self.name.setPlaceholderText("My vLLM")
        self.base_url = QLineEdit(self)
        self.base_url.setPlaceholderText("http://127.0.0.1:8000/v1")
        self.key = QLineEdit(self)
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("none (a server that needs no key)")
        form = QFormLayout()
        form.addRow("&Name", self.name)
        form.addRow("&Base URL", self.base_url)
        form.addRow("API &key", self.key)
        self.headers = HeaderTable(self)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.hide()
        intro = QLabel(INTRO, self)
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(QLabel("Extra &headers (optional)", self, buddy=self.headers))
        layout.addWidget(self.headers)
        layout.addLayout(self.headers.buttons(self))
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if editing is not None:
            self._fill(editing)

    def _fill(self, endpoint: Endpoint) -> None:
        """Show ``endpoint`` as kept; secret values are never shown (empty keeps them)."""
        self.name.setText(endpoint.name)
        self.base_url.setText(endpoint.base_url)
        self.key.setPlaceholderText("kept as stored — type a new key to replace it")
        for name, value in endpoint.headers.items():
            self.add_header(name, value)
        for name in endpoint.secret_headers:
            self.add_header(name, "", secret=True)
        note = QLabel(
            "Secret values are kept as stored when left empty. A key stored for one address "
            "is never sent to another: after changing the base URL's host, type it again.",
            self,
        )
        note.setWordWrap(True)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(1, note)

    def add_header(self, name: str = "", value: str = "", secret: bool = False) -> None:
        self.headers.add_header(name, value, secret, stored=secret and self.editing is not None)

    def on_remove_clicked(self) -> None:
        self.headers.remove_selected()

    def accept(self) -> None:
        rows = self.headers.rows()
        plain = {name: value for name, value, secret in rows if not secret}
        hidden = {name: value for name, value, secret in rows if secret}
        try:
            name = checked_name(self.name.text(), self._taken)
            raw = Endpoint(name, self.base_url.text(), plain, tuple(hidden)).to_json()
            endpoint = parse(name, raw)
        except SettingsError as error:
            self.error.setStyleSheet(error_style(self))
            self.error.setText(str(error)[:1].upper() + str(error)[1:])
            self.error.show()
            return
        provider = endpoint.provider()
        writes: dict[str, str | None] = {}
        if self.key.text().strip():
            writes[credential_name(provider, "api_key")] = self.key.text().strip()
        for header, value in hidden.items():
            if value or self.editing is None:
                writes[header_secret_name(provider, header)] = value or None
        self.endpoint, self.secret_writes = endpoint, writes
        super().accept()
