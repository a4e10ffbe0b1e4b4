"""ChatGptt (chatgptt.me): a WordPress "AI Power" chat widget; the reply comes whole."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from typing import Any, ClassVar

from ..base import AsyncGeneratorProvider, ProviderModelMixin
from ..errors import AuthenticationError, MalformedResponseError, ProviderError
from ..helpers import format_prompt
from ..http import Http, browser_headers, excerpt, open_http, read_text, status_error
from ..stream import parse_json
from ..types import Chunk, Messages

ACTION = "wpaicg_chat_shortcode_message"
_ATTRIBUTE = r"""{name}\s*=\s*(["'])(.*?)\1"""


class ChatGpttError(ProviderError):
    """The chat plugin answered ``{"status": "error", "msg": ...}``."""

    default_hint = "Try again later, or pick another provider."


class ChatGptt(AsyncGeneratorProvider, ProviderModelMixin):
    """chatgptt.me: the page's nonce and post id, then one admin-ajax form post."""

    url = "https://chatgptt.me"
    api_endpoint = "https://chatgptt.me/wp-admin/admin-ajax.php"
    working = False
    supported_options: ClassVar[frozenset[str] | None] = frozenset()
    supports_stream = True
    supports_system_message = True
    supports_message_history = True
    default_model = "gpt-4o"
    models: ClassVar[list[str]] = ["gpt-4", "gpt-4o", "gpt-4o-mini"]

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        """The reply as one chunk (the model is never sent: the site picks it)."""
        cls.get_model(model)
        timeouts = kwargs.get("timeouts")
        session = kwargs.get("session")
        name = cls.get_name()
        tls = kwargs.get("tls")
        async with open_http(
            name, session=session, proxy=proxy, timeouts=timeouts, tls=tls
        ) as http:
            nonce, post_id = await cls._page_tokens(http)
            yield await cls._ask(http, cls._form(nonce, post_id, messages))

    @classmethod
    async def _page_tokens(cls, http: Http) -> tuple[str, str]:
        """The chat widget's ``data-nonce`` and ``data-post-id`` from ``GET {url}``."""
        headers = browser_headers(cls.url, navigation=True)
        async with http.request("GET", cls.url, headers=headers) as response:
            page = await read_text(response)
        nonce = re.search(_ATTRIBUTE.format(name="data-nonce"), page)
        post_id = re.search(_ATTRIBUTE.format(name="data-post-id"), page)
        if not nonce or not post_id or not nonce.group(2) or not post_id.group(2):
            raise MalformedResponseError(
                "Required authentication tokens not found in page HTML "
                "(the chat widget's data-nonce and data-post-id).",
                provider=cls.get_name(),
            )
        return nonce.group(2), post_id.group(2)

    @classmethod
    def _form(cls, nonce: str, post_id: str, messages: Messages) -> dict[str, str]:
        return {
            "_wpnonce": nonce,
            "post_id": post_id,
            "url": cls.url,
            "action": ACTION,
            "message": format_prompt(messages),
            "bot_id": "0",
            "chatbot_identity": "shortcode",
            "wpaicg_chat_client_id": secrets.token_hex(5),
            "wpaicg_chat_history": "",  # the prior turns are already in the message
        }

    @classmethod
    async def _ask(cls, http: Http, form: dict[str, str]) -> str:
        headers = browser_headers(cls.url)
        headers.update(
            {"accept": "application/json", "origin": cls.url, "referer": f"{cls.url}/chat"}
        )
        endpoint = cls.api_endpoint or f"{cls.url}/wp-admin/admin-ajax.php"
        async with http.request(
            "POST", endpoint, check=False, data=form, headers=headers
        ) as response:
            body = await read_text(response)
            status, reply_headers = response.status, response.headers
        if status >= 400:
            raise cls._status_error(status, body, reply_headers)
        return cls._reply_text(body)

    @classmethod
    def _status_error(cls, status: int, body: str, headers: Any) -> ProviderError:
        """WordPress answers ``-1`` (403) to a bad nonce and ``0`` (400) to an unknown action."""
        if status == 403 and body.strip() == "-1":
            return AuthenticationError(
                "The site refused the page's security nonce (HTTP 403).",
                provider=cls.get_name(),
                hint="The nonce may have expired: try again. If it keeps failing, "
                "the site has changed; pick another provider.",
            )
        if status == 400 and body.strip() == "0":
            return MalformedResponseError(
                "The site no longer knows the chat action (HTTP 400): "
                "its chat plugin was removed or changed.",
                provider=cls.get_name(),
            )
        return status_error(status, body, headers, cls.get_name())

    @classmethod
    def _reply_text(cls, body: str) -> str:
        reply = parse_json(body, cls.get_name())
        status = reply.get("status") if isinstance(reply, dict) else None
        if status == "success" and isinstance(reply.get("data"), str):
            text: str = reply["data"]
            return text
        if status == "error":
            message = str(reply.get("msg") or reply.get("message") or "no reason given")
            raise ChatGpttError(
                f"The site's chat answered with an error: {message}", provider=cls.get_name()
            )
        raise MalformedResponseError(
            f"The reply has no 'data' text: {excerpt(body)!r}.", provider=cls.get_name()
        )
