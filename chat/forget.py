"""Forget every secret Parley keeps: its items in the keyring, and nothing else's.

The keyring calls here are synchronous: run them on a keyring thread (see
``chat.secrets.in_keyring_thread``), as every store call does.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import closing
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .secrets import KeyringBackend

MAX_COPIES = 100
"""Items a keyring may hold under one name (a backend that writes copies): more is a fault."""


class CannotList(Exception):
    """Neither the keyring nor Parley's file can say which secrets Parley keeps."""


def forget_items(backend: KeyringBackend, service: str, known: Iterable[str] | None) -> int:
    """Delete every item of ``service``: those the Secret Service lists, then each of the
    ``known`` names (Parley's list of them) that is still there. Returns how many went.

    Raises ``CannotList`` when the keyring cannot list its items and ``known`` is None; any
    error of the keyring is raised as it came."""
    removed = _delete_listed(backend, service)
    if removed is None and known is None:
        raise CannotList
    return (removed or 0) + sum(_delete_name(backend, service, name) for name in known or ())


def _delete_listed(backend: KeyringBackend, service: str) -> int | None:
    """Delete the items of ``service`` a Secret Service backend lists (only those keyring
    made: they name a user); None for a backend that cannot list."""
    if not type(backend).__module__.startswith("keyring.backends.SecretService"):
        return None
    secret_service: Any = backend  # keyring's SecretService.Keyring, which types none of this
    scheme = secret_service.schemes[secret_service.scheme]
    collection = secret_service.get_preferred_collection()
    removed = 0
    with closing(collection.connection):
        for item in list(collection.search_items({scheme["service"]: service})):
            attributes = item.get_attributes()
            if attributes.get(scheme["service"]) == service and scheme["username"] in attributes:
                item.delete()
                removed += 1
    return removed


def _delete_name(backend: KeyringBackend, service: str, name: str) -> int:
    """Delete every item under ``name``; how many there were."""
    import keyring.errors

    for removed in range(MAX_COPIES):
        try:
            backend.delete_password(service, name)
        except keyring.errors.PasswordDeleteError:
            return removed
    return MAX_COPIES
