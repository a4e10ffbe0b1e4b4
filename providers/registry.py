"""Finding providers by name. Built-in and third-party providers arrive the same way: the
``parley.providers`` entry-point group, naming a ``Provider`` value (``Name =
"package.module:VALUE"``) or a class of the older conventions (``"package.module:Class"``)."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Iterable, Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import TypeVar

from .base import BaseProvider
from .contract import Provider
from .errors import ProviderError
from .legacy import ClassProvider, as_provider

ENTRY_POINT_GROUP = "parley.providers"
_T = TypeVar("_T")


class UnknownProviderError(ProviderError, LookupError):
    """No provider has that name."""


class ProviderLoadError(ProviderError):
    """An entry point names something that cannot be loaded or is not a provider class."""

    default_hint = "Update or uninstall the package that registers it."


class ProviderRegistry:
    """Providers by name: plugin classes, built-in presets and the user's own endpoints in
    one list. Entry points are loaded on first use, so listing names is cheap."""

    def __init__(
        self,
        providers: Iterable[Provider | type[BaseProvider]] = (),
        entry_points: Iterable[EntryPoint] = (),
    ):
        self._entry_points = {ep.name: ep for ep in entry_points}
        self._loaded: dict[str, Provider] = {}
        for provider in providers:
            self.add(provider)

    @classmethod
    def from_entry_points(
        cls, extra: Iterable[Provider | type[BaseProvider]] = ()
    ) -> ProviderRegistry:
        return cls(extra, entry_points(group=ENTRY_POINT_GROUP))

    def add(self, provider: Provider | type[BaseProvider]) -> Provider:
        """Add ``provider`` (a value, or a class of the older conventions); one of the same
        name is replaced."""
        value = as_provider(provider)
        self._loaded[value.name] = value
        return value

    def remove(self, name: str) -> None:
        """Forget the provider called ``name`` (a user's endpoint that was deleted)."""
        self._loaded.pop(name, None)
        self._entry_points.pop(name, None)

    def names(self) -> list[str]:
        return sorted({*self._entry_points, *self._loaded}, key=str.casefold)

    def get(self, name: str) -> Provider:
        """The provider called ``name`` (any case); entry points are loaded here."""
        exact = self._loaded.get(name)
        if exact is not None:
            return exact
        entry = self._entry_points.get(name)
        if entry is None:  # only then a name in another case: an exact one always wins
            loaded = self._casefold(self._loaded, name)
            if loaded is not None:
                return loaded
            entry = self._casefold(self._entry_points, name)
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

    def all(self) -> list[Provider]:
        return [self.get(name) for name in self.names()]

    def available(self) -> tuple[list[Provider], dict[str, str]]:
        """The providers that load, and for each one that does not, why (a broken plugin
        must not take the app down with it)."""
        loaded: list[Provider] = []
        broken: dict[str, str] = {}
        for name in self.names():
            try:
                loaded.append(self.get(name))
            except Exception as error:  # a third-party package may fail in any way
                broken[name] = f"{type(error).__name__}: {error}"
        return loaded, broken


def _load(entry: EntryPoint) -> Provider:
    try:
        found = entry.load()
    except Exception as error:  # an installed package's import failed: say which one
        raise ProviderLoadError(
            f"The provider {entry.name!r} could not be loaded from {entry.value!r}: {error!r}."
        ) from error
    if isinstance(found, Provider):
        return found if found.name == entry.name else dataclasses.replace(found, name=entry.name)
    if not (isinstance(found, type) and issubclass(found, BaseProvider)):
        raise ProviderLoadError(
            f"The entry point {entry.name!r} = {entry.value!r} is not a Parley provider class."
        )
    if inspect.isabstract(found):
        raise ProviderLoadError(
            f"The entry point {entry.name!r} = {entry.value!r} is an abstract provider class."
        )
    provider = as_provider(found)
    return (
        provider if provider.name == entry.name else dataclasses.replace(provider, name=entry.name)
    )


def get_provider(name: str) -> Provider | type[BaseProvider]:
    """What is registered under ``name``: the class of a provider written to the older
    conventions (``get_provider("VoiGpt").create_completion(...)``), else its value."""
    provider = ProviderRegistry.from_entry_points().get(name)
    return provider.cls if isinstance(provider, ClassProvider) else provider
