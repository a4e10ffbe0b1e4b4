"""A small dialog for one provider's own settings: its base URL and proxy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from chat.settings import PER_PROVIDER, Settings, SettingsError

if TYPE_CHECKING:
    from providers.base import BaseProvider

FIELDS = ("base_url", "proxy")
LABELS = {"base_url": "&Base URL", "proxy": "&Proxy"}
ERROR_STYLE = "QLabel { color: #a1262d; }"


class ProviderSettingsDialog(QDialog):
    """Edits ``settings`` for ``provider``; a value is checked by the settings table and
    refused in place, with its message, before the dialog closes."""

    def __init__(
        self, provider: type[BaseProvider], settings: Settings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.provider = provider
        self.settings = settings
        self.setWindowTitle(f"{provider.get_label()} settings")
        self.setMinimumWidth(480)
        self.fields: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for name in FIELDS:
            form.addRow(LABELS[name], self._field(name))
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults,
            parent=self,
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        restore = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        restore.clicked.connect(self.on_restore_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self._intro(), self))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _intro(self) -> str:
        state = "" if self.provider.working else " It is marked as not working."
        return f"{self.provider.get_label()} normally talks to {self.provider.url}.{state}"

    def _field(self, name: str) -> QLineEdit:
        field = QLineEdit(str(self.settings.provider(self.provider.get_name(), name)), self)
        field.setToolTip(PER_PROVIDER[name].description)
        field.setClearButtonEnabled(True)
        if name == "base_url":
            field.setPlaceholderText(self.provider.url)
        else:
            global_proxy = str(self.settings.get("proxy"))
            field.setPlaceholderText(global_proxy or "none (e.g. http://127.0.0.1:3128)")
        self.fields[name] = field
        return field

    def on_restore_clicked(self) -> None:
        for field in self.fields.values():
            field.clear()

    def accept(self) -> None:
        """Store the values when every one is valid; otherwise say which is not."""
        name = self.provider.get_name()
        try:
            for key, field in self.fields.items():
                PER_PROVIDER[key].coerce(field.text())
        except SettingsError as error:
            label = LABELS[key].replace("&", "")
            self.error.setText(f"{label}: {str(error).removeprefix(key + ': ')}")
            self.error.show()
            return
        for key, field in self.fields.items():
            self.settings.set_provider(name, key, field.text())
        super().accept()
