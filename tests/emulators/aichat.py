"""chat-gpt.org on loopback: ``POST /api/text`` for visitors whose cookies it knows."""

from __future__ import annotations

import json
import secrets
import ssl
from typing import Any

from aiohttp import web

from .common import Emulator

FORBIDDEN_PAGE = """<html><head><title>403 Forbidden</title></head>
<body><center><h1>403 Forbidden</h1></center><hr><center>nginx</center></body></html>"""
CLOUDFLARE_BLOCK_PAGE = """<!DOCTYPE html><html lang="en-US"><head>
<title>Attention Required! | Cloudflare</title></head><body><div id="cf-wrapper">
<h1 data-translate="block_headline">Sorry, you have been blocked</h1>
<h2 class="cf-subheadline">You are unable to access chat-gpt.org</h2>
<p>Cloudflare Ray ID: 8d2f1c0a9b7e4f22</p></div></body></html>"""
"""Cloudflare's firewall block (error 1020): a 403 page, without the challenge's header."""
KEYS = {"message", "temperature", "presence_penalty", "top_p", "frequency_penalty"}


class AichatEmulator(Emulator):
    """Wants every cookie in ``cookies`` with its current value; checks the JSON exactly."""

    forbidden_page = FORBIDDEN_PAGE

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None) -> None:
        super().__init__(ssl_context=ssl_context)
        self.cookies = {"cf_clearance": secrets.token_urlsafe(24), "session": "s%3A" + "a" * 20}
        self.rotate_session = False
        """When True, each reply renews the ``session`` cookie (the old one stops working)."""
        self.refuse_reply: str | None = None
        """When set, valid requests get ``{"response": false, "message": ...}``."""
        self.refresh_session = False
        """When True, each reply sets the ``session`` cookie again with the same value."""
        self.raw_reply: bytes | None = None
        """When set, the body of every valid request's 200 reply (to test odd JSON)."""
        self.firewall_blocks = False
        """When True, Cloudflare's firewall answers every request with its 403 block page."""

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/api/text", self.text)]

    async def text(self, request: web.Request) -> web.StreamResponse:
        if self.firewall_blocks:
            return web.Response(status=403, text=CLOUDFLARE_BLOCK_PAGE, content_type="text/html")
        if any(request.cookies.get(k) != v for k, v in self.cookies.items()):
            return web.Response(status=403, text=FORBIDDEN_PAGE, content_type="text/html")
        try:
            payload: Any = json.loads(await request.read())
        except ValueError:
            return web.json_response({"response": False, "message": "Bad JSON"}, status=400)
        problem = self.payload_problem(payload) or self.header_problem(request)
        if problem:
            return web.json_response({"response": False, "message": problem}, status=400)
        if self.refuse_reply:
            body = json.dumps({"response": False, "message": self.refuse_reply})
        else:
            text = f"Echo: {payload['message']} (t={payload['temperature']}, p={payload['top_p']})"
            body = json.dumps({"response": True, "message": text})
        if self.raw_reply is not None:
            body = self.raw_reply.decode()
        response = await self.respond(request, "api", body.encode(), "application/json")
        if self.rotate_session and response.status == 200 and not response.prepared:
            self.cookies["session"] = "s%3A" + secrets.token_hex(10)
            response.set_cookie("session", self.cookies["session"], path="/", httponly=True)
        elif self.refresh_session and response.status == 200 and not response.prepared:
            response.set_cookie("session", self.cookies["session"], path="/", httponly=True)
        return response

    @staticmethod
    def payload_problem(payload: Any) -> str:
        if not isinstance(payload, dict) or set(payload) != KEYS:
            return f"Expected exactly the keys {sorted(KEYS)}"
        if not isinstance(payload["message"], str) or not payload["message"]:
            return "message must be a non-empty string"
        numbers = [payload[key] for key in KEYS - {"message"}]
        if any(isinstance(n, bool) or not isinstance(n, int | float) for n in numbers):
            return "sampling options must be numbers"
        if payload["presence_penalty"] != 0 or payload["frequency_penalty"] != 0:
            return "penalties must be 0"
        if not 0 <= payload["temperature"] <= 2 or not 0 <= payload["top_p"] <= 1:
            return "temperature or top_p out of range"
        return ""

    def header_problem(self, request: web.Request) -> str:
        if request.headers.get("Origin") != self.url:
            return "Bad origin"
        referer = request.headers.get("Referer", "")
        if referer != self.url and not referer.startswith(f"{self.url}/"):
            return "Bad referer"
        return ""
