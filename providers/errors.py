"""Errors a provider raises, each with a sentence a person can act on."""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    """What sort of failure an error is: a fallback and a retry decide by it."""

    MISSING_CREDENTIALS = "missing_credentials"
    AUTHENTICATION = "authentication"
    RATE_LIMIT = "rate_limit"
    OVERLOADED = "overloaded"
    BLOCKED = "blocked"
    HTTP = "http"
    NOT_FOUND = "not_found"
    CONTEXT_LENGTH = "context_length"
    MALFORMED = "malformed"
    EMPTY = "empty"
    MODEL = "model"
    UNSUPPORTED_OPTION = "unsupported_option"
    NOT_WORKING = "not_working"
    TIMEOUT = "timeout"
    CUT = "cut"
    PROXY = "proxy"
    CA_BUNDLE = "ca_bundle"
    INVALID_URL = "invalid_url"
    REFUSED = "refused"
    ALL_FAILED = "all_failed"
    UNEXPECTED = "unexpected"


class ProviderError(Exception):
    """Base of every error a provider raises; ``str(error)`` is meant for the user.

    ``hint`` says what to do about it; ``provider`` names the provider when known;
    ``kind`` says what sort of failure it is; ``status`` is the HTTP status behind it and
    ``retry_after`` the seconds the service asked to wait, when known.
    """

    default_hint = ""
    kind = ErrorKind.UNEXPECTED

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        hint: str | None = None,
        status: int | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.hint = self.default_hint if hint is None else hint
        self.status = status
        self.retry_after: float | None = None

    @property
    def transient(self) -> bool:
        """Worth one more try after a short wait: the service is busy, not refusing."""
        if self.kind is ErrorKind.OVERLOADED:
            return True
        if self.kind is ErrorKind.RATE_LIMIT:
            return self.retry_after is not None and self.retry_after <= 10
        return self.status in (502, 503, 529)

    def __str__(self) -> str:
        prefix = f"{self.provider}: " if self.provider else ""
        if not self.hint:
            return f"{prefix}{self.message}"
        stop = "" if self.message.rstrip().endswith((".", "!", "?", "…")) else "."
        space = "" if self.hint.startswith("\n") else " "  # a hint on a line of its own
        return f"{prefix}{self.message}{stop}{space}{self.hint}"


class MissingCredentialsError(ProviderError):
    """The provider needs an API key, token or cookies that nobody gave it."""

    kind = ErrorKind.MISSING_CREDENTIALS

    default_hint = "Add it in Settings → Providers in the window (or with `parley keys set`)."


class AuthenticationError(ProviderError):
    """The service rejected the credentials it was given (expired or wrong)."""

    kind = ErrorKind.AUTHENTICATION

    default_hint = (
        "Replace the key, token or cookies in Settings → Providers in the window "
        "(or with `parley keys set`)."
    )


class RateLimitError(ProviderError):
    """The service says: too many requests."""

    kind = ErrorKind.RATE_LIMIT

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: str | None):
        super().__init__(message, status=429, **kw)
        self.retry_after = retry_after
        if not self.hint:
            wait = f"in {retry_after:g} s" if retry_after else "in a minute"
            self.hint = f"Wait and try again {wait}, or pick another provider."


class BlockedError(ProviderError):
    """A Cloudflare or other anti-bot page answered instead of the service."""

    kind = ErrorKind.BLOCKED

    default_hint = (
        "The site blocks automated clients from this address; try again later, "
        "use a proxy, or pick another provider."
    )


class ResponseStatusError(ProviderError):
    """The service answered with an HTTP error status."""

    kind = ErrorKind.HTTP

    def __init__(self, status: int, excerpt: str, *, provider: str | None = None):
        self.excerpt = excerpt
        text = f"The service answered HTTP {status}"
        if status >= 500:
            hint = "The site has a problem on its side; try again later, or pick another provider."
        elif status in (404, 405, 410):
            hint = "Check the provider's base URL; the site may have moved or changed."
        else:
            hint = "The site did not accept the request; it may have changed how it works."
        message = f"{text}: {excerpt}" if excerpt else f"{text}."
        super().__init__(message, provider=provider, hint=hint, status=status)


class MalformedResponseError(ProviderError):
    """The reply was not in the form the provider expects."""

    kind = ErrorKind.MALFORMED

    default_hint = "The service may have changed its protocol; try another provider."


class ModelNotSupportedError(ProviderError):
    """The provider does not offer the requested model."""

    kind = ErrorKind.MODEL

    default_hint = "Pick one of the provider's models from the model list."


class ProviderNotWorkingError(ProviderError):
    """The provider's site is gone or unreachable."""

    kind = ErrorKind.NOT_WORKING

    default_hint = (
        "The site may be down or gone; if you know a mirror, set the provider's base URL "
        "(Settings → Providers in the window, or `parley ask --base-url URL`)."
    )


class ProviderTimeoutError(ProviderError):
    """Base of the two timeouts: connecting, and waiting between chunks."""

    kind = ErrorKind.TIMEOUT


class ConnectTimeoutError(ProviderTimeoutError):
    """The connection could not be opened in time."""

    default_hint = "Check your network or proxy, or try again."


class IdleTimeoutError(ProviderTimeoutError):
    """The service went silent in the middle of a reply."""

    default_hint = "The text received so far is kept; try again to get the rest."


class StreamCutError(ProviderError):
    """The connection closed before the reply was complete."""

    kind = ErrorKind.CUT

    default_hint = "The text received so far is kept; try again to get the rest."


class ProxyError(ProviderError):
    """The proxy could not be used (unsupported scheme, missing support package, refused)."""

    kind = ErrorKind.PROXY

    default_hint = "Check the proxy URL in Settings → Providers or `--proxy`."


class CaBundleError(ProviderError):
    """The file of extra certificate authorities (the ``ca_bundle`` setting) cannot be used."""

    kind = ErrorKind.CA_BUNDLE

    default_hint = (
        "Fix the path or clear it (on the command line: `parley config set ca_bundle PATH` "
        "or `parley config unset ca_bundle`)."
    )


class InvalidBaseUrlError(ProviderError, ValueError):
    """A base URL that is not an absolute http(s) URL."""

    kind = ErrorKind.INVALID_URL

    default_hint = "Give a full address such as https://example.com (http or https)."


class UnsupportedOptionError(ProviderError):
    """An option the provider cannot send; refused before anything goes out."""

    kind = ErrorKind.UNSUPPORTED_OPTION


class ContextLengthError(ProviderError):
    """The conversation is longer than the model can read."""

    kind = ErrorKind.CONTEXT_LENGTH
    default_hint = (
        "Start a new conversation, shorten this one, or pick a model with a longer context."
    )


class EmptyReplyError(ProviderError):
    """The service answered, but with nothing at all."""

    kind = ErrorKind.EMPTY
    default_hint = "Try again with a shorter conversation, or pick a model with a longer context."


class OverloadedError(ProviderError):
    """The service is too busy to answer now."""

    kind = ErrorKind.OVERLOADED
    default_hint = "Try again in a moment, or pick another provider."


class NotFoundError(ProviderError):
    """The service does not know the model or the address asked for."""

    kind = ErrorKind.NOT_FOUND


class RefusedError(ProviderError):
    """The service refused to answer (its safety rules), before any text came."""

    kind = ErrorKind.REFUSED
    default_hint = "Rephrase the message, or pick another model."
