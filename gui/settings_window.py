"""The Settings window (Ctrl+,): every provider and endpoint, the network, and the general
preferences, drawn from the declared settings table (chat.settings).

Nothing here touches the keyring or the network: the window collects what the user changed
and says so (``applied``, ``test_requested``, ...); the main window's ``ProviderDialogs``
stores secrets and runs tests off the GUI thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from chat.settings import GENERAL, GLOBAL, NETWORK, Settings, SettingsError, split_proxy_password

from .auto_form import AutoForm
from .provider_settings import ProviderForm
from .secret_field import SecretField
from .setting_fields import SettingField, add_row, setting_field

if TYPE_CHECKING:
    from providers.contract import Provider

NAME_ROLE = Qt.ItemDataRole.UserRole
TABS = ("Providers", NETWORK, GENERAL)


class SettingsWindow(QDialog):
    """Providers, Network and General, a tab each; OK, Cancel and Apply.

    Applying checks every value first: a bad one is refused beside its field, with the
    reason, the form kept as typed and nothing changed. With all valid, the settings are
    set (each change tells its watchers) and ``applied`` asks the host to save them and to
    store ``secret_writes`` (keyring name → value, None to forget it).
    """

    applied = Signal()
    test_requested = Signal(str)
    """A provider's name: test it as its form has it."""
    forget_all_requested = Signal()
    add_endpoint_requested = Signal()
    edit_endpoint_requested = Signal(str)
    remove_endpoint_requested = Signal(str)
    open_folder_requested = Signal()

    def __init__(
        self,
        settings: Settings,
        providers: list[Provider],
        stored: dict[str, dict[str, bool]],
        parent: QWidget | None = None,
        *,
        endpoints: set[str] | frozenset[str] = frozenset(),
        persistent: bool = True,
        data_folder: Path | None = None,
        auto: Provider | None = None,
        proxy_stored: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumSize(820, 560)
        self.settings = settings
        self.providers = {p.name: p for p in providers}
        self.stored = stored
        self.endpoints = set(endpoints)
        self.persistent = persistent
        self.auto = auto
        self.proxy_stored = proxy_stored
        self.secret_writes: dict[str, str | None] = {}
        self.tested: dict[str, bool] = {}
        """Each provider tested while the window is open: did it answer?"""
        self.forms: dict[str, ProviderForm] = {}
        self._scrolls: dict[str, QScrollArea] = {}
        """Each provider's page: its form in a scroll area."""
        self.auto_form: AutoForm | None = None
        self.fields: dict[str, SettingField] = {}
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._providers_tab(), "&Providers")
        self.tabs.addTab(self._network_tab(), "&Network")
        self.tabs.addTab(self._general_tab(data_folder), "&General")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.Apply,
            parent=self,
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        apply = buttons.button(QDialogButtonBox.StandardButton.Apply)
        apply.clicked.connect(self.apply)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)

    # -- Providers -------------------------------------------------------------------

    def _providers_tab(self) -> QWidget:
        tab = QWidget(self)
        self.list = QListWidget(tab)
        self.list.setAccessibleName("Providers")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setMinimumWidth(220)
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.pages = QStackedWidget(tab)
        self._fill_list()
        self.list.currentItemChanged.connect(self.on_list_current_changed)
        self.add_endpoint = QPushButton("&Add endpoint…", tab)
        self.add_endpoint.setToolTip("Your own OpenAI-compatible server or gateway")
        self.edit_endpoint = QPushButton("&Edit…", tab)
        self.remove_endpoint = QPushButton("&Remove", tab)
        self.add_endpoint.clicked.connect(self.add_endpoint_requested)
        self.edit_endpoint.clicked.connect(
            lambda: self.edit_endpoint_requested.emit(self.current_name())
        )
        self.remove_endpoint.clicked.connect(
            lambda: self.remove_endpoint_requested.emit(self.current_name())
        )
        row = QHBoxLayout()
        for button in (self.add_endpoint, self.edit_endpoint, self.remove_endpoint):
            row.addWidget(button)
        row.addStretch(1)
        left = QWidget(tab)
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        hint = QLabel("Untick a provider to leave it out of the list and of Auto.", left)
        hint.setWordWrap(True)
        column.addWidget(self.list, 1)
        column.addWidget(hint)
        column.addLayout(row)
        splitter = QSplitter(Qt.Orientation.Horizontal, tab)
        splitter.addWidget(left)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(tab)
        layout.addWidget(splitter)
        return tab

    def _fill_list(self) -> None:
        ranked = sorted(self.providers.values(), key=lambda p: p.get_label().casefold())
        if self.auto is not None:
            ranked.insert(0, self.auto)
        for provider in ranked:
            item = QListWidgetItem(self._entry_text(provider), self.list)
            item.setData(NAME_ROLE, provider.name)
            item.setToolTip(provider.url or "Asks the providers ticked for it, in order")
            if provider is not self.auto:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                enabled = bool(self.settings.provider(provider.name, "enabled"))
                item.setCheckState(Qt.CheckState.Checked if enabled else Qt.CheckState.Unchecked)

    def _entry_text(self, provider: Provider) -> str:
        return f"{provider.get_label()}\n{self.status(provider)}"

    def status(self, provider: Provider) -> str:
        """A provider's state in a few words: whether it works, whether credentials are
        stored (or needed), and whether it is the user's own endpoint."""
        if provider is self.auto:
            return "tries the ticked providers in turn"
        words = []
        if provider.name in self.endpoints:
            words.append("your endpoint")
        elif provider.local:
            words.append("on this machine")
        if provider.name in self.tested:
            words.append("answered the test" if self.tested[provider.name] else "failed the test")
        else:
            words.append("works" if provider.working else "marked not working")
        stored = [kind for kind, kept in self.stored.get(provider.name, {}).items() if kept]
        if any(kind in provider.credential_kinds for kind in stored):
            words.append("credentials stored")
        elif provider.needs_auth and provider.credential_kinds:
            words.append("needs credentials")
        return " · ".join(words)

    def test_ended(self, name: str, *, answered: bool) -> None:
        """Say in the list how ``name``'s test went."""
        self.tested[name] = answered
        self.refresh_status(name)

    def refresh_status(self, name: str) -> None:
        """Show ``name``'s state again (after its secrets were stored)."""
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(NAME_ROLE) == name and name in self.providers:
                item.setText(self._entry_text(self.providers[name]))

    def current_name(self) -> str:
        item = self.list.currentItem()
        return str(item.data(NAME_ROLE)) if item is not None else ""

    def show_provider(self, name: str) -> bool:
        """Select ``name`` in the list (its page shown); False when it is not there."""
        for row in range(self.list.count()):
            if self.list.item(row).data(NAME_ROLE) == name:
                self.tabs.setCurrentIndex(0)
                self.list.setCurrentRow(row)
                return True
        return False

    def on_list_current_changed(self, current: QListWidgetItem | None, _old: Any) -> None:
        name = str(current.data(NAME_ROLE)) if current is not None else ""
        own = name in self.endpoints
        self.edit_endpoint.setEnabled(own)
        self.remove_endpoint.setEnabled(own)
        if not name:
            return
        self.pages.setCurrentWidget(self._page(name))

    def _page(self, name: str) -> QWidget:
        """The page of ``name``, made when first shown (and kept, with what was typed)."""
        if self.auto is not None and name == self.auto.name:
            if self.auto_form is None:
                members = [m.name for m in getattr(self.auto, "members", ())]
                ticked = members if self.settings.get("auto_providers") else []
                choices = [p for p in self.providers.values() if not p.delegates]
                self.auto_form = AutoForm(choices, ticked, self.pages)
                self.pages.addWidget(self.auto_form)
            return self.auto_form
        if name not in self.forms:
            provider = self.providers[name]
            scroll = QScrollArea(self.pages)
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            form = ProviderForm(
                provider,
                self.settings,
                self.stored.get(name, {}),
                scroll,
                persistent=self.persistent,
                headers=name not in self.endpoints,  # an endpoint's are edited with it
            )
            form.test_requested.connect(lambda: self.test_requested.emit(name))
            scroll.setWidget(form)
            self.pages.addWidget(scroll)
            self.forms[name] = form
            self._scrolls[name] = scroll
        return self._scrolls[name]

    def form(self, name: str) -> ProviderForm:
        """The page of provider ``name`` (made if it was not shown yet)."""
        self._page(name)
        return self.forms[name]

    def add_provider(self, provider: Provider, stored: dict[str, bool]) -> None:
        """List a provider added while the window is open (a new endpoint) and select it."""
        self.providers[provider.name] = provider
        self.stored[provider.name] = stored
        self.endpoints.add(provider.name)
        if (page := self._scrolls.pop(provider.name, None)) is not None:
            self.pages.removeWidget(page)
            page.deleteLater()
        self.forms.pop(provider.name, None)
        for row in range(self.list.count()):
            if self.list.item(row).data(NAME_ROLE) == provider.name:
                self.list.takeItem(row)
                break
        item = QListWidgetItem(self._entry_text(provider), self.list)
        item.setData(NAME_ROLE, provider.name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked)
        self.list.setCurrentItem(item)

    def remove_provider(self, name: str) -> None:
        """Take a removed endpoint out of the list."""
        self.providers.pop(name, None)
        self.endpoints.discard(name)
        self.forms.pop(name, None)
        if (page := self._scrolls.pop(name, None)) is not None:
            self.pages.removeWidget(page)
            page.deleteLater()
        for row in range(self.list.count()):
            if self.list.item(row).data(NAME_ROLE) == name:
                self.list.takeItem(row)
                break

    def enabled(self) -> dict[str, bool]:
        """Each listed provider's tick."""
        found = {}
        for row in range(self.list.count()):
            item = self.list.item(row)
            name = str(item.data(NAME_ROLE))
            if name in self.providers:
                found[name] = item.checkState() == Qt.CheckState.Checked
        return found

    # -- Network and General ------------------------------------------------------------

    def _section_form(self, section: str, parent: QWidget) -> QFormLayout:
        form = QFormLayout()
        for setting in GLOBAL.values():
            if setting.section != section:
                continue
            field = setting_field(
                setting,
                self.settings.get(setting.name),
                parent,
                choices=self._choices(setting.field),
            )
            self.fields[setting.name] = field
            add_row(form, field)
        return form

    def _choices(self, kind: str) -> list[tuple[str, str]] | None:
        if kind == "provider":
            ranked = sorted(self.providers.values(), key=lambda p: p.get_label().casefold())
            return [("", "The one last used"), *((p.name, p.get_label()) for p in ranked)]
        if kind == "model":
            default = self.providers.get(str(self.settings.get("default_provider")))
            return [(m, m) for m in default.get_models()] if default is not None else []
        return None

    def _network_tab(self) -> QWidget:
        tab = QWidget(self)
        form = self._section_form(NETWORK, tab)
        proxy = str(self.settings.get("proxy"))
        self.proxy_password = SecretField(
            tab,
            stored=self.proxy_stored,
            hint="none (for a proxy URL that names a user)",
        )
        label = QLabel("Proxy pass&word", tab)
        label.setBuddy(self.proxy_password.editor)
        form.insertRow(1, label, self.proxy_password)
        self._proxy_before = proxy
        editor = self.fields["proxy"].editor
        editor.textEdited.connect(self.on_proxy_text_edited)  # type: ignore[attr-defined]
        note = QLabel(
            "A provider's own proxy (on its page) wins over this one. Certificates are always "
            "checked; a CA bundle adds authorities to the system's, as a company's TLS "
            "inspection needs. Timeouts apply to the next request.",
            tab,
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(tab)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addStretch(1)
        return tab

    def on_proxy_text_edited(self, text: str) -> None:
        """A password typed or pasted into the proxy URL moves to the hidden field at once."""
        url, password = split_proxy_password(text.strip())
        if password is not None:
            editor = self.fields["proxy"].editor
            editor.setText(url)  # type: ignore[attr-defined]
            self.proxy_password.set_text(password)

    def _general_tab(self, data_folder: Path | None) -> QWidget:
        tab = QWidget(self)
        form = self._section_form(GENERAL, tab)
        provider = self.fields["default_provider"].editor
        provider.currentIndexChanged.connect(self.on_default_provider_changed)  # type: ignore[attr-defined]
        folder = QLabel(str(data_folder) if data_folder else "", tab)
        folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        folder.setWordWrap(True)
        self.open_folder = QPushButton("&Open folder", tab)
        self.open_folder.setToolTip("Show the folder of the conversations in the file manager")
        self.open_folder.clicked.connect(self.open_folder_requested)
        row = QHBoxLayout()
        row.addWidget(folder, 1)
        row.addWidget(self.open_folder)
        form.addRow("Conversations are kept in", row)
        privacy = QLabel(
            "<b>Privacy</b><br>Keys, tokens, cookies and proxy passwords are kept in the "
            "system's keyring, never in a file, the conversations or the log.",
            tab,
        )
        privacy.setWordWrap(True)
        self.forget_all = QPushButton("Forget all &secrets…", tab)
        self.forget_all.setToolTip(
            "Remove every key, token, cookie and password Parley keeps in the keyring"
        )
        self.forget_all.clicked.connect(self.forget_all_requested)
        forget_row = QHBoxLayout()
        forget_row.addWidget(self.forget_all)
        forget_row.addStretch(1)
        self.forget_result = QLabel(tab)
        self.forget_result.setWordWrap(True)
        self.forget_result.hide()
        layout = QVBoxLayout(tab)
        layout.addLayout(form)
        layout.addSpacing(12)
        layout.addWidget(privacy)
        layout.addLayout(forget_row)
        layout.addWidget(self.forget_result)
        layout.addStretch(1)
        return tab

    def on_default_provider_changed(self) -> None:
        """The model list offers the default provider's models."""
        field = self.fields["default_provider"]
        provider = self.providers.get(str(field.raw() or ""))
        model = self.fields["default_model"].editor
        typed = model.currentText()  # type: ignore[attr-defined]
        model.clear()  # type: ignore[attr-defined]
        for name in provider.get_models() if provider is not None else []:
            model.addItem(name, name)  # type: ignore[attr-defined]
        model.setEditText(typed if provider is not None else "")  # type: ignore[attr-defined]

    # -- applying -------------------------------------------------------------------------

    def apply(self) -> bool:
        """Check everything, then keep it (see the class); False when a value was refused."""
        values: dict[str, Any] = {}
        refused: list[QWidget] = []
        for name, field in self.fields.items():
            try:
                values[name] = field.checked()
            except SettingsError:
                refused.append(field)
        writes: dict[str, str | None] = {}
        try:
            writes.update(self._proxy_password_writes(str(values.get("proxy", ""))))
        except ValueError as error:
            self.proxy_password_refused(str(error))
            refused.append(self.proxy_password)
        for form in self.forms.values():
            if not form.check():
                refused.append(form)
        if refused:
            self._show_first(refused)
            return False
        for name, value in values.items():
            self.settings.set(name, value)
        for form in self.forms.values():
            form.apply()
            writes.update(form.secret_writes)
        for name, enabled in self.enabled().items():
            self.settings.set_provider(name, "enabled", enabled)
        if self.auto_form is not None:
            self.settings.set("auto_providers", self.auto_form.order())
        self.secret_writes = writes
        self._proxy_before = str(values.get("proxy", ""))
        self.applied.emit()
        return True

    def proxy_password_refused(self, reason: str) -> None:
        self.fields["proxy"].refuse(reason)

    def _proxy_password_writes(self, proxy: str) -> dict[str, str | None]:
        from chat.credentials import proxy_password_writes, proxy_used_elsewhere

        old = self._proxy_before
        shared = proxy_used_elsewhere(self.settings, old, None)  # a provider's own is that one
        try:
            return proxy_password_writes(
                old, proxy, self.proxy_password.change(), still_used=shared
            )
        except ValueError as error:
            raise ValueError(str(error)[:1].upper() + str(error)[1:]) from None

    def _show_first(self, refused: list[QWidget]) -> None:
        """Bring the first refused field into view, on its tab, and focus it."""
        first = refused[0]
        for index in range(self.tabs.count()):
            if self.tabs.widget(index).isAncestorOf(first):
                self.tabs.setCurrentIndex(index)
                break
        if isinstance(first, ProviderForm):
            self.show_provider(first.provider.name)
        elif isinstance(first, SettingField):
            first.editor.setFocus()

    def secrets_written(self) -> None:
        """What ``secret_writes`` held is stored now: the fields and the list say so."""
        for name, form in self.forms.items():
            form.secrets_written()
            self.stored.setdefault(name, {}).update(
                {kind: field.stored for kind, field in form.secrets.items()}
            )
            self.refresh_status(name)
        if self.proxy_password.change() is not None:
            self.proxy_password.set_stored(bool(self.proxy_password.change()))
        self.secret_writes = {}

    def secrets_forgotten(self) -> None:
        """The keyring holds none of Parley's secrets now: no field says "stored"."""
        for form in self.forms.values():
            for field in (*form.secrets.values(), form.proxy_password):
                field.set_stored(False)
        for kinds in self.stored.values():
            for kind in kinds:
                kinds[kind] = False
        self.proxy_password.set_stored(False)
        for name in self.providers:
            self.refresh_status(name)

    def accept(self) -> None:
        if self.apply():
            super().accept()
