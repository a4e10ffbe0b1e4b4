"""The provider dialogs of the main window: a provider's settings, and adding an endpoint.

The credentials they collect are stored here, off the GUI thread; the window is only told.
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

    from .auto_dialog import AutoDialog
    from .endpoint_dialog import EndpointDialog
    from .provider_picker import ProviderPicker
    from .provider_settings import ProviderSettingsDialog
    from .tasks import TaskTracker


class Host(Protocol):
    """What the dialogs use of the window that opens them."""

    session: ChatSession | None
    settings: Settings | None
    registry: ProviderRegistry | None
    picker: ProviderPicker

    def configured(self, provider: Provider) -> Configured: ...

    def save_settings(self) -> None: ...

    def statusBar(self) -> QStatusBar: ...


class ProviderDialogs:
    """Opens the provider dialogs for ``window`` and keeps what they collect."""

    def __init__(self, window: Host, parent: QWidget, tasks: TaskTracker) -> None:
        self._window = window
        self._parent = parent
        self._tasks = tasks

    def open_settings(self, provider: Provider) -> None:
        """Show the chosen provider's settings once its stored credentials are known (for
        Auto: which providers it tries, in what order)."""
        if provider.delegates:
            self.open_auto(provider)
            return
        self._tasks.start(self._open_settings(provider), name="open provider settings")

    async def _open_settings(self, provider: Provider) -> None:
        """Look up which credentials are stored (off the GUI thread), then show the dialog."""
        from urllib.parse import urlsplit

        from chat.credentials import names_for, proxy_secret_name
        from chat.secrets import DeferredSecretStore, SecretStoreError

        from .provider_settings import PROXY_PASSWORD, ProviderSettingsDialog

        assert self._window.session is not None
        assert self._window.settings is not None
        target = self._window.configured(provider).provider
        proxy = str(self._window.settings.provider(provider.name, "proxy"))
        names = names_for(target)
        if proxy and urlsplit(proxy).username:
            names[PROXY_PASSWORD] = proxy_secret_name(proxy)
        secrets = self._window.session.secrets
        if isinstance(secrets, DeferredSecretStore):  # the dialog says where secrets go
            await secrets.open()
        stored: dict[str, bool] = {}
        for kind, name in names.items():
            try:
                stored[kind] = bool(await secrets.get(name))
            except SecretStoreError as error:  # the base URL and proxy can still be set
                stored[kind] = False
                self._window.statusBar().showMessage(str(error))
        persistent = secrets.persistent
        dialog = ProviderSettingsDialog(
            provider, self._window.settings, stored, self._parent, persistent=persistent
        )
        dialog.accepted.connect(lambda: self.on_settings_dialog_accepted(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def open_auto(self, auto: Provider) -> None:
        from .auto_dialog import AutoDialog

        registry, settings = self._window.registry, self._window.settings
        if registry is None or settings is None:
            return
        members = [m.name for m in getattr(auto, "members", ())]
        choices = [p for p in registry.available()[0] if not p.delegates]
        enabled = members if settings.get("auto_providers") else []
        dialog = AutoDialog(choices, enabled, self._parent)
        dialog.accepted.connect(lambda: self.on_auto_dialog_accepted(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def on_auto_dialog_accepted(self, dialog: AutoDialog) -> None:
        from chat.auto import make_auto

        registry, settings = self._window.registry, self._window.settings
        if registry is None or settings is None:
            return
        settings.set("auto_providers", dialog.order)
        self._window.save_settings()
        auto = registry.add(make_auto(registry.available()[0], dialog.order))
        self._window.picker.populate(registry)
        self._window.picker.select(auto.name)

    def open_endpoint(self) -> None:
        """Show the dialog that adds an endpoint."""
        from .endpoint_dialog import EndpointDialog

        if (
            self._window.registry is None
            or self._window.settings is None
            or self._window.session is None
        ):
            return
        dialog = EndpointDialog(self._window.registry.names(), self._parent)
        dialog.accepted.connect(lambda: self.on_endpoint_dialog_accepted(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def on_endpoint_dialog_accepted(self, dialog: EndpointDialog) -> None:
        """Keep the new endpoint, store its secrets, and pick it."""
        from chat.endpoints import save_endpoint

        endpoint = dialog.endpoint
        if endpoint is None or self._window.registry is None or self._window.settings is None:
            return
        save_endpoint(self._window.settings, endpoint)
        self._window.save_settings()
        if dialog.secret_writes:
            writes = dict(dialog.secret_writes)
            self._tasks.start(self._store_secrets(endpoint.name, writes), name="store credentials")
        self._window.registry.add(endpoint.provider())
        self._window.picker.populate(self._window.registry)
        self._window.picker.select(endpoint.name)

    def on_settings_dialog_accepted(self, dialog: ProviderSettingsDialog) -> None:
        self._window.save_settings()
        if dialog.secret_writes:
            writes = dict(dialog.secret_writes)
            label = dialog.provider.get_label()
            self._tasks.start(self._store_secrets(label, writes), name="store credentials")

    async def _store_secrets(self, provider: str, writes: dict[str, str | None]) -> None:
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
        where = (
            "in the keyring" if self._window.session.secrets.persistent else "for this session only"
        )
        self._window.statusBar().showMessage(f"Credentials for {provider} saved {where}.", 5000)
