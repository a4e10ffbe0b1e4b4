"""The contract the app drives a provider with: one request, one context, typed chunks back.

A provider is a value (``Provider``): a name, a base URL and what it can do. The app calls
``provider.stream(request, context)`` for a reply and ``provider.list_models(context)`` for
its models. Endpoints a user names ("My vLLM") are providers like any other, built from the
same classes with other values. Classes written for the older calling conventions
(``create_async_generator(model, messages, **kwargs)``) are adapted by ``providers.legacy``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from .errors import InvalidBaseUrlError, ModelNotSupportedError, UnsupportedOptionError
from .types import Chunk, CredentialKind, Message

if TYPE_CHECKING:
    import ssl

    import aiohttp

    from .http import Timeouts


@dataclass(frozen=True, slots=True)
class Options:
    """Generation options; None means "the service's default" and is never sent."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    reasoning_effort: str | None = None
    """How much a reasoning model thinks before it answers: one of ``EFFORTS``."""

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> Options:
        """Options from ``{"temperature": 0.2, ...}``; an unknown name raises ``TypeError``."""
        return cls(**dict(values))

    def given(self) -> dict[str, float | int | str]:
        """The options that were set, by name."""
        return {
            f.name: value
            for f in dataclasses.fields(self)
            if (value := getattr(self, f.name)) is not None
        }


OPTION_NAMES = frozenset(f.name for f in dataclasses.fields(Options))
EFFORTS = ("low", "medium", "high")
"""The reasoning efforts a reply can ask for."""


@dataclass(frozen=True, slots=True)
class Request:
    """What to answer: the model, the conversation so far (OpenAI form, oldest first, a
    system message first if there is one) and the options."""

    model: str
    messages: tuple[Message, ...]
    options: Options = Options()

    @property
    def system(self) -> str:
        """The system prompt ("" when there is none)."""
        return "\n\n".join(
            str(m.get("content") or "") for m in self.messages if m.get("role") == "system"
        )

    @property
    def turns(self) -> tuple[Message, ...]:
        """The messages without the system prompt."""
        return tuple(m for m in self.messages if m.get("role") != "system")


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the provider may send to prove who the user is. Each one was stored for this
    provider at the origin of its base URL (or read from the service's usual environment
    variable); none is ever sent elsewhere."""

    api_key: str | None = None
    access_token: str | None = None
    cookies: Mapping[str, str] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    """Extra request headers of a user's endpoint, secret ones included."""

    def get(self, kind: CredentialKind) -> str | Mapping[str, str] | None:
        value: str | Mapping[str, str] | None = getattr(self, kind)
        return value


@dataclass(frozen=True, slots=True)
class Context:
    """The app's parts a provider uses: its HTTP client, credentials, timeouts, proxy and
    the TLS context its HTTPS requests verify certificates with (``providers.tls``)."""

    http: aiohttp.ClientSession | None = None
    credentials: Credentials = Credentials()
    timeouts: Timeouts | None = None
    proxy: str | None = None
    tls: ssl.SSLContext | None = None
    """The authorities to trust (None: the system's); certificates are always verified."""


def checked_base_url(base_url: str) -> str:
    """``base_url`` without surrounding space or a trailing ``/``; anything but an absolute
    http(s) URL raises ``InvalidBaseUrlError``."""
    new_url = base_url.strip().rstrip("/")
    try:
        parts = urlsplit(new_url)
        (parts.hostname or "").encode("idna")  # an empty or 64+ character label
    except ValueError:  # UnicodeError is one: a host name no lookup could resolve
        raise InvalidBaseUrlError(f"Not a valid address: {base_url[:200]!r}.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidBaseUrlError(f"Not an http(s) URL: {base_url[:200]!r}.")
    return new_url


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True, kw_only=True)
class Provider(ABC):
    """A chat service the app can talk to. Frozen: ``with_base_url`` makes a new value.

    Flags (the window and the session read them; nobody checks a provider by name):
    ``working``, ``supports_stream``, ``supports_message_history``,
    ``supports_system_message``, ``alternating_roles`` (the API wants user and assistant
    turns to alternate, a user turn first), ``needs_auth`` with ``credential_kinds``,
    ``supported_options`` (others are refused before anything is sent), ``local`` (a
    server on this machine, probed at start).
    """

    name: str
    url: str
    label: str = ""
    working: bool = True
    supports_stream: bool = True
    supports_message_history: bool = True
    supports_system_message: bool = True
    alternating_roles: bool = False
    needs_auth: bool = False
    credential_kinds: tuple[CredentialKind, ...] = ()
    supported_options: frozenset[str] = OPTION_NAMES
    key_env: tuple[str, ...] = ()
    """Environment variables read for the API key when none is stored (never written)."""
    local: bool = False
    default_model: str = ""
    models: tuple[str, ...] = ()
    """The built-in model list, used when the service's own list cannot be fetched."""
    model_aliases: Mapping[str, str] = field(default_factory=dict)
    home_url: str = ""
    """The base URL the provider was made with; a key from ``key_env`` is sent only there."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Extra request headers a user gave their endpoint (values that are not secret)."""
    secret_headers: tuple[str, ...] = ()
    """Names of extra headers whose values are secrets, kept in the keyring."""

    kind: ClassVar[str] = "provider"
    """What kind of service this is, for the window ("OpenAI-compatible", "Anthropic")."""
    lists_models: ClassVar[bool] = False
    """Does ``list_models`` ask the service (else it gives the built-in list)?"""
    delegates: ClassVar[bool] = False
    """Does it answer through other providers (Auto)? Never picked by default."""
    sends_headers: ClassVar[bool] = False
    """Does it send ``headers`` and ``secret_headers`` with each request (the user's extra
    headers)?"""
    hands_back_credentials: ClassVar[bool] = False
    """May its stream yield a ``CredentialUpdate`` (a rotated key, new cookies) to keep?"""

    def __post_init__(self) -> None:
        if not self.home_url:
            object.__setattr__(self, "home_url", self.url)

    def get_name(self) -> str:
        return self.name

    def get_label(self) -> str:
        return self.label or self.name

    def origin(self) -> str:
        """``scheme://host[:port]`` of ``url``: the scope under which its credentials are kept."""
        return origin_of(self.url)

    def on_this_machine(self) -> bool:
        """Is its base URL a loopback address (``localhost``, ``127.0.0.0/8``, ``::1``)?"""
        host = urlsplit(self.url).hostname or ""
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def at_home(self) -> bool:
        """Is the provider at the address it was made with (not moved by a base URL)?"""
        return origin_of(self.url) == origin_of(self.home_url)

    def with_base_url(self, base_url: str) -> Provider:
        """This provider at ``base_url`` (see ``checked_base_url``)."""
        return dataclasses.replace(self, url=checked_base_url(base_url), home_url=self.home_url)

    def get_models(self) -> list[str]:
        return list(self.models) or ([self.default_model] if self.default_model else [])

    def get_model(self, model: str) -> str:
        """The model name to send: empty → the default, an alias mapped, else as given.

        A provider whose models are listed at run time takes any name: the service says
        whether it knows it.
        """
        if not model:
            return self.default_model
        return self.model_aliases.get(model, model)

    def check_options(self, options: Options) -> None:
        """Refuse, with a sentence, the options this provider cannot send."""
        refused = sorted(set(options.given()) - self.supported_options)
        if refused:
            takes = ", ".join(sorted(self.supported_options)) or "no options"
            raise UnsupportedOptionError(
                f"{self.get_label()} does not support the option"
                f"{'s' if len(refused) > 1 else ''} {', '.join(refused)}, so nothing was sent.",
                provider=self.name,
                hint=f"Remove {'them' if len(refused) > 1 else 'it'}; it takes {takes}.",
            )

    @abstractmethod
    def stream(self, request: Request, context: Context) -> AsyncIterator[Chunk]:
        """The reply: text chunks (``str``) and typed chunks. Raises ``ProviderError``."""

    async def list_models(self, context: Context) -> list[str]:
        """The models the service offers now; the built-in list for one without a list.
        Raises ``ProviderError`` when the service cannot say."""
        return self.get_models()


def not_offered(provider: Provider, model: str, offered: list[str]) -> ModelNotSupportedError:
    """The error for ``model`` not being among ``offered``."""
    return ModelNotSupportedError(
        f"Model {model!r} is not offered by {provider.get_label()}.",
        provider=provider.name,
        hint=f"Pick one of: {', '.join(offered)}." if offered else None,
    )
