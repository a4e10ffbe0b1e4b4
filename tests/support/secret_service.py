"""The suite's Secret Service (gnome-keyring in the test run's D-Bus session), left as found."""

from __future__ import annotations

from collections.abc import Iterator

import keyring.backends.SecretService
import pytest

from chat.secrets import SERVICE, _listed_names
from tests.chat.test_secrets import NO_SERVICE, _secret_service_problem, _skip_or_fail


@pytest.fixture
def secret_service() -> Iterator[keyring.backends.SecretService.Keyring]:
    """The real Secret Service's backend; what the test stored in it as Parley's goes again,
    even when the test fails half-way. Skips (fails under CI) when there is none."""
    if (problem := _secret_service_problem()) is not None:
        _skip_or_fail(f"{NO_SERVICE} ({problem})")
    backend = keyring.backends.SecretService.Keyring()
    before = set(_listed_names(backend, SERVICE) or ())
    yield backend
    for name in set(_listed_names(backend, SERVICE) or ()) - before:
        backend.delete_password(SERVICE, name)
