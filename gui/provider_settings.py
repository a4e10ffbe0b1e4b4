"""A dialog for one provider: its base URL and proxy, and the credentials it needs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat.credentials import credential_name, environment_key_name, proxy_secret_name
from chat.secrets import encode_cookies
from chat.settings import PER_PROVIDER, Settings, SettingsError, split_proxy_password

if TYPE_CHECKING:
    from providers.contract import Provider

FIELDS = ("base_url", "proxy")
PROXY_PASSWORD = "proxy_password"
"""The key of ``stored`` that says a password is kept for the provider's proxy."""
LABELS = {"base_url": "&Base URL", "proxy": "&Proxy"}
SECRET_LABELS = {"api_key": "API &key", "access_token": "Access &token", "cookies": "&Cookies"}
COOKIE_HELP = (
    "Paste the site's cookies: a Cookie header (a=1; b=2), a Netscape cookies.txt, a "
    "browser-extension JSON export, or a HAR file's text; or read a file with Import…. They "
    "go to the OS keyring only."
)
ERROR_STYLE = "QLabel { color: #a1262d; }"


class ProviderSettingsDialog(QDialog):
    """Edits ``settings`` for ``provider`` and collects credential changes.

    Every value is checked before the dialog closes; a bad one is refused in place with its
    message. Secrets are not written here: ``secret_writes`` (keyring name → new value, or
    None to forget it) is for the window to store, off the GUI thread. A password in the proxy
    URL is one of them: the settings keep the URL without it.
    """

    cookies_imported = Signal(str, str)
    """(a Cookie header, or "" and why not): a file's cookies, read off the window's thread."""

    def __init__(
        self,
        provider: Provider,
        settings: Settings,
        stored: dict[str, bool] | None = None,
        parent: QWidget | None = None,
        *,
        persistent: bool = True,
    ) -> None:
        super().__init__(parent)
        self.cookies_imported.connect(self.on_cookies_imported)
        self.persistent = persistent
        """The secret store keeps credentials in the OS keyring (else for this session only)."""
        self.provider = provider
        self.settings = settings
        self.stored = stored or {}
        self.secret_writes: dict[str, str | None] = {}
        self.setWindowTitle(f"{provider.get_label()} settings")
        self.setMinimumWidth(520)
        self.fields: dict[str, QLineEdit] = {}
        self.secret_fields: dict[str, QLineEdit | QPlainTextEdit] = {}
        self.forget: dict[str, QCheckBox] = {}
        form = QFormLayout()
        for name in FIELDS:
            form.addRow(LABELS[name], self._field(name))
        row = self._proxy_password_row()
        label = QLabel("Proxy pass&word", self)
        label.setBuddy(self.proxy_password)  # a row that is a layout gets no buddy: "&" would show
        form.addRow(label, row)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        layout = QVBoxLayout(self)
        intro = QLabel(self._intro(), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(form)
        if provider.credential_kinds:
            layout.addWidget(self._credentials_box())
        layout.addWidget(self.error)
        layout.addWidget(self._buttons())

    def _intro(self) -> str:
        state = "" if self.provider.working else " It is marked as not working."
        return f"{self.provider.get_label()} normally talks to {self.provider.url}.{state}"

    def _buttons(self) -> QDialogButtonBox:
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
        return buttons

    def _field(self, name: str) -> QLineEdit:
        field = QLineEdit(str(self.settings.provider(self.provider.get_name(), name)), self)
        field.setToolTip(PER_PROVIDER[name].description)
        field.setClearButtonEnabled(True)
        if name == "base_url":
            field.setPlaceholderText(self.provider.url)
        else:
            global_proxy = str(self.settings.get("proxy"))
            field.setPlaceholderText(global_proxy or "none (e.g. http://user@127.0.0.1:3128)")
        self.fields[name] = field
        return field

    def _proxy_password_row(self) -> QHBoxLayout:
        """The proxy's password, typed hidden; it goes to the keyring, never the settings."""
        stored = self.stored.get(PROXY_PASSWORD, False)
        self.proxy_password = QLineEdit(self)
        self.proxy_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.proxy_password.setPlaceholderText(
            "stored — type to replace" if stored else "none (for a proxy URL that names a user)"
        )
        self.forget_proxy_password = QCheckBox("Forget", self)
        self.forget_proxy_password.setEnabled(stored)
        self.fields["proxy"].textEdited.connect(self.on_proxy_text_edited)
        row = QHBoxLayout()
        row.addWidget(self.proxy_password, 1)
        row.addWidget(self.forget_proxy_password)
        return row

    def on_proxy_text_edited(self, text: str) -> None:
        """A password typed or pasted into the proxy URL moves to the hidden field at once."""
        url, password = split_proxy_password(text.strip())
        if password is not None:
            self.fields["proxy"].setText(url)
            self.proxy_password.setText(password)

    def _credentials_box(self) -> QGroupBox:
        where = "kept in the OS keyring" if self.persistent else "kept for this session only"
        box = QGroupBox(f"Credentials ({where})", self)
        form = QFormLayout(box)
        for kind in self.provider.credential_kinds:
            field: QLineEdit | QPlainTextEdit
            if kind == "cookies":
                field = QPlainTextEdit(box)
                field.setToolTip(COOKIE_HELP)
                field.setFixedHeight(field.fontMetrics().lineSpacing() * 4 + 12)
            else:
                field = QLineEdit(box)
                field.setEchoMode(QLineEdit.EchoMode.Password)
            stored = self.stored.get(kind, False)
            field.setPlaceholderText(
                "stored — type to replace" if stored else self._unset_hint(kind)
            )
            forget = QCheckBox("Forget", box)
            forget.setEnabled(stored)
            row = QHBoxLayout()
            row.addWidget(field, 1)
            if kind == "cookies":
                row.addWidget(self._import_button(box))
            row.addWidget(forget)
            label = QLabel(SECRET_LABELS[kind], box)
            label.setBuddy(field)  # a row that is a layout gets no buddy: "&" would show
            form.addRow(label, row)
            self.secret_fields[kind] = field
            self.forget[kind] = forget
        return box

    def _import_button(self, parent: QWidget) -> QPushButton:
        button = QPushButton("&Import…", parent)
        button.setToolTip(
            "Read the cookies from a file: a cookies.txt, a browser extension's JSON export "
            "or a HAR file"
        )
        button.clicked.connect(self.on_import_clicked)
        self.import_button = button
        return button

    def on_import_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Import cookies",
            "",
            "Cookies (*.txt *.json *.har);;All files (*)",
        )
        if path:
            self.import_cookies(path)

    def import_cookies(self, path: str) -> None:
        """Read the cookies in the file at ``path`` on a thread of its own (a HAR file can be
        large); ``cookies_imported`` fills the field with them, or says why not."""
        import threading

        from providers.cookies import CookieFormatError, parse_cookies

        base = self.fields["base_url"].text().strip() or self.provider.url
        host = urlsplit(base).hostname

        def read() -> None:
            try:
                cookies = parse_cookies(Path(path), domain=host)
            except CookieFormatError as error:
                self.cookies_imported.emit("", f"Cookies: {error}")
                return
            header = "; ".join(f"{name}={value}" for name, value in cookies.items())
            self.cookies_imported.emit(f"Cookie: {header}", "")

        self.import_button.setEnabled(False)
        threading.Thread(target=read, name="Parley cookies", daemon=True).start()

    def on_cookies_imported(self, text: str, problem: str) -> None:
        self.import_button.setEnabled(True)
        if problem:
            self.error.setText(problem)
            self.error.show()
            return
        field = self.secret_fields["cookies"]
        assert isinstance(field, QPlainTextEdit)
        field.setPlainText(text)
        self.error.hide()

    def on_restore_clicked(self) -> None:
        for field in self.fields.values():
            field.clear()

    def accept(self) -> None:
        """Store the settings and collect the secrets when all values are valid."""
        values = {key: field.text().strip() for key, field in self.fields.items()}
        values["proxy"], inline_password = split_proxy_password(values["proxy"])
        try:
            for key, value in values.items():
                PER_PROVIDER[key].coerce(value)
            writes = self._secret_writes()
            writes.update(self._proxy_password_writes(values["proxy"], inline_password))
        except (SettingsError, ValueError) as error:
            self._refuse(error)
            return
        if inline_password is not None:
            self.fields["proxy"].setText(values["proxy"])
        for key, value in values.items():
            self.settings.set_provider(self.provider.get_name(), key, value)
        self.secret_writes = writes
        super().accept()

    def _proxy_password_writes(self, proxy: str, inline: str | None) -> dict[str, str | None]:
        """The proxy password to keep or forget. A password of a proxy this provider no
        longer uses is forgotten, unless another provider (or the global proxy) still uses it."""
        writes: dict[str, str | None] = {}
        password = inline if inline is not None else self.proxy_password.text()
        old = str(self.settings.provider(self.provider.get_name(), "proxy"))
        if old and old != proxy and urlsplit(old).username and not self._shared(old):
            writes[proxy_secret_name(old)] = None
        if password:
            if not proxy or not urlsplit(proxy).username:
                raise ValueError(
                    "Proxy password: give the user name in the proxy URL too, "
                    "as http://user@host:port."
                )
            writes[proxy_secret_name(proxy)] = password
        elif proxy and self.forget_proxy_password.isChecked():
            writes[proxy_secret_name(proxy)] = None
        return writes

    def _shared(self, proxy: str) -> bool:
        """Does a setting other than this provider's own name ``proxy``?"""
        snapshot = self.settings.snapshot()
        others = [
            values.get("proxy")
            for name, values in snapshot["providers"].items()
            if name != self.provider.get_name() and isinstance(values, dict)
        ]
        return proxy in (*others, snapshot["settings"].get("proxy"))

    def _refuse(self, error: Exception) -> None:
        text = str(error)
        for key, label in LABELS.items():
            if isinstance(error, SettingsError) and text.startswith(key + ": "):
                text = f"{label.replace('&', '')}: {text.removeprefix(key + ': ')}"
        self.error.setText(text)
        self.error.show()

    def _secret_writes(self) -> dict[str, str | None]:
        """Keyring name → new value (None: forget it) for the credentials the user changed."""
        writes: dict[str, str | None] = {}
        for kind, field in self.secret_fields.items():
            text = field.text() if isinstance(field, QLineEdit) else field.toPlainText()
            name = credential_name(self.provider, kind, self.scope())
            if text.strip():
                writes[name] = self._secret_value(kind, text.strip())
            elif self.forget[kind].isChecked():
                writes[name] = None
        return writes

    def _secret_value(self, kind: str, text: str) -> str:
        if kind != "cookies":
            return text
        from providers.cookies import parse_cookies

        base = self.fields["base_url"].text().strip() or self.provider.url
        try:
            return encode_cookies(parse_cookies(text, domain=urlsplit(base).hostname))
        except ValueError as error:
            raise ValueError(f"Cookies: {error}") from error

    def scope(self) -> str:
        """The site the credentials belong to: the origin of the base URL being saved."""
        base = self.fields["base_url"].text().strip() or self.provider.url
        parts = urlsplit(base)
        return f"{parts.scheme}://{parts.netloc}"

    def _unset_hint(self, kind: str) -> str:
        if kind == "cookies":
            return "not set — paste them here (see the tooltip)"
        if kind == "api_key" and (variable := environment_key_name(self.provider)):
            return f"not stored — the key in ${variable} is used; type one to store it"
        return "not set"
