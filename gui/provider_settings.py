"""The Settings window's page for one provider: its base URL and proxy, the credentials it
needs, and a test of the connection."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat.credentials import (
    credential_name,
    environment_key_name,
    header_secret_name,
    proxy_password_writes,
    proxy_secret_name,
    proxy_used_elsewhere,
)
from chat.extra_headers import ExtraHeaders, extra_headers, set_extra_headers
from chat.extra_headers import checked as checked_headers
from chat.secrets import encode_cookies
from chat.settings import PER_PROVIDER, Settings, SettingsError, split_proxy_password

from .header_table import HeaderTable
from .secret_field import SecretField
from .setting_fields import error_style

if TYPE_CHECKING:
    from providers.contract import Provider

FIELDS = ("base_url", "proxy")
PROXY_PASSWORD = "proxy_password"
"""The key of ``stored`` that says a password is kept for the provider's proxy."""
SECRET_LABELS = {"api_key": "API &key", "access_token": "Access &token", "cookies": "&Cookies"}
COOKIE_HELP = (
    "Paste the site's cookies: a Cookie header (a=1; b=2), a Netscape cookies.txt, a "
    "browser-extension JSON export, or a HAR file's text; or read a file with Import…. They "
    "go to the OS keyring only."
)


class ProviderForm(QWidget):
    """The Settings window's page for one provider: its base URL and proxy, and the
    credentials it needs.

    ``apply`` checks every value; a bad one is refused in place with its reason and the
    form is kept as typed. Secrets are not written here: ``secret_writes`` (keyring name →
    new value, or None to forget it) is for the window to store, off the GUI thread. A
    password in the proxy URL is one of them: the settings keep the URL without it.
    """

    cookies_imported = Signal(str, str)
    """(a Cookie header, or "" and why not): a file's cookies, read off the window's thread."""
    test_requested = Signal()
    """"Test connection" was clicked: the window tests the provider as the form has it."""

    def __init__(
        self,
        provider: Provider,
        settings: Settings,
        stored: dict[str, bool] | None = None,
        parent: QWidget | None = None,
        *,
        persistent: bool = True,
        headers: bool = False,
    ) -> None:
        super().__init__(parent)
        self.cookies_imported.connect(self.on_cookies_imported)
        self.headers: HeaderTable | None = None
        """The extra headers (for an API provider that is not the user's endpoint)."""
        self.extra = ExtraHeaders()
        """The extra headers ``check`` found valid, for ``apply`` to keep."""
        self.persistent = persistent
        """The secret store keeps credentials in the OS keyring (else for this session only)."""
        self.provider = provider
        self.settings = settings
        self.stored = stored or {}
        self.secret_writes: dict[str, str | None] = {}
        self.values: dict[str, str] = {}
        """The valid values ``check`` found, for ``apply`` to keep."""
        self.fields: dict[str, QLineEdit] = {}
        self.secrets: dict[str, SecretField] = {}
        form = QFormLayout()
        for name in FIELDS:
            form.addRow(PER_PROVIDER[name].label, self._field(name))
        label = QLabel("Proxy pass&word", self)
        self.proxy_password = self._proxy_password_field()
        label.setBuddy(self.proxy_password.editor)
        form.addRow(label, self.proxy_password)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        intro = QLabel(self._intro(), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(form)
        if provider.credential_kinds:
            layout.addWidget(self._credentials_box())
        layout.addWidget(self.error)
        layout.addLayout(self._test_row())
        if headers and provider.sends_headers:
            layout.addWidget(self._headers_box())
        layout.addStretch(1)

    def _intro(self) -> str:
        state = "" if self.provider.working else " It is marked as not working."
        return f"{self.provider.get_label()} normally talks to {self.provider.url}.{state}"

    def _test_row(self) -> QVBoxLayout:
        self.test_button = QPushButton("&Test connection", self)
        tip = "its model list" if self.provider.lists_models else "a one-word reply"
        self.test_button.setToolTip(f"Ask {self.provider.get_label()} for {tip}, as set here")
        self.test_button.clicked.connect(self.test_requested)
        restore = QPushButton("Restore &defaults", self)
        restore.setToolTip("Empty the base URL and proxy: the provider's own address, directly")
        restore.clicked.connect(self.on_restore_clicked)
        self.test_result = QLabel(self)
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_result.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        buttons.addWidget(restore)
        buttons.addStretch(1)
        column = QVBoxLayout()
        column.addLayout(buttons)
        column.addWidget(self.test_result)
        return column

    def show_test_result(self, text: str, *, failed: bool) -> None:
        """Say, under the button, what the test found."""
        self.test_button.setEnabled(True)
        self.test_result.setStyleSheet(error_style(self) if failed else "")
        self.test_result.setText(text)
        self.test_result.show()

    def testing(self) -> None:
        self.test_button.setEnabled(False)
        self.test_result.setStyleSheet("")
        self.test_result.setText(f"Asking {self.provider.get_label()}…")
        self.test_result.show()

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

    def _proxy_password_field(self) -> SecretField:
        """The proxy's password, typed hidden; it goes to the keyring, never the settings."""
        field = SecretField(
            self,
            stored=self.stored.get(PROXY_PASSWORD, False),
            hint="none (for a proxy URL that names a user)",
        )
        self.fields["proxy"].textEdited.connect(self.on_proxy_text_edited)
        return field

    def on_proxy_text_edited(self, text: str) -> None:
        """A password typed or pasted into the proxy URL moves to the hidden field at once."""
        url, password = split_proxy_password(text.strip())
        if password is not None:
            self.fields["proxy"].setText(url)
            self.proxy_password.set_text(password)

    def _credentials_box(self) -> QGroupBox:
        where = "kept in the OS keyring" if self.persistent else "kept for this session only"
        box = QGroupBox(f"Credentials ({where})", self)
        form = QFormLayout(box)
        for kind in self.provider.credential_kinds:
            field = SecretField(
                box,
                stored=self.stored.get(kind, False),
                hint=self._unset_hint(kind),
                multiline=kind == "cookies",
            )
            if kind == "cookies":
                field.editor.setToolTip(COOKIE_HELP)
                field.add_button(self._import_button(field))
            label = QLabel(SECRET_LABELS[kind], box)
            label.setBuddy(field.editor)
            form.addRow(label, field)
            self.secrets[kind] = field
        return box

    def _headers_box(self) -> QGroupBox:
        box = QGroupBox("Extra headers (sent with every request)", self)
        self.headers = HeaderTable(box)
        self.headers.setToolTip(
            "Headers a gateway or the service wants besides the key; tick Secret for one whose "
            "value must stay private: it goes to the keyring"
        )
        kept = extra_headers(self.settings, self.provider.name)
        for name, value in kept.headers.items():
            self.headers.add_header(name, value)
        for name in kept.secret_headers:
            stored = self.stored.get(f"header:{name.lower()}", False)
            self.headers.add_header(name, "", True, stored=stored)
        self._kept_secret_headers = kept.secret_headers
        column = QVBoxLayout(box)
        column.addWidget(self.headers)
        column.addLayout(self.headers.buttons(box))
        return box

    def _header_writes(self) -> dict[str, str | None]:
        """The extra headers checked into ``extra``; keyring name → value for the secret ones
        typed, None for a secret one taken out. Raises ``SettingsError``."""
        if self.headers is None:
            return {}
        rows = self.headers.rows()
        plain = {name: value for name, value, secret in rows if not secret}
        self.extra = checked_headers(plain, [name for name, _, secret in rows if secret])
        writes: dict[str, str | None] = {}
        for name, value, secret in rows:
            if secret and value:
                writes[header_secret_name(self.provider, name, self.scope())] = value
        kept = {name.lower() for name in self.extra.secret_headers}
        for name in self._kept_secret_headers:
            if name.lower() not in kept:
                writes[header_secret_name(self.provider, name, self.scope())] = None
        return writes

    def typed_headers(self) -> dict[str, str]:
        """The extra headers as the form has them (secret values typed, not yet stored)."""
        if self.headers is None:
            return {}
        return {name: value for name, value, _ in self.headers.rows() if value}

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
            self.error.setStyleSheet(error_style(self))
            self.error.setText(problem)
            self.error.show()
            return
        self.secrets["cookies"].set_text(text)
        self.error.hide()

    def on_restore_clicked(self) -> None:
        for field in self.fields.values():
            field.clear()

    def check(self) -> bool:
        """Are all values valid? A bad one is refused in place (the form is kept); with all
        valid, ``values`` and ``secret_writes`` hold what ``apply`` keeps."""
        values = {key: field.text().strip() for key, field in self.fields.items()}
        values["proxy"], inline_password = split_proxy_password(values["proxy"])
        try:
            for key, value in values.items():
                PER_PROVIDER[key].coerce(value)
            writes = self._secret_writes()
            writes.update(self._proxy_password_writes(values["proxy"], inline_password))
            writes.update(self._header_writes())
        except (SettingsError, ValueError) as error:
            self._refuse(error)
            return False
        if inline_password is not None:
            self.fields["proxy"].setText(values["proxy"])
        self.error.hide()
        self.values = values
        self.secret_writes = writes
        return True

    def apply(self) -> None:
        """Keep the values ``check`` found valid in the settings (the window saves them)."""
        for key, value in self.values.items():
            self.settings.set_provider(self.provider.get_name(), key, value)
        if self.headers is not None:
            set_extra_headers(self.settings, self.provider.get_name(), self.extra)

    def secrets_written(self) -> None:
        """The secrets of ``secret_writes`` are stored now: the fields say so."""
        for kind, field in self.secrets.items():
            name = credential_name(self.provider, kind, self.scope())
            if name in self.secret_writes:
                field.set_stored(self.secret_writes[name] is not None)
        proxy = self.values.get("proxy", "")
        if proxy and (name := proxy_secret_name(proxy)) in self.secret_writes:
            self.proxy_password.set_stored(self.secret_writes[name] is not None)
        self.secret_writes = {}

    def _proxy_password_writes(self, proxy: str, inline: str | None) -> dict[str, str | None]:
        """The proxy password to keep or forget. A password of a proxy this provider no
        longer uses is forgotten, unless another provider (or the global proxy) still uses it."""
        name = self.provider.get_name()
        old = str(self.settings.provider(name, "proxy"))
        change = self.proxy_password.change()
        password = inline if inline is not None else change
        shared = proxy_used_elsewhere(self.settings, old, name)
        try:
            return proxy_password_writes(old, proxy, password, still_used=shared)
        except ValueError as error:
            raise ValueError(f"Proxy password: {error}") from None

    def _refuse(self, error: Exception) -> None:
        text = str(error)
        if isinstance(error, SettingsError) and error.setting == "headers":
            text = f"Extra headers: {text}"
        elif isinstance(error, SettingsError) and error.setting in PER_PROVIDER:
            setting = PER_PROVIDER[error.setting]
            text = f"{setting.label.replace('&', '')}: {setting.reason(error)}"
            if error.setting in self.fields:
                self.fields[error.setting].setFocus()
        self.error.setStyleSheet(error_style(self))
        self.error.setText(text)
        self.error.show()

    def _secret_writes(self) -> dict[str, str | None]:
        """Keyring name → new value (None: forget it) for the credentials the user changed."""
        writes: dict[str, str | None] = {}
        for kind, field in self.secrets.items():
            change = field.change()
            name = credential_name(self.provider, kind, self.scope())
            if change:
                writes[name] = self._secret_value(kind, change)
            elif change == "":
                writes[name] = None
        return writes

    def typed_credentials(self) -> dict[str, str]:
        """The credentials typed and not stored yet, as a test sends them; raises
        ``ValueError`` for cookies that cannot be read."""
        typed: dict[str, str] = {}
        for kind, field in self.secrets.items():
            if change := field.change():
                typed[kind] = change
        if "cookies" in typed:
            from providers.cookies import parse_cookies

            base = self.fields["base_url"].text().strip() or self.provider.url
            try:
                cookies = parse_cookies(typed.pop("cookies"), domain=urlsplit(base).hostname)
            except ValueError as error:
                raise ValueError(f"Cookies: {error}") from error
            typed["cookies"] = cookies  # type: ignore[assignment]
        return typed

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
