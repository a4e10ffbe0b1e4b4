"""Secrets (API keys, tokens, cookies) in the OS keyring, and nowhere else.

Every keyring call runs on a thread of its own (``in_keyring_thread``): the Secret Service
may block on an unlock prompt, and Parley must still end at once when its window is closed.
When the OS has no usable keyring (none, locked, or only a plaintext file backend),
``open_secret_store`` returns a ``MemorySecretStore`` that keeps secrets for this session
only, with a ``notice`` the window shows; no secret is ever written anywhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

if TYPE_CHECKING:
    from .stored_names import StoredNames

SERVICE = "parley"
PROBE_NAME = "parley/probe"


class KeyringBackend(Protocol):
    """The part of a ``keyring`` backend Parley uses."""

    def get_password(self, service: str, username: str) -> str | None: ...

    def set_password(self, service: str, username: str, password: str) -> None: ...

    def delete_password(self, service: str, username: str) -> None: ...


class SecretStoreError(Exception):
    """The keyring refused an operation (locked, dismissed prompt, backend failure)."""


class SecretStore(Protocol):
    """Where secrets live. ``persistent`` is False for a session-only store."""

    persistent: bool
    notice: str
    """One plain sentence about where secrets are kept, for the window; "" when all is well."""

    async def get(self, name: str) -> str | None: ...

    async def set(self, name: str, value: str) -> None: ...

    async def delete(self, name: str) -> None: ...

    async def forget_all(self) -> int:
        """Remove every secret Parley keeps here, and nothing else's; how many went."""
        ...


T = TypeVar("T")


async def in_keyring_thread(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` on a thread of its own, awaited. A keyring call may wait on an
    unlock prompt for as long as the user leaves it: the thread is a daemon, so that closing
    the window meanwhile still ends Parley at once (``asyncio.to_thread``'s pool would make
    the exit wait for the prompt)."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def run() -> None:
        try:
            result = function(*args)
        except BaseException as error:  # handed to the caller, as to_thread does
            _hand_over(loop, done, error=error)
        else:
            _hand_over(loop, done, result=result)

    threading.Thread(target=run, name="Parley keyring", daemon=True).start()
    return await done


def _hand_over(
    loop: asyncio.AbstractEventLoop,
    done: asyncio.Future[T],
    result: Any = None,
    error: BaseException | None = None,
) -> None:
    def settle() -> None:
        if done.done():  # the caller was cancelled meanwhile
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)

    with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits any more
        loop.call_soon_threadsafe(settle)


_NAME = re.compile(r"[^/\s](?:[^/]*[^/\s])?/[\w.:-]+(@\S+)?")
"""The scheme of every name: ``provider/kind`` with ``@scope`` (an origin, or a proxy URL)."""


def checked(name: object, value: object = "") -> None:
    """Refuse what the keyring refuses, the same way in every store: a name outside the
    scheme of ``secret_name``, or a secret that is not text (``None`` included)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise SecretStoreError(
            f"Parley asked for a secret under the name {str(name)[:80]!r}, which is outside "
            "its naming scheme; nothing was read or stored. Please report this."
        )
    if not isinstance(value, str):
        raise SecretStoreError(
            f"Parley tried to store a {type(value).__name__} as the secret {name}; only text "
            "can be kept, so nothing was stored. Please report this."
        )


def secret_name(provider: str, kind: str, scope: str = "") -> str:
    """The keyring username for one credential: ``"VoiGpt/access_token@https://voigpt.com"``."""
    return f"{provider}/{kind}@{scope}" if scope else f"{provider}/{kind}"


def encode_cookies(cookies: dict[str, str]) -> str:
    """Cookies as one keyring secret: compact JSON with sorted names (any text round-trips)."""
    return json.dumps(cookies, separators=(",", ":"), sort_keys=True)


def decode_cookies(text: str | None) -> dict[str, str]:
    """The cookies of ``encode_cookies``; none for a missing or unreadable secret.

    A keyring entry is outside input: any text gives a mapping, never an error. Numbers and
    booleans are written out as text; a value of any other kind makes the secret unreadable.
    """
    if not text:
        return {}
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: JSON nested ~1,000 deep
        return {}
    if not isinstance(value, dict):
        return {}
    return _cookie_texts(value)


def _cookie_texts(value: dict[str, object]) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for name, item in value.items():
        if not isinstance(item, str | int | float):
            return {}
        cookies[name] = str(item)
    return cookies


class MemorySecretStore:
    """Secrets kept in memory for this session only (tests, or no usable keyring)."""

    persistent = False

    def __init__(self, notice: str = "") -> None:
        self.notice = notice
        self._items: dict[str, str] = {}

    async def get(self, name: str) -> str | None:
        checked(name)
        return self._items.get(name)

    async def set(self, name: str, value: str) -> None:
        checked(name, value)
        self._items[name] = value

    async def delete(self, name: str) -> None:
        checked(name)
        self._items.pop(name, None)

    async def forget_all(self) -> int:
        removed = len(self._items)
        self._items.clear()
        return removed

    def names(self) -> list[str]:
        """The names of the secrets held, sorted (for the window and tests)."""
        return sorted(self._items)


class KeyringSecretStore:
    """Secrets in the OS keyring under service ``parley``; every call off the loop thread.

    With ``names``, what each call learns of which names are kept is written down there (see
    ``chat.stored_names``), so a later start knows which secrets it need not ask for."""

    persistent = True
    notice = ""

    def __init__(
        self, backend: KeyringBackend, service: str = SERVICE, names: StoredNames | None = None
    ) -> None:
        self._backend = backend
        self._service = service
        self._names = names

    @property
    def backend(self) -> KeyringBackend:
        """The keyring backend that holds the secrets."""
        return self._backend

    async def get(self, name: str) -> str | None:
        value = await self._call("get_password", name)
        await self._note(name, value is not None)
        return value

    async def set(self, name: str, value: str) -> None:
        await self._call("set_password", name, value)
        await self._note(name, True)

    async def delete(self, name: str) -> None:
        import keyring.errors

        try:
            await self._call("delete_password", name)
        except SecretStoreError as error:
            if not isinstance(error.__cause__, keyring.errors.PasswordDeleteError):
                raise
        await self._note(name, False)

    async def forget_all(self) -> int:
        """Remove every item of Parley's from the keyring, and no other program's: those the
        keyring lists (the Secret Service can) and those Parley's list of names holds.

        Raises ``SecretStoreError`` when the keyring refuses, or when it cannot list its items
        and Parley's list of them is not known (so nothing could be found to remove)."""
        from .forget import CannotList, forget_items

        known = await asyncio.to_thread(self._names.read) if self._names is not None else None
        try:
            removed = await in_keyring_thread(forget_items, self._backend, self._service, known)
        except CannotList:
            raise SecretStoreError(
                "This keyring cannot list its items and Parley's list of them is not known, so "
                "nothing was removed. Remove the items of the service “parley” in your "
                "keyring's own app (Keychain Access, Credential Manager)."
            ) from None
        except Exception as error:
            raise SecretStoreError(
                f"The keyring refused to delete Parley's secrets: {_why(error)}. Unlock your "
                "keyring (GNOME Keyring, KWallet) or allow Parley to use it, then try again; "
                f"some may be gone already.{_detail(error)}"
            ) from error
        if self._names is not None:
            await asyncio.to_thread(self._names.replace, ())
        return removed

    async def take_list(self) -> None:
        """Write down the keyring's whole list of Parley's names, where the keyring can list
        its items (the Secret Service can; macOS's and Windows' backends cannot)."""
        if self._names is not None:
            listed = await in_keyring_thread(_listed_names, self._backend, self._service)
            if listed is not None:
                await asyncio.to_thread(self._names.replace, listed)

    async def _note(self, name: str, stored: bool) -> None:
        if self._names is not None:
            await asyncio.to_thread(self._names.note, name, stored)

    async def _call(self, method: str, *args: str) -> str | None:
        checked(*args)
        function = getattr(self._backend, method)
        try:
            result = await in_keyring_thread(function, self._service, *args)
        except Exception as error:
            raise SecretStoreError(
                f"The keyring refused to {_VERBS[method]}: {_why(error)}. "
                "Unlock your keyring (GNOME Keyring, KWallet) or allow Parley to use it, "
                f"then try again.{_detail(error)}"
            ) from error
        return result if isinstance(result, str) else None


_VERBS = {
    "get_password": "read a secret",
    "set_password": "store a secret",
    "delete_password": "delete a secret",
}


_WHY = {
    "KeyringLocked": "it is locked",
    "InitError": "it could not be opened",
    "NoKeyringError": "no keyring service was found",
    "PasswordSetError": "it did not accept the secret",
    "PasswordDeleteError": "it could not delete the secret",
}


def _why(error: BaseException) -> str:
    """What went wrong with the keyring, in our words."""
    for kind in type(error).__mro__:
        if kind.__name__ in _WHY:
            return _WHY[kind.__name__]
    return "it reported an error"


def _detail(error: BaseException) -> str:
    """The keyring's own words, after ours (empty when it said nothing)."""
    said = " ".join(str(error).split())[:200]
    return f" (The keyring said: {said})" if said else ""


def unusable_reason(backend: object) -> str | None:
    """Why ``backend`` must not hold Parley's secrets, or None when it may."""
    module = type(backend).__module__
    name = type(backend).__name__
    if module.startswith("keyring.backends.fail") or module.startswith("keyring.backends.null"):
        return "no keyring service was found"
    if module.startswith("keyrings.alt") or "plaintext" in name.lower():
        return f"the only keyring backend ({module}.{name}) writes secrets to a plain file"
    if module.startswith("keyring.backends.chainer"):
        chained = list(getattr(backend, "backends", []))
        # The chainer writes to its first (highest-priority) backend: that one must be sound.
        return unusable_reason(chained[0]) if chained else "no keyring service was found"
    return None


def _first_backend(backend: KeyringBackend) -> KeyringBackend:
    """The backend that really holds secrets: a chainer's first one, else ``backend`` itself.

    A chainer reads from every backend it chains, a plaintext file included: Parley talks to
    the sound first backend only.
    """
    if type(backend).__module__.startswith("keyring.backends.chainer"):
        chained = list(getattr(backend, "backends", []))
        if chained:
            return cast(KeyringBackend, chained[0])
    return backend


def _choose(backend: KeyringBackend | None) -> tuple[KeyringBackend | None, str | None]:
    """The backend to use, or why there is none. On a worker thread: each step may use D-Bus."""
    if backend is None:
        import keyring

        backend = cast(KeyringBackend, keyring.get_keyring())
    reason = unusable_reason(backend)
    if reason is not None:
        return None, reason
    backend = _first_backend(backend)
    try:  # touch the keyring once: raises when it is locked or its service is missing
        backend.get_password(SERVICE, PROBE_NAME)
    except Exception as error:
        return None, f"the keyring cannot be used because {_why(error)}.{_detail(error)}"
    return backend, None


def _listed_names(backend: KeyringBackend, service: str) -> list[str] | None:
    """The names of every item of ``service`` in a Secret Service backend's collection; None
    for a backend that cannot list (or when listing fails: the list is then not known)."""
    if not type(backend).__module__.startswith("keyring.backends.SecretService"):
        return None
    from contextlib import closing

    secret_service: Any = backend  # keyring's SecretService.Keyring, which types none of this
    try:
        scheme = secret_service.schemes[secret_service.scheme]
        collection = secret_service.get_preferred_collection()
        with closing(collection.connection):
            items = collection.search_items({scheme["service"]: service})
            names = [item.get_attributes().get(scheme["username"]) for item in items]
    except Exception:  # a keyring that cannot list is read name by name, as before
        return None
    return [name for name in names if isinstance(name, str)]


async def open_secret_store(
    backend: KeyringBackend | None = None, names: StoredNames | None = None
) -> KeyringSecretStore | MemorySecretStore:
    """The keyring when it is usable; otherwise a session-only memory store that says why.

    The keyring's list of Parley's names is taken now and kept up to date in ``names`` (by
    default the file beside the settings, which every Parley process keeps: a secret stored
    by ``parley keys set`` is one the window knows to read)."""
    chosen, reason = await in_keyring_thread(_choose, backend)
    if chosen is not None:
        from .stored_names import StoredNames

        store = KeyringSecretStore(chosen, names=names or StoredNames())
        await store.take_list()
        return store
    head, _, detail = (reason or "no keyring service was found").partition(". (")
    return MemorySecretStore(
        notice=(
            f"Secrets are kept in memory for this session only: {head.rstrip('.')}. "
            "Unlock or install a keyring (GNOME Keyring, KWallet) to keep them."
            + (f" ({detail}" if detail else "")
        )
    )


class DeferredSecretStore:
    """The secret store opened at the first read of a secret that may be kept, or the first
    write, rather than at the start: a start that needs no secret leaves the keyring closed
    (no unlock prompt, about 10 MB not loaded). ``names`` says which secrets are surely not
    kept (see ``chat.stored_names``); once opened, every call goes to the store itself.

    ``on_open`` is called with the store once it is open (the window shows its notice)."""

    def __init__(
        self,
        open_store: Callable[[], Awaitable[SecretStore]],
        names: StoredNames,
        on_open: Callable[[SecretStore], None] | None = None,
    ) -> None:
        self._open_store = open_store
        self._names = names
        self._on_open = on_open
        self._store: SecretStore | None = None
        self._lock = asyncio.Lock()

    @property
    def opened(self) -> SecretStore | None:
        """The store, once it is open; None before."""
        return self._store

    @property
    def persistent(self) -> bool:
        """False once the store opened is the session-only one (True until it is known)."""
        return self._store is None or self._store.persistent

    @property
    def notice(self) -> str:
        return self._store.notice if self._store is not None else ""

    async def get(self, name: str) -> str | None:
        checked(name)
        if self._store is None and await asyncio.to_thread(self._names.surely_absent, name):
            return None
        return await (await self.open()).get(name)

    async def set(self, name: str, value: str) -> None:
        checked(name, value)
        await (await self.open()).set(name, value)

    async def delete(self, name: str) -> None:
        checked(name)
        if self._store is None and await asyncio.to_thread(self._names.surely_absent, name):
            return
        await (await self.open()).delete(name)

    async def forget_all(self) -> int:
        """Open the store (the file of names is a hint, never the truth) and forget all."""
        return await (await self.open()).forget_all()

    async def open(self) -> SecretStore:
        """The store, opened once however many callers ask at the same time (an opening
        that failed or was cancelled is tried again by the next caller)."""
        async with self._lock:
            if self._store is None:
                store = await self._open_store()
                self._store = store
                if self._on_open is not None:
                    self._on_open(store)
            return self._store
