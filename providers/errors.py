"""Errors a provider raises, each with a sentence a person can act on."""

from __future__ import annotations


class ProviderError(Exception):
    """Base of every error a provider raises; ``str(error)`` is meant for the user.

    ``hint`` says what to do about it; ``provider`` names the provider when known.
    """

    default_hint = ""

    def __init__(self, message: str, *, provider: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.hint = self.default_hint if hint is None else hint

    def __str__(self) -> str:
        prefix = f"{self.provider}: " if self.provider else ""
        if not self.hint:
            return f"{prefix}{self.message}"
        stop = "" if self.message.rstrip().endswith((".", "!", "?", "…")) else "."
        return f"{prefix}{self.message}{stop} {self.hint}"


class MissingCredentialsError(ProviderError):
    """The provider needs an API key, token or cookies that nobody gave it."""

    default_hint = "Add it in the window's Provider settings (or with `parley keys set`)."


class AuthenticationError(ProviderError):
    """The service rejected the credentials it was given (expired or wrong)."""

    default_hint = (
        "Replace the key, token or cookies in the window's Provider settings "
        "(or with `parley keys set`)."
    )


class RateLimitError(ProviderError):
    """The service says: too many requests."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: str | None):
        self.retry_after = retry_after
        super().__init__(message, **kw)
        if not self.hint:
            wait = f"in {retry_after:g} s" if retry_after else "in a minute"
            self.hint = f"Wait and try again {wait}, or pick another provider."


class BlockedError(ProviderError):
    """A Cloudflare or other anti-bot page answered instead of the service."""

    default_hint = (
        "The site blocks automated clients from this address; try again later, "
        "use a proxy, or pick another provider."
    )


class ResponseStatusError(ProviderError):
    """The service answered with an HTTP error status."""

    def __init__(self, status: int, excerpt: str, *, provider: str | None = None):
        self.status = status
        self.excerpt = excerpt
        text = f"The service answered HTTP {status}"
        if status >= 500:
            hint = "The site has a problem on its side; try again later, or pick another provider."
        elif status in (404, 405, 410):
            hint = "Check the provider's base URL; the site may have moved or changed."
        else:
            hint = "The site did not accept the request; it may have changed how it works."
        message = f"{text}: {excerpt}" if excerpt else f"{text}."
        super().__init__(message, provider=provider, hint=hint)


class MalformedResponseError(ProviderError):
    """The reply was not in the form the provider expects."""

    default_hint = "The service may have changed its protocol; try another provider."


class ModelNotSupportedError(ProviderError):
    """The provider does not offer the requested model."""

    default_hint = "Pick one of the provider's models from the model list."


class ProviderNotWorkingError(ProviderError):
    """The provider's site is gone or unreachable."""

    default_hint = (
        "The site may be down or gone; if you know a mirror, set the provider's base URL "
        "(Provider settings in the window, or `parley ask --base-url URL`)."
    )


class ProviderTimeoutError(ProviderError):
    """Base of the two timeouts: connecting, and waiting between chunks."""


class ConnectTimeoutError(ProviderTimeoutError):
    """The connection could not be opened in time."""

    default_hint = "Check your network or proxy, or try again."


class IdleTimeoutError(ProviderTimeoutError):
    """The service went silent in the middle of a reply."""

    default_hint = "The text received so far is kept; try again to get the rest."


class StreamCutError(ProviderError):
    """The connection closed before the reply was complete."""

    default_hint = "The text received so far is kept; try again to get the rest."


class ProxyError(ProviderError):
    """The proxy could not be used (unsupported scheme, missing support package, refused)."""

    default_hint = "Check the proxy URL in Provider settings or `--proxy`."


class InvalidBaseUrlError(ProviderError, ValueError):
    """A base URL that is not an absolute http(s) URL."""

    default_hint = "Give a full address such as https://example.com (http or https)."
