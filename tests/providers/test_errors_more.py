"""The sentences and kinds of provider errors: what a person reads, and what a retry decides by."""

from __future__ import annotations

import pytest

from providers.errors import (
    ErrorKind,
    OverloadedError,
    ProviderError,
    RateLimitError,
    ResponseStatusError,
)

SERVER_SIDE = "The site has a problem on its side; try again later, or pick another provider."
MOVED = "Check the provider's base URL; the site may have moved or changed."
CHANGED = "The site did not accept the request; it may have changed how it works."


HINTS = {
    500: SERVER_SIDE,
    503: SERVER_SIDE,
    404: MOVED,
    405: MOVED,
    410: MOVED,
    400: CHANGED,
    406: CHANGED,
    411: CHANGED,
    499: CHANGED,
}


@pytest.mark.parametrize("status", HINTS)
def test_a_status_error_says_what_the_status_calls_for(status: int) -> None:
    hint = HINTS[status]
    error = ResponseStatusError(status, "nope", provider="Seed")
    assert str(error) == f"Seed: The service answered HTTP {status}: nope. {hint}"
    assert (error.provider, error.status, error.excerpt) == ("Seed", status, "nope")
    assert error.kind is ErrorKind.HTTP


def test_a_status_error_without_an_excerpt_ends_its_sentence() -> None:
    error = ResponseStatusError(502, "")
    assert str(error) == f"The service answered HTTP 502. {SERVER_SIDE}"
    assert error.provider is None


def test_a_rate_limit_keeps_the_provider_and_a_hint_it_is_given() -> None:
    error = RateLimitError("Slow down", provider="Seed", hint="Upgrade your plan.")
    assert str(error) == "Seed: Slow down. Upgrade your plan."
    assert (error.provider, error.status, error.retry_after) == ("Seed", 429, None)
    waiting = RateLimitError("Slow down", retry_after=2.5, provider="Seed")
    assert str(waiting) == "Seed: Slow down. Wait and try again in 2.5 s, or pick another provider."


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (OverloadedError("Busy"), True),
        (RateLimitError("Slow", retry_after=10), True),
        (RateLimitError("Slow", retry_after=10.5), False),
        (RateLimitError("Slow"), False),
        (ResponseStatusError(502, ""), True),
        (ResponseStatusError(503, ""), True),
        (ResponseStatusError(529, ""), True),
        (ResponseStatusError(500, ""), False),
        (ResponseStatusError(504, ""), False),
        (ProviderError("Odd"), False),
    ],
)
def test_only_a_busy_service_is_worth_another_try(error: ProviderError, transient: bool) -> None:
    assert error.transient is transient
