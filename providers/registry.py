"""Finding providers by name. Built-in and third-party providers arrive the same way: the
``parley.providers`` entry-point group (``Name = "package.module:Class"``)."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import TypeVar

from .base import BaseProvider
from .errors import ProviderError

ENTRY_POINT_GROUP = "parley.providers"
_T = TypeVar("_T")


class UnknownProviderError(ProviderError, LookupError):
    """No provider has that name."""


class ProviderLoadError(ProviderError):
    """An entry point names something that cannot be loaded or is not a provider class."""

    default_hint = "Update or uninstall the package that registers it."


class ProviderRegistry:
    """Providers by name. Entry points are loaded on first use, so listing names is cheap."""

    def __init__(
        self,
        providers: Iterable[type[BaseProvider]] = (),
        entry_points: Iterable[EntryPoint] = (),
    ):
        self._entry_points = {ep.name: ep for ep in entry_points}
        self._loaded: dict[str, type[BaseProvider]] = {}
        for provider in providers:
            self.add(provider)

    @classmethod
    def from_entry_points(cls, extra: Iterable[type[BaseProvider]] = ()) -> ProviderRegistry:
        return cls(extra, entry_points(group=ENTRY_POINT_GROUP))

    def add(self, provider: type[BaseProvider]) -> None:
        self._loaded[provider.get_name()] = provider

    def names(self) -> list[str]:
        return sorted({*self._entry_points, *self._loaded}, key=str.casefold)

    def get(self, name: str) -> type[BaseProvider]:
        """The provider called ``name`` (any case); entry points are loaded here."""
        loaded = self._loaded.get(name) or self._casefold(self._loaded, name)
        if loaded is not None:
            return loaded
        entry = self._entry_points.get(name) or self._casefold(self._entry_points, name)
        if entry is None:
            raise UnknownProviderError(
                f"No provider named {name!r}.",
                hint="Known providers: " + ", ".join(self.names()) + ".",
            )
        provider = _load(entry)
        self._loaded[entry.name] = provider
        return provider

    @staticmethod
    def _casefold(by_name: Mapping[str, _T], name: str) -> _T | None:
        folded = name.casefold()
        return next((value for key, value in by_name.items() if key.casefold() == folded), None)

    def all(self) -> list[type[BaseProvider]]:
        return [self.get(name) for name in self.names()]

    def available(self) -> tuple[list[type[BaseProvider]], dict[str, str]]:
        """The providers that load, and for each one that does not, why (a broken plugin
        must not take the app down with it)."""
        loaded: list[type[BaseProvider]] = []
        broken: dict[str, str] = {}
        for name in self.names():
            try:
                loaded.append(self.get(name))
            except Exception as error:  # a third-party package may fail in any way
                broken[name] = f"{type(error).__name__}: {error}"
        return loaded, broken


def _load(entry: EntryPoint) -> type[BaseProvider]:
    try:
        provider = entry.load()
    except Exception as error:  # an installed package's import failed: say which one
        raise ProviderLoadError(
            f"The provider {entry.name!r} could not be loaded from {entry.value!r}: {error!r}."
        ) from error
    if not (isinstance(provider, type) and issubclass(provider, BaseProvider)):
        raise ProviderLoadError(
            f"The entry point {entry.name!r} = {entry.value!r} is not a Parley provider class."
        )
    if inspect.isabstract(provider):
        raise ProviderLoadError(
            f"The entry point {entry.name!r} = {entry.value!r} is an abstract provider class."
        )
    return provider


def get_provider(name: str) -> type[BaseProvider]:
    """The provider registered under ``name`` (``get_provider("VoiGpt")``)."""
    return ProviderRegistry.from_entry_points().get(name)
