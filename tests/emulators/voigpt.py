"""voigpt.com on loopback: Django's csrftoken cookie and header, one JSON reply."""

from __future__ import annotations

import json
import secrets
from typing import Any

from aiohttp import web

from .common import Emulator

CSRF_FAILED_PAGE = """<!DOCTYPE html><html lang="en"><head>
<meta http-equiv="content-type" content="text/html; charset=utf-8">
<meta name="robots" content="NONE,NOARCHIVE"><title>403 Forbidden</title></head>
<body><div id="summary"><h1>Forbidden <span>(403)</span></h1>
<p>CSRF verification failed. Request aborted.</p></div></body></html>"""

CLOUDFLARE_BLOCK_PAGE = """<!DOCTYPE html><html lang="en-US"><head>
<title>Attention Required! | Cloudflare</title></head><body><div id="cf-wrapper">
<h1 data-translate="block_headline">Sorry, you have been blocked</h1>
<h2 class="cf-subheadline">You are unable to access voigpt.com</h2>
<p>Cloudflare Ray ID: 8d2f1c0a9b7e4f21</p></div></body></html>"""
"""Cloudflare's firewall block (error 1020): a 403 page, without the challenge's header."""

HOME_PAGE = """<!DOCTYPE html><html><head><title>VoiGPT - Free ChatGPT</title></head>
<body><form id="chat-form"><textarea name="message"></textarea></form></body></html>"""


class VoiGptEmulator(Emulator):
    """``GET /`` sets ``csrftoken``; ``POST /generate_response/`` wants it as cookie AND header."""

    forbidden_page = CSRF_FAILED_PAGE

    def __init__(self) -> None:
        super().__init__()
        self.tokens: set[str] = set()
        self.set_token_cookie = True
        self.raw_reply: bytes | None = None
        """When set, the body of every successful reply (to test odd JSON)."""
        self.firewall_blocks = False
        """When True, Cloudflare's firewall answers every POST with its 403 block page."""

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/", self.home), web.post("/generate_response/", self.generate)]

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (the site rotated its secret)."""
        self.tokens.clear()

    async def home(self, request: web.Request) -> web.StreamResponse:
        token = secrets.token_urlsafe(48)[:64]
        self.tokens.add(token)
        response = await self.respond(request, "page", HOME_PAGE.encode(), "text/html")
        if self.set_token_cookie and response.status == 200 and not response.prepared:
            response.set_cookie("csrftoken", token, max_age=31449600, path="/", samesite="Lax")
        return response

    async def generate(self, request: web.Request) -> web.StreamResponse:
        if self.firewall_blocks:
            return web.Response(status=403, text=CLOUDFLARE_BLOCK_PAGE, content_type="text/html")
        problem = self._csrf_problem(request)
        if problem:
            return web.Response(status=403, text=CSRF_FAILED_PAGE, content_type="text/html")
        try:
            payload: Any = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400, text="Bad Request")
        messages = payload.get("messages") if isinstance(payload, dict) else None
        if not isinstance(messages, list) or set(payload) != {"messages"}:
            return web.json_response({"error": "messages required"}, status=400)
        if not messages or not all(_is_message(m) for m in messages):
            return web.json_response(
                {"error": "every message needs a role (system, user, assistant) and content"},
                status=400,
            )
        body = self.raw_reply or json.dumps({"response": self.answer(messages)}).encode()
        return await self.respond(request, "api", body, "application/json")

    def _csrf_problem(self, request: web.Request) -> str:
        cookie = request.cookies.get("csrftoken", "")
        header = _meta(request, "X-CSRFToken")
        if not cookie:
            return "CSRF cookie not set."
        if header != cookie:
            return "CSRF token from the 'X-Csrftoken' HTTP header incorrect."
        if cookie not in self.tokens:
            return "CSRF token expired."
        if _meta(request, "Origin") != self.url:
            return "Origin checking failed."
        if _meta(request, "Referer") != f"{self.url}/":
            return "Referer checking failed."
        return ""

    @staticmethod
    def answer(messages: list[Any]) -> str:
        """The reply: which roles came and what the last message said."""
        roles = ",".join(str(m.get("role")) for m in messages)
        return f"[{roles}] You said: {messages[-1].get('content')}"


def _meta(request: web.Request, name: str) -> str:
    """A header as Django reads it from ``request.META``: the WSGI server joins repeats with
    a comma, so a header sent twice matches no single value."""
    return ",".join(request.headers.getall(name, []))


def _is_message(message: Any) -> bool:
    return (
        isinstance(message, dict)
        and message.get("role") in ("system", "user", "assistant")
        and isinstance(message.get("content"), str | list)  # text, or OpenAI content parts
    )
