"""The main window's Settings window and endpoint dialog, and what they ask for.

The credentials they collect are stored here, off the GUI thread, and tests of a provider's
connection run here; the windows are only told.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar, QWidget

    from chat.credentials import Configured
    from chat.session import ChatSession
    from chat.settings import Settings
    from providers.contract import Provider
    from providers.registry import ProviderRegistry

    from .endpoint_dialog import EndpointDialog
    from .provider_picker import ProviderPicker
    from .settings_window import SettingsWindow
    from .tasks import TaskTracker


class Host(Protocol):
    """What the dialogs use of the window that opens them."""

    session: ChatSession | None
    settings: Settings | None
    registry: ProviderRegistry | None
    picker: ProviderPicker

    def configured(self, provider: Provider) -> Configured: ...

    def turned_off(self) -> set[str]: ...

    def save_settings(self) -> None: ...

    def statusBar(self) -> QStatusBar: ...


class ProviderDialogs:
    """Opens the Settings window (and the endpoint dialog) for ``window``, and keeps what
    they collect: settings saved, secrets stored off the GUI thread, tests run."""

    def __init__(self, window: Host, parent: QWidget, tasks: TaskTracker) -> None:
        self._window = window
        self._parent = parent
        self._tasks = tasks
        self.settings_window: SettingsWindow | None = None

    def open_settings(self, provider: Provider | None = None) -> None:
        """Show the Settings window (at ``provider``'s page) once the stored credentials
        are known; the window already open is brought forward."""
        if self.settings_window is not None:
            if provider is not None:
                self.settings_window.show_provider(provider.name)
            self.settings_window.raise_()
            self.settings_window.activateWindow()
            return
        self._tasks.start(self._open_settings(provider), name="open settings")

    def open_auto(self, auto: Provider) -> None:
        self.open_settings(auto)

    async def _stored(self, provider: Provider) -> dict[str, bool]:
        """Which of ``provider``'s credentials (and its proxy's password) are stored."""
        from urllib.parse import urlsplit

        from chat.credentials import names_for, proxy_secret_name
        from chat.secrets import SecretStoreError

        from .provider_settings import PROXY_PASSWORD

        assert self._window.session is not None
        assert self._window.settings is not None
        target = self._window.configured(provider).provider
        names = names_for(target)
        proxy = str(self._window.settings.provider(provider.name, "proxy"))
        if proxy and urlsplit(proxy).username:
            names[PROXY_PASSWORD] = proxy_secret_name(proxy)
        stored: dict[str, bool] = {}
        for kind, name in names.items():
            try:
                stored[kind] = bool(await self._window.session.secrets.get(name))
            except SecretStoreError as error:  # the rest can still be set
                stored[kind] = False
                self._window.statusBar().showMessage(str(error))
        return stored

    async def _open_settings(self, provider: Provider | None) -> None:
        from urllib.parse import urlsplit

        from chat.credentials import proxy_secret_name
        from chat.endpoints import endpoints
        from chat.paths import data_dir
        from chat.secrets import DeferredSecretStore, SecretStoreError

        from .settings_window import SettingsWindow

        registry, settings, session = (
            self._window.registry,
            self._window.settings,
            self._window.session,
        )
        if registry is None or settings is None or session is None:
            return
        listed = registry.available()[0]
        providers = [p for p in listed if not p.delegates]
        auto = next((p for p in listed if p.delegates), None)
        if isinstance(session.secrets, DeferredSecretStore):  # the window says where they go
            await session.secrets.open()
        stored = {p.name: await self._stored(p) for p in providers}
        proxy = str(settings.get("proxy"))
        proxy_stored = False
        if proxy and urlsplit(proxy).username:
            try:
                proxy_stored = bool(await session.secrets.get(proxy_secret_name(proxy)))
            except SecretStoreError:
                proxy_stored = False
        if self.settings_window is not None:  # opened twice while the keyring was read
            return
        window = SettingsWindow(
            settings,
            providers,
            stored,
            self._parent,
            endpoints={e.name for e in endpoints(settings)[0]},
            persistent=session.secrets.persistent,
            data_folder=data_dir(),
            auto=auto,
            proxy_stored=proxy_stored,
        )
        window.applied.connect(lambda: self.on_settings_applied(window))
        window.test_requested.connect(lambda name: self.on_test_requested(window, name))
        window.add_endpoint_requested.connect(lambda: self.open_endpoint(window))
        window.edit_endpoint_requested.connect(lambda name: self.open_endpoint(window, name))
        window.remove_endpoint_requested.connect(
            lambda name: self.on_remove_endpoint_requested(window, name)
        )
        window.forget_all_requested.connect(lambda: self.on_forget_all_requested(window))
        window.open_folder_requested.connect(self.on_open_folder_requested)
        window.finished.connect(lambda _: self._closed(window))
        current = provider or self._window.picker.current_provider()
        if current is None or not window.show_provider(current.name):
            window.list.setCurrentRow(0)
        self.settings_window = window
        window.open()

    def _closed(self, window: SettingsWindow) -> None:
        if self.settings_window is window:
            self.settings_window = None
        window.deleteLater()

    def on_settings_applied(self, window: SettingsWindow) -> None:
        """Save what the window set, show the providers as they are now, store the secrets."""
        from chat.auto import NAME as AUTO
        from chat.auto import make_auto

        registry, settings = self._window.registry, self._window.settings
        if registry is None or settings is None:
            return
        self._window.save_settings()
        current = self._window.picker.current_provider()
        model = self._window.picker.current_model()
        if AUTO in registry.names():  # Auto again, over the providers left on, in order
            order = str(settings.get("auto_providers"))
            window.auto = registry.add(make_auto(self.enabled_providers(), order))
        self._window.picker.populate(registry, hidden=self._window.turned_off())
        if current is not None:
            self._window.picker.select(current.name, model)
        if window.secret_writes:
            writes = dict(window.secret_writes)
            self._tasks.start(
                self._store_secrets("the providers", writes, window), name="store credentials"
            )

    def enabled_providers(self) -> list[Provider]:
        """The providers the user has not turned off (Auto chooses among them)."""
        registry, settings = self._window.registry, self._window.settings
        assert registry is not None
        assert settings is not None
        return [p for p in registry.available()[0] if settings.provider(p.name, "enabled")]

    def on_test_requested(self, window: SettingsWindow, name: str) -> None:
        self._tasks.start(self._test(window, name), name=f"test {name}")

    async def _test(self, window: SettingsWindow, name: str) -> None:
        import dataclasses

        from chat.connection_check import check_connection
        from chat.credentials import configured
        from chat.secrets import SecretStoreError
        from chat.settings import PER_PROVIDER, SettingsError, split_proxy_password
        from providers.errors import ProviderError

        session, settings = self._window.session, self._window.settings
        assert session is not None
        assert settings is not None
        form = window.form(name)
        provider = window.providers[name]
        form.testing()
        try:
            base_url = str(PER_PROVIDER["base_url"].coerce(form.fields["base_url"].text()))
            proxy, _ = split_proxy_password(form.fields["proxy"].text().strip())
            proxy = str(PER_PROVIDER["proxy"].coerce(proxy)) or settings.proxy_for(name) or ""
            typed = form.typed_credentials()
            target = configured(provider, None, base_url=base_url or None, proxy=proxy or None)
            if form.headers is not None and (form.extra.headers or form.typed_headers()):
                from chat.extra_headers import checked as checked_headers

                rows = form.headers.rows()
                extra = checked_headers(
                    {n: v for n, v, secret in rows if not secret}, [n for n, _, s in rows if s]
                )
                moved = dataclasses.replace(
                    target.provider, headers=extra.headers, secret_headers=extra.secret_headers
                )
                target = dataclasses.replace(target, provider=moved)
                typed["headers"] = form.typed_headers()  # type: ignore[assignment]
            said = await check_connection(session, target.provider, target.proxy, typed)
        except SettingsError as error:
            setting = PER_PROVIDER.get(error.setting)
            label = setting.label.replace("&", "") if setting else "A setting"
            reason = setting.reason(error) if setting else str(error)
            form.show_test_result(f"Fix {label} first: {reason}", failed=True)
        except (ProviderError, SecretStoreError, ValueError) as error:
            form.show_test_result(f"The test failed. {error}", failed=True)
            window.test_ended(name, answered=False)
        else:
            form.show_test_result(said, failed=False)
            window.test_ended(name, answered=True)

    def open_endpoint(self, window: QWidget | None = None, name: str = "") -> None:
        """Show the dialog that adds an endpoint (or edits the endpoint ``name``)."""
        from chat.endpoints import endpoints

        from .endpoint_dialog import EndpointDialog

        registry, settings = self._window.registry, self._window.settings
        if registry is None or settings is None or self._window.session is None:
            return
        editing = next((e for e in endpoints(settings)[0] if e.name == name), None)
        taken = [n for n in registry.names() if n != name]
        dialog = EndpointDialog(taken, window or self._parent, editing=editing)
        dialog.accepted.connect(lambda: self.on_endpoint_dialog_accepted(dialog, name))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def on_endpoint_dialog_accepted(self, dialog: EndpointDialog, replacing: str = "") -> None:
        """Keep the new (or edited) endpoint, store its secrets, and pick it."""
        from chat.endpoints import remove_endpoint, save_endpoint

        endpoint = dialog.endpoint
        registry, settings = self._window.registry, self._window.settings
        if endpoint is None or registry is None or settings is None:
            return
        if replacing and replacing != endpoint.name:
            remove_endpoint(settings, replacing)
            registry.remove(replacing)
        save_endpoint(settings, endpoint)
        self._window.save_settings()
        if dialog.secret_writes:
            writes = dict(dialog.secret_writes)
            self._tasks.start(self._store_secrets(endpoint.name, writes), name="store credentials")
        provider = registry.add(endpoint.provider())
        self._window.picker.populate(registry, hidden=self._window.turned_off())
        self._window.picker.select(endpoint.name)
        if self.settings_window is not None:
            if replacing and replacing != endpoint.name:
                self.settings_window.remove_provider(replacing)
            stored = {kind: bool(dialog.secret_writes) for kind in provider.credential_kinds}
            self.settings_window.add_provider(provider, stored)

    def on_remove_endpoint_requested(self, window: SettingsWindow, name: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove the endpoint",
            f"Remove the endpoint “{name}” and forget its key and secret headers?",
            QMessageBox.StandardButton.Cancel,
            window,
        )
        remove = box.addButton("&Remove", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(
            lambda _: self._remove_endpoint(window, name) if box.clickedButton() is remove else None
        )
        box.finished.connect(box.deleteLater)
        box.open()

    def _remove_endpoint(self, window: SettingsWindow, name: str) -> None:
        from chat.credentials import header_secret_name, names_for
        from chat.endpoints import remove_endpoint

        registry, settings = self._window.registry, self._window.settings
        if registry is None or settings is None:
            return
        removed = remove_endpoint(settings, name)
        if removed is None:
            return
        self._window.save_settings()
        writes: dict[str, str | None] = {}
        if removed.base_url:
            provider = removed.provider()
            writes = {secret: None for secret in names_for(provider).values()}
            writes |= {header_secret_name(provider, h): None for h in removed.secret_headers}
        if name in registry.names():
            registry.remove(name)
        self._window.picker.populate(registry, hidden=self._window.turned_off())
        window.remove_provider(name)
        if writes:
            self._tasks.start(self._store_secrets(name, writes), name="forget credentials")

    def on_forget_all_requested(self, window: SettingsWindow) -> None:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Forget all secrets",
            "Remove every API key, token, cookie and proxy password Parley keeps in the "
            "keyring? Other applications' items stay. This cannot be undone.",
            QMessageBox.StandardButton.Cancel,
            window,
        )
        forget = box.addButton("&Forget all", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(
            lambda _: (
                self._tasks.start(self._forget_all(window), name="forget all secrets")
                if box.clickedButton() is forget
                else None
            )
        )
        box.finished.connect(box.deleteLater)
        box.open()

    async def _forget_all(self, window: SettingsWindow) -> None:
        from chat.secrets import SecretStoreError

        assert self._window.session is not None
        window.forget_all.setEnabled(False)
        try:
            removed = await self._window.session.secrets.forget_all()
        except SecretStoreError as error:
            text = f"Nothing was forgotten. {error}"
        else:
            text = (
                f"Parley's {removed} secret{'' if removed == 1 else 's'} "
                f"{'was' if removed == 1 else 'were'} removed from the keyring."
                if removed
                else "The keyring held no secret of Parley's."
            )
            window.secrets_forgotten()
        window.forget_all.setEnabled(True)
        window.forget_result.setText(text)
        window.forget_result.show()

    def on_open_folder_requested(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        from chat.paths import data_dir

        folder = data_dir()
        if not folder.is_dir() or not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self._window.statusBar().showMessage(
                f"No file manager opened the conversations' folder; it is {folder}."
            )

    async def _store_secrets(
        self, provider: str, writes: dict[str, str | None], window: SettingsWindow | None = None
    ) -> None:
        from chat.secrets import SecretStoreError

        assert self._window.session is not None
        try:
            for name, value in writes.items():
                if value is None:
                    await self._window.session.secrets.delete(name)
                else:
                    await self._window.session.secrets.set(name, value)
        except SecretStoreError as error:
            self._window.statusBar().showMessage(
                f"Credentials for {provider} were not saved. {error}"
            )
            return
        if window is not None and window is self.settings_window:  # still open: it says so
            window.secrets_written()
        where = (
            "in the keyring" if self._window.session.secrets.persistent else "for this session only"
        )
        self._window.statusBar().showMessage(f"Credentials for {provider} saved {where}.", 5000)
