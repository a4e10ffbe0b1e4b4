"""The values a provider yields: text, and typed chunks that are not text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

Message: TypeAlias = Mapping[str, Any]
"""An OpenAI-style message: ``{"role": "user", "content": "Hi"}`` (content may be parts)."""

Messages: TypeAlias = Sequence[Message]


@dataclass(frozen=True, slots=True)
class FinishReason:
    """Why the reply ended: ``"stop"``, ``"length"``, ``"content_filter"``, ``"tool_calls"``..."""

    reason: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts the service reported for this reply."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class Reasoning:
    """A piece of the model's reasoning ("thinking") text, shown apart from the answer."""

    text: str


@dataclass(frozen=True, slots=True)
class ReasoningSignature:
    """The service's signature of the reasoning so far, to send back with it later."""

    signature: str


@dataclass(frozen=True, slots=True)
class AnswerWasReasoning:
    """The text given out as answer so far was reasoning (its closing tag just came)."""


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """Which provider (and model) actually answered, for providers that delegate."""

    name: str
    model: str | None = None


CredentialKind = Literal["api_key", "access_token", "cookies"]


@dataclass(frozen=True, slots=True)
class CredentialUpdate:
    """A refreshed credential the caller should store; ``value`` None means "forget it".

    Providers never touch the keyring: they hand the new token or cookies back and the
    session stores them under ``(provider, kind, scope)``. ``scope`` is the site the
    credential belongs to (derived from the provider's ``url``), so a token from one host is
    never sent to another.
    """

    kind: CredentialKind
    value: str | dict[str, str] | None
    scope: str = ""


Chunk: TypeAlias = (
    str
    | FinishReason
    | Usage
    | Reasoning
    | ReasoningSignature
    | AnswerWasReasoning
    | ProviderInfo
    | CredentialUpdate
)
