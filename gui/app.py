"""The composition root: every shared part (settings, the store, the providers, the HTTP
session, the secret store) made once here, and the window served on the asyncio loop until it
is closed. gui.start shows the window before this module is loaded."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from .start import BENCH_FIRST_PAINT, FIRST_PAINT_WAIT_MS, Shown, new_window, watch_first_paint

if TYPE_CHECKING:
    from chat.secrets import SecretStore
    from chat.session import ChatSession
    from chat.settings import Settings
    from chat.store import Store as ConversationStore
    from providers.registry import ProviderRegistry

    from .main_window import MainWindow
    from .tasks import TaskTracker

FIRST_PAGE_WAIT = 1.0
"""Seconds the list's first page may hold up loading the providers (it takes milliseconds)."""


async def main(
    app: QApplication,
    registry: ProviderRegistry | None = None,
    open_store: Callable[[], Awaitable[SecretStore]] | None = None,
    settings_path: Path | None = None,
    shown: Shown | None = None,
) -> int:
    """Serve the window (``shown`` by gui.start, or made and shown here first), then open
    the HTTP session; the secret store opens when a secret is first needed."""
    loop = asyncio.get_running_loop()
    closed: asyncio.Future[None] = loop.create_future()

    def on_last_window_closed() -> None:
        if not closed.done():
            closed.set_result(None)

    from chat.logs import start_logging

    app.lastWindowClosed.connect(on_last_window_closed)
    logs = start_logging()  # the log (and its thread) opens only with the first warning
    try:
        if shown is None:
            shown = new_window()
            painted: asyncio.Future[None] = loop.create_future()
            watch_first_paint(app, lambda _: _resolve(painted))
            shown.window.show()
            await asyncio.wait([painted], timeout=FIRST_PAINT_WAIT_MS / 1000)
        window, tasks = shown
        window.complete()  # what the first paint did not show (done already when shown)
        return await _serve(window, tasks, closed, registry, open_store, settings_path)
    finally:
        logs.stop()
        app.lastWindowClosed.disconnect(on_last_window_closed)


async def _serve(
    window: MainWindow,
    tasks: TaskTracker,
    closed: asyncio.Future[None],
    registry: ProviderRegistry | None,
    open_store: Callable[[], Awaitable[SecretStore]] | None,
    settings_path: Path | None,
) -> int:
    from chat.settings import Settings

    opening = asyncio.ensure_future(_opened_store(window))  # its file work, beside the rest
    settings = await asyncio.to_thread(Settings.load, settings_path)
    window.set_settings(settings)
    conversations = await _show_conversations(window, opening)  # the list comes first
    # Imported once the list is on screen: aiohttp and the provider plugins are slow.
    from chat.auto import make_auto, turned_on
    from chat.endpoints import add_to as add_endpoints
    from chat.network import follow
    from chat.secrets import DeferredSecretStore, open_secret_store
    from chat.session import ChatSession
    from chat.stored_names import StoredNames
    from providers.http import new_client_session
    from providers.registry import ProviderRegistry

    http = None
    unfollow: Callable[[], None] | None = None
    try:
        registry = registry or ProviderRegistry.from_entry_points()
        problems = add_endpoints(registry, settings)
        usable = turned_on(registry.available()[0], settings)
        registry.add(make_auto(usable, str(settings.get("auto_providers"))))
        window.load_providers(registry)
        if problems:
            window.settings_notice.show_message(" ".join([settings.problem, *problems]).strip())
        http = new_client_session()
        names = StoredNames()
        opener = open_store or partial(open_secret_store, names=names)
        secrets = DeferredSecretStore(opener, names, on_open=window.on_secrets_opened)
        session = ChatSession(secrets, http)
        check = partial(_check_ca_bundle, window, session, tasks)
        unfollow = follow(session, settings, on_ca_bundle=check)  # changes apply at once
        window.set_session(session)
        if settings.get("ca_bundle"):
            check()
        keep_started_objects()
        if os.environ.get(BENCH_FIRST_PAINT):
            tasks.start(_bench_idle_then_close(window), name="benchmark idle")
        await closed
    finally:
        if unfollow is not None:
            unfollow()
        await tasks.shutdown()  # the replies end first: what they had is saved
        if conversations is not None:
            await asyncio.to_thread(conversations.close)
        await _save_last(settings)
        if http is not None:
            await http.close()
    return 0


def _check_ca_bundle(window: MainWindow, session: ChatSession, tasks: TaskTracker) -> None:
    """Read the CA bundle in the background; the notice says why it cannot be used (each
    request says so too, until it is fixed) and goes once it can."""

    async def check() -> None:
        bundle = session.ca_bundle
        problem = await session.ca_bundle_problem()
        if session.ca_bundle == bundle:  # else a later check says what holds now
            window.network_notice.show_message(problem)

    tasks.start(check(), name="check the CA bundle")


async def _opened_store(window: MainWindow) -> ConversationStore | str:
    """The conversation store, opened off the window's thread, or why it cannot be used."""
    from chat.store import Store, StoreError

    from .library import call_in_loop

    problem = call_in_loop(asyncio.get_running_loop(), window.on_store_problem)
    try:
        store = await asyncio.to_thread(Store.open, problem=problem)
    except StoreError as error:
        said = str(error).rstrip(".")
        return f"{said}. Until then, conversations last until Parley closes."
    await asyncio.wrap_future(store.recovered)  # replies cut off last time, shown as such
    return store


async def _show_conversations(
    window: MainWindow, opening: asyncio.Future[ConversationStore | str]
) -> ConversationStore | None:
    """Hand the store to the window (or say why there is none)."""
    store = await opening
    if isinstance(store, str):
        window.set_store(None, store)
        return None
    if os.environ.get(BENCH_FIRST_PAINT):
        window.library.model.loaded.connect(partial(_bench_list_painted, window))
    page = asyncio.get_running_loop().create_future()
    on_loaded = partial(_resolve, page)
    window.library.model.loaded.connect(on_loaded)
    try:
        window.set_store(store)
        await asyncio.wait([page], timeout=FIRST_PAGE_WAIT)
    finally:
        window.library.model.loaded.disconnect(on_loaded)
    return store


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _bench_list_painted(window: MainWindow) -> None:
    """Benchmark hook: the first page of the list is painted (``list-painted <time>``)."""
    if not getattr(window, "_bench_list_done", False):
        window._bench_list_done = True  # type: ignore[attr-defined]
        window.repaint()  # paint now, with the page in it
        print(f"list-painted {time.monotonic():.6f}", flush=True)


async def _save_last(settings: Settings) -> None:
    """Write what a save cancelled by the shutdown had not written yet (the provider and
    model just used, say); a no-op when the file is up to date."""
    try:
        await settings.save_in_background()
    except OSError as error:  # the window is gone: stderr is all that is left
        print(f"parley: the settings could not be saved: {error}", file=sys.stderr)


def keep_started_objects() -> None:
    """Take what starting up made (modules, widgets, the parser's rules: objects that live
    as long as the app) out of the garbage collector's sight. Measured: a full collection
    over them took 45-50 ms, a stall in the middle of a streaming reply; once frozen, a
    collection looks only at what came later."""
    gc.collect()
    gc.freeze()


async def _bench_idle_then_close(window: MainWindow) -> None:
    await asyncio.sleep(float(os.environ.get("PARLEY_BENCH_IDLE", "1")))
    print(f"idle-rss {resident_kib()}", flush=True)
    window.close()


def resident_kib() -> int:
    """This process's resident set size in KiB (Linux), 0 where unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
