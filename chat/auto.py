"""Auto: the providers the user enabled, tried in their order until one answers.

It falls back to the next provider only on a failure before any text arrived, never after.
A provider that failed three times in a row is skipped for a minute, then tried again. When
all of them fail, one error lists each provider with its own.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, ClassVar

from providers.contract import Context, Provider, Request
from providers.errors import ErrorKind, ProviderError
from providers.types import Chunk

if TYPE_CHECKING:
    from .settings import Settings

NAME = "Auto"
SKIP_AFTER = 3
SKIP_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """One provider Auto may try: as configured, with the model to ask it for."""

    provider: Provider
    proxy: str | None = None
    model: str = ""


class AllFailedError(ProviderError):
    """Every provider Auto tried failed before any text arrived."""

    kind = ErrorKind.ALL_FAILED


@dataclass(frozen=True, kw_only=True)
class Auto(Provider):
    """A provider made of others (``members``, in order); ``candidates`` are the members
    as configured, made by ``configured_with`` when a reply is sent."""

    members: tuple[Provider, ...] = ()
    candidates: tuple[Candidate, ...] = ()

    kind: ClassVar[str] = "fallback"
    delegates: ClassVar[bool] = True

    def configured_with(self, settings: Settings | None) -> Auto:
        """This Auto with each member at its saved base URL, proxy and model."""
        from .credentials import configured

        candidates = []
        for member in self.members:
            try:
                target = configured(member, settings)
            except ProviderError:  # a bad saved base URL: that member cannot be tried
                continue
            model = str(settings.provider(member.name, "model")) if settings else ""
            candidates.append(Candidate(target.provider, target.proxy, model))
        return replace(self, candidates=tuple(candidates))

    async def stream(self, request: Request, context: Context) -> AsyncIterator[Chunk]:
        """Auto is driven by the chat session (each member with its own credentials)."""
        raise ProviderError(
            "Auto tries other providers and runs only through the chat session.",
            provider=self.name,
        )
        yield ""  # pragma: no cover - makes this an async generator


def turned_on(providers: Iterable[Provider], settings: Settings | None) -> list[Provider]:
    """``providers`` but the ones the user turned off (unticked in Settings): Auto's choice."""
    return [p for p in providers if settings is None or settings.provider(p.name, "enabled")]


def make_auto(providers: Iterable[Provider], order: str = "") -> Auto:
    """Auto over ``order`` (names, comma-separated, as the setting holds them) or, when it is
    empty, over the local servers and then the API services."""
    by_name = {p.name.casefold(): p for p in providers if not isinstance(p, Auto)}
    names = [n.strip().casefold() for n in order.split(",") if n.strip()]
    if names:
        members = [by_name[n] for n in dict.fromkeys(names) if n in by_name]
    else:
        usable = [p for p in by_name.values() if p.working and p.lists_models and p.url]
        members = [p for p in usable if p.local] + [p for p in usable if not p.local]
    return Auto(
        name=NAME,
        label="Auto (first that answers)",
        url="",
        members=tuple(members),
        supports_stream=True,
    )


@dataclass
class ProviderHealth:
    """Failures in a row per provider, to skip one that keeps failing for a while."""

    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, tuple[int, float]] = field(default_factory=dict)

    def usable(self, name: str) -> bool:
        count, last = self._failures.get(name, (0, 0.0))
        return count < SKIP_AFTER or self.clock() - last >= SKIP_SECONDS

    def failed(self, name: str) -> None:
        count, _ = self._failures.get(name, (0, 0.0))
        self._failures[name] = (count + 1, self.clock())

    def succeeded(self, name: str) -> None:
        self._failures.pop(name, None)


def all_failed(
    auto: Auto, failures: list[tuple[Provider, str]], skipped: list[str]
) -> AllFailedError:
    """One error that lists each provider with its error."""
    if not auto.candidates:
        return AllFailedError(
            "Auto has no providers to try.",
            provider=auto.name,
            hint="Set the providers it tries, in order, as auto_providers in the settings.",
        )
    lines = [f"• {provider.get_label()}: {why}" for provider, why in failures]
    lines += [f"• {name}: skipped, it failed {SKIP_AFTER} times in a row" for name in skipped]
    return AllFailedError(
        "Every provider Auto tried failed:\n" + "\n".join(lines),
        provider=auto.name,
        hint="\nFix the first one (a key, a server to start), or try again in a minute.",
    )
