"""A dialog to add your own OpenAI-compatible endpoint: name, base URL, key, extra headers."""

from __future__ import annotations

import re

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from chat.credentials import credential_name, header_secret_name
from chat.endpoints import Endpoint, checked_name, parse
from chat.settings import SettingsError

ERROR_STYLE = "QLabel { color: #a1262d; }"
INTRO = (
    "An endpoint is any server that speaks the OpenAI chat API: vLLM, LiteLLM, a company "
    "gateway. It joins the provider list under its name. The key and the values of secret "
    "headers go to the OS keyring; the rest is kept in the settings file."
)
SECRET_ROLE = Qt.ItemDataRole.UserRole
"""On a header's value cell: True while the value is a secret (masked, typed as a password)."""
MASK = "\N{BULLET}" * 8
SECRET_LOOKING = re.compile(r"auth|key|token|secret|passw|cookie|session", re.IGNORECASE)
"""Header names whose value is most likely a credential: Secret is ticked for them."""


class SecretValues(QStyledItemDelegate):
    """Shows a secret header's value as bullets and edits it as a password."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        if index.data(SECRET_ROLE) and option.text:  # type: ignore[attr-defined]
            option.text = MASK  # type: ignore[attr-defined]

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        editor = super().createEditor(parent, option, index)
        if index.data(SECRET_ROLE) and isinstance(editor, QLineEdit):
            editor.setEchoMode(QLineEdit.EchoMode.Password)
        return editor


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
        self.headers = QTableWidget(0, 3, self)
        self.headers.setHorizontalHeaderLabels(["Header", "Value", "Secret"])
        self.headers.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.headers.verticalHeader().hide()
        self.headers.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.headers.setMinimumHeight(120)
        self.headers.setItemDelegateForColumn(1, SecretValues(self.headers))
        self.headers.itemChanged.connect(self.on_header_changed)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        intro = QLabel(INTRO, self)
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(QLabel("Extra &headers (optional)", self, buddy=self.headers))
        layout.addWidget(self.headers)
        layout.addLayout(self._row_buttons())
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

    def _row_buttons(self) -> QHBoxLayout:
        add = QPushButton("&Add header", self)
        remove = QPushButton("&Remove header", self)
        add.clicked.connect(self.on_add_clicked)
        remove.clicked.connect(self.on_remove_clicked)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        return row

    def add_header(self, name: str = "", value: str = "", secret: bool = False) -> None:
        row = self.headers.rowCount()
        self.headers.insertRow(row)
        self.headers.setItem(row, 0, QTableWidgetItem(name))
        value_item = QTableWidgetItem(value)
        value_item.setData(SECRET_ROLE, secret)
        self.headers.setItem(row, 1, value_item)
        box = QCheckBox(self.headers)
        box.setChecked(secret)
        box.setToolTip("Keep the value in the keyring, not in the settings file, and hide it")
        box.toggled.connect(lambda checked: value_item.setData(SECRET_ROLE, checked))
        self.headers.setCellWidget(row, 2, box)

    def on_header_changed(self, item: QTableWidgetItem) -> None:
        """A header named like a credential (``Authorization``, ``X-Api-Key``) is made secret
        as soon as it is named; the user may untick it."""
        if item.column() != 0 or not SECRET_LOOKING.search(item.text()):
            return
        box = self.headers.cellWidget(item.row(), 2)
        value = self.headers.item(item.row(), 1)
        if isinstance(box, QCheckBox) and not (value and value.text()):
            box.setChecked(True)

    def on_add_clicked(self) -> None:
        self.add_header()
        self.headers.editItem(self.headers.item(self.headers.rowCount() - 1, 0))

    def on_remove_clicked(self) -> None:
        for index in sorted({i.row() for i in self.headers.selectedIndexes()}, reverse=True):
            self.headers.removeRow(index)

    def _rows(self) -> list[tuple[str, str, bool]]:
        rows = []
        for row in range(self.headers.rowCount()):
            name = (self.headers.item(row, 0) or QTableWidgetItem()).text().strip()
            value = (self.headers.item(row, 1) or QTableWidgetItem()).text().strip()
            box = self.headers.cellWidget(row, 2)
            if name or value:
                rows.append((name, value, isinstance(box, QCheckBox) and box.isChecked()))
        return rows

    def accept(self) -> None:
        rows = self._rows()
        plain = {name: value for name, value, secret in rows if not secret}
        hidden = {name: value for name, value, secret in rows if secret}
        try:
            name = checked_name(self.name.text(), self._taken)
            raw = Endpoint(name, self.base_url.text(), plain, tuple(hidden)).to_json()
            endpoint = parse(name, raw)
        except SettingsError as error:
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
