"""What the API providers share: their errors in our words, and the parts of a request.

OpenAI-compatible servers, Ollama, Anthropic and Gemini all answer an error with JSON of a
few shapes (``{"error": {"message": ...}}``, ``{"error": "..."}``, ``{"type": "error",
"error": {...}}``), a plain-text body or an HTML page. ``api_error`` turns any of them into
the ``ProviderError`` a person can act on; ``stream_error`` does the same for an error sent
in the middle of a 200 stream.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .contract import Provider
from .errors import (
    AuthenticationError,
    ContextLengthError,
    MalformedResponseError,
    MissingCredentialsError,
    NotFoundError,
    OverloadedError,
    ProviderError,
    RateLimitError,
    ResponseStatusError,
)
from .http import excerpt, is_cloudflare_page, retry_after_seconds, status_error

_CONTEXT_WORDS = (
    "context length",
    "context_length",
    "context window",
    "maximum context",
    "prompt is too long",
    "too many tokens",
    "reduce the length",
    "input is too long",
    "exceeds the context",
    "exceeds the maximum",
)
_OVERLOADED_WORDS = ("overloaded",)


def error_text(body: str) -> str:
    """The service's own message in an error body: the JSON error's message, else an
    excerpt of the text (an HTML page's title and first words)."""
    try:
        value = json.loads(body[:65536]) if body.lstrip()[:1] in ("{", "[") else None
    except (ValueError, RecursionError):
        value = None
    if isinstance(value, list) and value:
        value = value[0]  # Gemini answers some errors as a one-item list
    if isinstance(value, dict):
        said = _message_of(value)
        if said:
            return excerpt(said)
    return excerpt(body)


def _message_of(value: Mapping[str, Any]) -> str:
    error = value.get("error", value)
    if isinstance(error, str):
        return error
    if not isinstance(error, Mapping):
        return ""
    for key in ("message", "detail", "msg"):
        said = error.get(key)
        if isinstance(said, str) and said.strip():
            return said
    kind = error.get("type") or error.get("code") or error.get("status")
    return str(kind) if isinstance(kind, str | int) else ""


def _error_kind(body: str) -> str:
    """The error's ``type``/``code``/``status`` word, lowered ("" when there is none)."""
    try:
        value = json.loads(body[:65536]) if body.lstrip()[:1] in ("{", "[") else None
    except (ValueError, RecursionError):
        return ""
    if isinstance(value, list) and value:
        value = value[0]
    return _kind_of(value) if isinstance(value, dict) else ""


def _kind_of(value: Mapping[str, Any]) -> str:
    error = value.get("error")
    if not isinstance(error, Mapping):
        return ""
    words = [error.get(key) for key in ("type", "code", "status")]
    return " ".join(str(word) for word in words if isinstance(word, str | int)).lower()


def _said(head: str, said: str) -> str:
    return f"{head}: {said}" if said else f"{head}."


def api_error(
    status: int,
    body: str,
    headers: Any,
    provider: Provider,
    *,
    model: str = "",
    path: str = "",
) -> ProviderError:
    """The error a person should see for an API's HTTP error reply (``status`` kept on it)."""
    error = _status_error(status, body, headers, provider, model, path)
    error.status = status
    return error


def _status_error(
    status: int, body: str, headers: Any, provider: Provider, model: str, path: str
) -> ProviderError:
    name = provider.name
    if is_cloudflare_page(status, body, headers) or status == 407:  # a page, or the proxy's
        return status_error(status, body, headers, name)
    said = error_text(body)
    kind = _error_kind(body)
    lowered = f"{said} {kind}".lower()
    if status == 401 or (status == 403 and "key" in lowered):
        return AuthenticationError(
            _said(f"The API key was rejected (HTTP {status})", said),
            provider=name,
            hint=f"Check the key for {provider.get_label()} in Settings → Providers "
            "(or `parley keys set`).",
        )
    if status == 403:
        return AuthenticationError(
            _said("Access was refused (HTTP 403)", said),
            provider=name,
            hint="Your key may not be allowed to use this model or this service; "
            "check your account's permissions.",
        )
    if status in (400, 413, 422) and any(word in lowered for word in _CONTEXT_WORDS):
        return ContextLengthError(
            _said(f"The conversation is longer than the model's context (HTTP {status})", said),
            provider=name,
        )
    if status == 413:
        return ContextLengthError(
            _said("The request is too large for the service (HTTP 413)", said), provider=name
        )
    if status == 404:
        what = f"no model “{model}” here, or no path {path}" if model else f"no path {path} here"
        return NotFoundError(
            _said(f"There is {what} (HTTP 404)", said),
            provider=name,
            hint="Pick a model from the refreshed model list, or check the base URL "
            f"({provider.url}).",
            status=404,
        )
    if status == 429:
        retry = headers.get("retry-after") if headers is not None else None
        return RateLimitError(
            _said("Too many requests (HTTP 429)", said),
            retry_after=retry_after_seconds(retry),
            provider=name,
        )
    if status == 529 or any(word in lowered for word in _OVERLOADED_WORDS):
        return OverloadedError(
            _said(f"The service is overloaded (HTTP {status})", said),
            provider=name,
            status=status,
        )
    return ResponseStatusError(status, said, provider=name)


def stream_error(value: Mapping[str, Any], provider: Provider) -> ProviderError:
    """The error for an error object sent in the middle of a 200 stream."""
    said = excerpt(_message_of(value)) or "no details"
    kind = _kind_of(value)
    lowered = f"{said} {kind}".lower()
    code = value.get("error", {}).get("code") if isinstance(value.get("error"), dict) else None
    status = code if isinstance(code, int) and 400 <= code < 600 else None
    if "overloaded" in lowered:
        return OverloadedError(
            f"The service is overloaded and stopped the reply: {said}", provider=provider.name
        )
    if any(word in lowered for word in _CONTEXT_WORDS):
        return ContextLengthError(
            f"The conversation is longer than the model's context: {said}", provider=provider.name
        )
    if status == 429 or "rate" in kind:
        return RateLimitError(f"Too many requests: {said}", provider=provider.name)
    return ProviderError(
        f"The service sent an error in the middle of the reply: {said}",
        provider=provider.name,
        hint="The text received so far is kept; try again to get the rest.",
        status=status,
    )


def first_model(provider: Provider, models: list[str], hint: str) -> str:
    """The first of the server's ``models``, for a request that named none; ``hint`` says
    what to do when it has none."""
    if not models:
        raise MalformedResponseError(
            f"{provider.get_label()} lists no models, so there is none to ask.",
            provider=provider.name,
            hint=hint,
        )
    return models[0]


def required_key(provider: Provider, key: str | None) -> str | None:
    """``key``, or the error for a provider that needs one and has none."""
    if key or not provider.needs_auth:
        return key
    if not provider.at_home():  # moved by a base URL: a key is kept for its own site only
        import shlex

        command = shlex.join(["parley", "keys", "set", provider.name, "api_key"])
        raise MissingCredentialsError(
            f"No API key is stored for {provider.origin()}, and a key stored for another "
            "site is never sent here.",
            provider=provider.name,
            hint=f"Add the key for {provider.get_label()} at this base URL in Settings → "
            f"Providers (or `{command} --base-url {shlex.quote(provider.url)}`).",
        )
    env = " or ".join(provider.key_env)
    where = f", or set {env}" if env and provider.at_home() else ""
    raise MissingCredentialsError(
        "An API key is needed.",
        provider=provider.name,
        hint=f"Add the key for {provider.get_label()} in Settings → Providers (or `parley keys set "
        f"{provider.name} api_key`){where}.",
    )
