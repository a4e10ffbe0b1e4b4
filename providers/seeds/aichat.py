"""Aichat (chat-gpt.org): the user's cookies, then one JSON reply from ``/api/text``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

from ..base import AsyncGeneratorProvider, ProviderModelMixin
from ..cookies import CookieFormatError, cookie_header, parse_cookies
from ..errors import (
    AuthenticationError,
    MalformedResponseError,
    MissingCredentialsError,
    ProviderError,
)
from ..helpers import format_prompt
from ..http import (
    Http,
    Timeouts,
    browser_headers,
    excerpt,
    is_cloudflare_page,
    open_http,
    read_text,
    status_error,
)
from ..stream import parse_json
from ..types import Chunk, CredentialKind, CredentialUpdate, Messages

SITE = "https://chat-gpt.org"
"""The origin of the site itself: its cookies are kept under it."""


def add_cookies_hint(url: str = SITE) -> str:
    """Where to put the cookies; for a mirror, the command names its ``--base-url``."""
    parts = urlsplit(url)
    mirror = f" --base-url {url}" if f"{parts.scheme}://{parts.netloc}" != SITE else ""
    return (
        "Paste them in Settings → Providers in the window, or run "
        f"`parley keys set Aichat cookies{mirror}`."
    )


ADD_COOKIES = add_cookies_hint()
CONNECT_TIMEOUT = 6.0


class AichatError(ProviderError):
    """The site answered ``{"response": false, ...}``: it could not produce a reply."""

    default_hint = "Try again later; if it persists, refresh the cookies or pick another provider."


class Aichat(AsyncGeneratorProvider, ProviderModelMixin):
    """chat-gpt.org: needs the cookies of a browser that passed the site's checks."""

    url = "https://chat-gpt.org/chat"
    working = False
    supported_options: ClassVar[frozenset[str] | None] = frozenset({"temperature", "top_p"})
    needs_auth = True
    supports_gpt_35_turbo: ClassVar[bool] = True
    default_model = "gpt-3.5-turbo"
    models: ClassVar[list[str]] = ["gpt-3.5-turbo"]
    credential_kinds: ClassVar[tuple[CredentialKind, ...]] = ("cookies",)

    @classmethod
    async def create_async_generator(
        cls,
        model: str,
        messages: Messages,
        proxy: str | None = None,
        cookies: Mapping[str, str] | str | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[Chunk]:
        """The reply as one chunk; cookies the site renews come back as ``CredentialUpdate``."""
        cls.get_model(model)
        jar = cls._cookies(cookies)  # before any request: no cookies, no call
        payload = _payload(messages, kwargs)
        timeouts = kwargs.get("timeouts") or Timeouts(connect=CONNECT_TIMEOUT)
        session = kwargs.get("session")
        name = cls.get_name()
        tls = kwargs.get("tls")
        async with open_http(
            name, session=session, proxy=proxy, timeouts=timeouts, tls=tls
        ) as http:
            body, renewed = await cls._post(http, jar, payload)
        if renewed and any(jar.get(key) != value for key, value in renewed.items()):
            yield CredentialUpdate("cookies", {**jar, **renewed}, scope=cls.origin())
        yield cls._reply_text(body)

    @classmethod
    async def _post(
        cls, http: Http, jar: dict[str, str], payload: dict[str, Any]
    ) -> tuple[str, dict[str, str]]:
        """``POST {origin}/api/text``: the body, and the cookies the reply sets."""
        headers = browser_headers(cls.url)
        headers.update({"origin": cls.origin(), "referer": cls.url, "cookie": cookie_header(jar)})
        url = f"{cls.origin()}/api/text"
        async with http.request(
            "POST", url, check=False, json=payload, headers=headers
        ) as response:
            body = await read_text(response)
            renewed = {key: morsel.value for key, morsel in response.cookies.items()}
            cls._check_status(response.status, body, response.headers)
        return body, renewed

    @classmethod
    def _cookies(cls, cookies: Mapping[str, str] | str | None) -> dict[str, str]:
        """The cookies as a mapping; a string is parsed in any form ``parse_cookies`` reads."""
        if isinstance(cookies, str) and cookies.strip():
            try:
                return parse_cookies(cookies, domain=cls.origin())
            except CookieFormatError as error:
                raise MissingCredentialsError(
                    f"Aichat's cookies could not be read: {error}", hint=add_cookies_hint(cls.url)
                ) from error
        if isinstance(cookies, Mapping) and cookies:
            jar = {str(key): str(value) for key, value in cookies.items()}
            try:
                cookie_header(jar)  # one that cannot be sent is said now, not by aiohttp
            except CookieFormatError as error:
                raise MissingCredentialsError(
                    f"Aichat's cookies cannot be sent: {error}", hint=add_cookies_hint(cls.url)
                ) from error
            return jar
        host = urlsplit(cls.url).netloc
        raise MissingCredentialsError(
            f"Aichat requires cookies from {host}: sign in there with your browser and copy "
            "its cookies (a Cookie header, cookies.txt, a JSON export or a HAR file).",
            hint=add_cookies_hint(cls.url),
        )

    @classmethod
    def _check_status(cls, status: int, body: str, headers: Any) -> None:
        if status == 403 and not is_cloudflare_page(status, body, headers):
            raise AuthenticationError(
                f"The site refused the cookies (HTTP 403): they have probably expired. "
                f"{excerpt(body)}",
                provider=cls.get_name(),
                hint="Copy fresh cookies from your browser: " + add_cookies_hint(cls.url),
            )
        if status >= 400:
            raise status_error(status, body, headers, cls.get_name())

    @classmethod
    def _reply_text(cls, body: str) -> str:
        reply = parse_json(body, cls.get_name())
        if isinstance(reply, dict) and reply.get("response") is True:
            if isinstance(reply.get("message"), str):
                text: str = reply["message"]
                return text
        elif isinstance(reply, dict) and reply.get("response") is False:
            raise AichatError(
                f"The site could not answer: {excerpt(body)}", provider=cls.get_name()
            )
        raise MalformedResponseError(
            f"The reply has no 'message' text: {excerpt(body)!r}.", provider=cls.get_name()
        )


def _payload(messages: Messages, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "message": format_prompt(messages),
        "temperature": _option(kwargs, "temperature", 0.5),
        "presence_penalty": 0,
        "top_p": _option(kwargs, "top_p", 1),
        "frequency_penalty": 0,
    }


def _option(kwargs: Mapping[str, Any], name: str, default: float) -> float:
    """A sampling option from the call's keywords; None (or absent) means the default."""
    value = kwargs.get(name)
    if value is None:
        return default
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ProviderError(
            f"The option {name} must be a number, not {value!r}.", provider="Aichat"
        ) from None
