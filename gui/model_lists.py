"""The chosen provider's model list, fetched off the GUI thread and shown in the picker."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable

    from chat.credentials import Configured
    from chat.discovery import Found
    from chat.models import ModelCache
    from chat.session import ChatSession

    from .provider_picker import ProviderPicker
    from .tasks import TaskTracker


class ModelLists:
    """Fetches a provider's models when it is chosen (from the disk cache when fresh) and
    when the user asks again; one fetch at a time, the last choice wins."""

    def __init__(self, picker: ProviderPicker, tasks: TaskTracker) -> None:
        self._picker = picker
        self._tasks = tasks
        self._task: asyncio.Task[Any] | None = None
        self.cache: ModelCache | None = None

    def find_local_servers(
        self, session: ChatSession, on_found: Callable[[list[Found]], None]
    ) -> None:
        """Probe the local presets' ports in the background; the servers that answer are
        marked running, their models cached, and ``on_found`` told."""
        if not any(p.local and p.lists_models for p in self._picker.providers()):
            return
        self._tasks.start(self._find(session, on_found), name="find local servers")

    async def _find(self, session: ChatSession, on_found: Callable[[list[Found]], None]) -> None:
        from chat.discovery import discover
        from chat.models import ModelCache
        from providers.errors import CaBundleError

        try:
            tls = await session.tls()
        except CaBundleError:  # the window's notice says why; the probes go on without it
            tls = None
        found = await discover(self._picker.providers(), session.http, tls=tls)
        if self.cache is None:
            self.cache = ModelCache()
        for server in found:
            await self.cache.put(server.provider, server.models)
        self._picker.mark_running({server.provider.name for server in found})
        on_found(found)

    def load(self, session: ChatSession, target: Configured, *, refresh: bool = False) -> None:
        """Fetch ``target``'s models in the background and show them when they come (a
        provider that cannot list them keeps its built-in list)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if not target.provider.lists_models:
            return
        self._picker.refresh_button.setEnabled(False)
        name = f"model list of {target.provider.get_label()}"
        self._task = self._tasks.start(self._fetch(session, target, refresh), name=name)

    async def _fetch(self, session: ChatSession, target: Configured, refresh: bool) -> None:
        from chat.models import ModelCache, model_list
        from chat.secrets import SecretStoreError

        if self.cache is None:
            self.cache = ModelCache()
        provider = target.provider
        try:  # the context (and so the keyring) only when the cache has no fresh list
            context = partial(session.context, provider, target.proxy)
            listed = await model_list(provider, context, self.cache, refresh=refresh)
            self._picker.set_models(provider, listed.models, listed.problem)
        except SecretStoreError as error:  # the built-in list, and why not the service's
            problem = f"The model list could not be fetched: {error}"
            self._picker.set_models(provider, provider.get_models(), problem)
        finally:
            self._picker.refresh_button.setEnabled(True)
