"""The network settings (timeouts, CA bundle) handed to a session, and kept in step with it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from providers.http import Timeouts

if TYPE_CHECKING:
    from .session import ChatSession
    from .settings import Settings

TIMEOUT_SETTINGS = frozenset({"connect_timeout", "idle_timeout"})


def timeouts_of(settings: Settings) -> Timeouts:
    """The timeouts the settings give."""
    return Timeouts(connect=settings.get("connect_timeout"), idle=settings.get("idle_timeout"))


def follow(
    session: ChatSession,
    settings: Settings,
    on_ca_bundle: Callable[[], None] | None = None,
) -> Callable[[], None]:
    """Give ``session`` the settings' timeouts and CA bundle now and after each change, so
    that the next request uses them; ``on_ca_bundle`` is told when the bundle changed (to
    check it). The function returned stops following."""

    def on_changed(name: str, provider: str | None) -> None:
        if provider is not None:
            return
        if name in TIMEOUT_SETTINGS:
            session.set_timeouts(timeouts_of(settings))
        elif name == "ca_bundle":
            session.set_ca_bundle(str(settings.get("ca_bundle")))
            if on_ca_bundle is not None:
                on_ca_bundle()

    session.set_timeouts(timeouts_of(settings))
    session.set_ca_bundle(str(settings.get("ca_bundle")))
    return settings.watch(on_changed)
