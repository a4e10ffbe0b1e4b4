"""VoiGpt (voigpt.com): a Django csrftoken, then one JSON reply; no streaming."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

from ..base import AsyncGeneratorProvider, ProviderModelMixin
from ..errors import AuthenticationError, MalformedResponseError
from ..http import (
    Http,
    browser_headers,
    excerpt,
    is_cloudflare_page,
    open_http,
    read_text,
    status_error,
)
from ..stream import parse_json
from ..types import Chunk, CredentialKind, CredentialUpdate, Messages

TOKEN_COOKIE = "csrftoken"


class VoiGpt(AsyncGeneratorProvider, ProviderModelMixin):
    """voigpt.com. The csrftoken is a credential: kept by the app, refreshed on a 403."""

    url = "https://voigpt.com"
    working = False
    supported_options: ClassVar[frozenset[str] | None] = frozenset()
    supports_stream = False
    supports_message_history = True
    supports_gpt_35_turbo: ClassVar[bool] = True
    default_model = "gpt-3.5-turbo"
    models: ClassVar[list[str]] = ["gpt-3.5-turbo"]
    credential_kinds: ClassVar[tuple[CredentialKind, ...]] = ("access_token",)

    @classmethod
    async def create_async_generator(
        cls,
        model: str,
        messages: Messages,
        proxy: str | None = None,
        access_token: str | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[Chunk]:
        """The reply as one chunk; a fetched token is handed back as ``CredentialUpdate``."""
        cls.get_model(model)  # only one model, never sent: an unknown name is an error
        timeouts = kwargs.get("timeouts")
        session = kwargs.get("session")
        async with open_http(
            cls.get_name(), session=session, proxy=proxy, timeouts=timeouts, tls=kwargs.get("tls")
        ) as http:
            token = access_token
            if not token:
                token = await cls._fetch_token(http)
                yield CredentialUpdate("access_token", token, scope=cls.origin())
            status, body = await cls._post(http, messages, token)
            if status == 403:  # the token expired or was never valid: one fresh try
                yield CredentialUpdate("access_token", None, scope=cls.origin())
                token = await cls._fetch_token(http)
                yield CredentialUpdate("access_token", token, scope=cls.origin())
                status, body = await cls._post(http, messages, token)
            if status == 403:
                raise AuthenticationError(
                    f"The site refused a fresh csrftoken too (HTTP 403): {excerpt(body)}",
                    provider=cls.get_name(),
                    hint="The site may have changed how it checks requests; "
                    "try again later or pick another provider.",
                )
            yield cls._reply_text(body)

    @classmethod
    async def _fetch_token(cls, http: Http) -> str:
        """``GET {url}/`` and read the ``csrftoken`` cookie the page sets."""
        headers = browser_headers(cls.url, navigation=True)
        async with http.request("GET", f"{cls.url}/", headers=headers) as response:
            await response.read()
            morsel = response.cookies.get(TOKEN_COOKIE)
        if morsel is None or not morsel.value:
            raise MalformedResponseError(
                f"The front page set no {TOKEN_COOKIE} cookie, so no request can be signed.",
                provider=cls.get_name(),
            )
        return morsel.value

    @classmethod
    async def _post(cls, http: Http, messages: Messages, token: str) -> tuple[int, str]:
        """``POST {url}/generate_response/``: the status and body; errors other than 403 raise."""
        headers = browser_headers(cls.url)
        headers.update(
            {
                "cookie": f"{TOKEN_COOKIE}={token}",
                "x-csrftoken": token,
                "origin": cls.url,
                "referer": f"{cls.url}/",
            }
        )
        payload = {"messages": [dict(message) for message in messages]}
        url = f"{cls.url}/generate_response/"
        async with http.request(
            "POST", url, check=False, json=payload, headers=headers
        ) as response:
            body = await read_text(response)
            status, reply_headers = response.status, response.headers
        if status == 403 and not is_cloudflare_page(status, body, reply_headers):
            return status, body
        if status >= 400:
            raise status_error(status, body, reply_headers, cls.get_name())
        return status, body

    @classmethod
    def _reply_text(cls, body: str) -> str:
        reply = parse_json(body, cls.get_name())
        if not isinstance(reply, dict) or not isinstance(reply.get("response"), str):
            raise MalformedResponseError(
                f"The reply has no 'response' text: {excerpt(body)!r}.", provider=cls.get_name()
            )
        text: str = reply["response"]
        return text
