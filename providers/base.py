"""The provider contract: three calling conventions, one async-generator entry for the app."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar
from urllib.parse import urlsplit

from .contract import checked_base_url
from .errors import ModelNotSupportedError
from .types import Chunk, CredentialKind, Messages

_END = object()


class BaseProvider(ABC):
    """What every provider declares. Subclass one of the three kinds below, not this.

    Whatever a provider implements, all three calls work:
    ``create_completion`` (a sync generator of text), ``create_async`` (the whole text) and
    ``create_async_generator`` (text and typed chunks; the one entry the app drives).

    Keyword arguments the app passes (a provider ignores what it does not use):
    ``session`` (the app's ``aiohttp.ClientSession``, or None), ``timeouts``
    (``providers.http.Timeouts``, or None), ``tls`` (the ``ssl.SSLContext`` to verify
    certificates with, see ``providers.tls``, or None), and the credentials named in
    ``credential_kinds``: ``api_key`` / ``access_token`` (str) and ``cookies``
    (``dict[str, str]``). HTTP goes through ``providers.http.open_http(name, session=...,
    proxy=..., timeouts=..., tls=...)``. A refreshed credential is yielded as
    ``CredentialUpdate``.
    """

    url: ClassVar[str] = ""
    api_endpoint: ClassVar[str | None] = None
    label: ClassVar[str] = ""
    working: ClassVar[bool] = False
    supports_stream: ClassVar[bool] = False
    supports_message_history: ClassVar[bool] = False
    supports_system_message: ClassVar[bool] = False
    needs_auth: ClassVar[bool] = False
    credential_kinds: ClassVar[tuple[CredentialKind, ...]] = ()
    """The credentials the provider reads from its keyword arguments, for the caller to supply."""
    supported_options: ClassVar[frozenset[str] | None] = None
    """The generation options (``temperature``...) it reads; None: not declared, all are passed."""

    @classmethod
    def get_name(cls) -> str:
        return cls.__name__

    @classmethod
    def get_label(cls) -> str:
        return cls.label or cls.get_name()

    @classmethod
    def origin(cls) -> str:
        """``scheme://host[:port]`` of ``url``: the scope under which its credentials are kept."""
        parts = urlsplit(cls.url)
        return f"{parts.scheme}://{parts.netloc}"

    @classmethod
    def with_base_url(cls, base_url: str) -> type[BaseProvider]:
        """A copy of this provider whose every address is derived from ``base_url``.

        ``api_endpoint`` keeps its place under ``url`` when it was under ``url``; otherwise
        its path moves to the new origin. A base URL that is not http(s) raises
        ``InvalidBaseUrlError`` (also a ``ValueError``).
        """
        new_url = checked_base_url(base_url)
        attrs: dict[str, Any] = {"url": new_url, "__module__": cls.__module__}
        if cls.api_endpoint:
            attrs["api_endpoint"] = _moved_endpoint(cls.api_endpoint, cls.url, new_url)
        attrs["__qualname__"] = cls.__qualname__
        return type(cls.__name__, (cls,), attrs)

    @classmethod
    @abstractmethod
    def create_async_generator(
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        """Stream the reply: text chunks (``str``) and typed chunks."""

    @classmethod
    async def create_async(cls, model: str, messages: Messages, **kwargs: Any) -> str:
        """The whole reply text."""
        parts = [
            chunk
            async for chunk in cls.create_async_generator(model, messages, **kwargs)
            if isinstance(chunk, str)
        ]
        return "".join(parts)

    @classmethod
    def create_completion(
        cls, model: str, messages: Messages, stream: bool = False, **kwargs: Any
    ) -> Iterator[str]:
        """A blocking generator of text chunks, for scripts without an event loop.

        Called from a thread whose event loop is running, the work runs on a helper thread
        with its own loop, so it never deadlocks the caller's loop.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return _drive_on_private_loop(cls.create_async_generator(model, messages, **kwargs))
        kwargs.pop("session", None)  # the caller's session belongs to the caller's loop
        return _drive_on_thread(cls.create_async_generator(model, messages, **kwargs))


def _moved_endpoint(endpoint: str, old_url: str, new_url: str) -> str:
    """``endpoint`` re-based from ``old_url`` onto ``new_url``."""
    old_url = old_url.rstrip("/")
    rest = endpoint[len(old_url) :]
    if old_url and endpoint.startswith(old_url) and rest[:1] in ("", "/", "?", "#"):
        return new_url + rest
    new = urlsplit(new_url)
    old = urlsplit(endpoint)
    query = f"?{old.query}" if old.query else ""
    return f"{new.scheme}://{new.netloc}{old.path}{query}"


async def _next(agen: AsyncIterator[Chunk]) -> Chunk:
    return await anext(agen)


def _drive_on_private_loop(agen: AsyncIterator[Chunk]) -> Iterator[str]:
    with asyncio.Runner() as runner:
        try:
            while True:
                try:
                    chunk: Chunk = runner.run(_next(agen))
                except StopAsyncIteration:
                    return
                if isinstance(chunk, str):
                    yield chunk
        finally:
            aclose = getattr(agen, "aclose", None)
            if aclose is not None:
                runner.run(aclose())


def _drive_on_thread(agen: AsyncIterator[Chunk]) -> Iterator[str]:
    items: queue.Queue[object] = queue.Queue()
    running: list[tuple[asyncio.AbstractEventLoop, asyncio.Task[Any]]] = []

    async def pump() -> None:
        task = asyncio.current_task()
        assert task is not None
        running.append((asyncio.get_running_loop(), task))
        try:
            async for chunk in agen:
                if isinstance(chunk, str):
                    items.put(chunk)
        except BaseException as error:  # handed to the consuming thread, re-raised there
            items.put(error)
        finally:
            items.put(_END)

    thread = threading.Thread(target=asyncio.run, args=(pump(),), daemon=True)
    thread.start()
    try:
        while (item := items.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield str(item)
    finally:
        for loop, task in running:  # the caller stopped early: stop the work too
            with contextlib.suppress(RuntimeError):  # its loop has already closed
                loop.call_soon_threadsafe(task.cancel)


class AsyncGeneratorProvider(BaseProvider):
    """A provider that streams: implement ``create_async_generator``."""


class AsyncProvider(BaseProvider):
    """A provider that answers in one piece: implement ``create_async``."""

    @classmethod
    @abstractmethod
    async def create_async(cls, model: str, messages: Messages, **kwargs: Any) -> str:
        """The whole reply text."""

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        yield await cls.create_async(model, messages, proxy=proxy, **kwargs)


class AbstractProvider(BaseProvider):
    """A blocking provider: implement ``create_completion`` (a generator of text).

    The app still drives it through ``create_async_generator``, which runs the blocking
    generator on a worker thread, never on the event loop thread.
    """

    @classmethod
    @abstractmethod
    def create_completion(
        cls, model: str, messages: Messages, stream: bool = False, **kwargs: Any
    ) -> Iterator[str]:
        """A blocking generator of text chunks."""

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        loop = asyncio.get_running_loop()
        items: asyncio.Queue[object] = asyncio.Queue()
        stop = threading.Event()
        kwargs.pop("session", None)  # the app's aiohttp session belongs to the loop thread

        def put(item: object) -> None:
            # The consumer may be gone and its loop closed; then nobody waits for the item.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(items.put_nowait, item)

        def work() -> None:
            try:
                for chunk in cls.create_completion(model, messages, True, proxy=proxy, **kwargs):
                    if stop.is_set():
                        return
                    put(chunk)
            except BaseException as error:  # handed to the loop thread, re-raised there
                put(error)
            finally:
                put(_END)

        threading.Thread(target=work, name=f"{cls.get_name()}-worker", daemon=True).start()
        try:
            while (item := await items.get()) is not _END:
                if isinstance(item, BaseException):
                    raise item
                yield str(item)
        finally:
            stop.set()


class ProviderModelMixin:
    """Models a provider offers: ``default_model``, ``models``, ``model_aliases``."""

    default_model: ClassVar[str] = ""
    models: ClassVar[list[str]] = []
    model_aliases: ClassVar[dict[str, str]] = {}

    @classmethod
    def get_models(cls) -> list[str]:
        return list(cls.models) or ([cls.default_model] if cls.default_model else [])

    @classmethod
    def get_model(cls, model: str) -> str:
        """The model name to send: empty → default, a listed name as is, an alias mapped."""
        if not model:
            return cls.default_model
        offered = cls.get_models()
        if model in offered:
            return model
        if model in cls.model_aliases:
            return cls.model_aliases[model]
        name = getattr(cls, "__name__", "this provider")
        choices = offered + [alias for alias in cls.model_aliases if alias not in offered]
        raise ModelNotSupportedError(
            f"Model {model!r} is not offered by {name}.",
            hint=f"Pick one of: {', '.join(choices)}." if choices else None,
        )
