"""chatgptt.me on loopback: a WordPress page with the AI Power widget, and admin-ajax."""

from __future__ import annotations

import json
import re
import secrets

from aiohttp import web

from .common import Emulator

ACTION = "wpaicg_chat_shortcode_message"
POST_ID = "106"
FIELDS = {
    "_wpnonce",
    "post_id",
    "url",
    "action",
    "message",
    "bot_id",
    "chatbot_identity",
    "wpaicg_chat_client_id",
    "wpaicg_chat_history",
}

PAGE = """<!DOCTYPE html><html lang="en-US"><head><meta charset="UTF-8">
<title>ChatGPT Online - Free &amp; No Login</title></head><body class="page-template-default">
<main><h1>Chat GPT</h1>
<div class="wpaicg-chat-shortcode" data-user-bg-color="#444654" data-nonce={q}{nonce}{q}
 data-post-id={q}{post_id}{q} data-url={q}{url}{q} data-bot-id={q}0{q} data-type={q}shortcode{q}
 data-speech="" data-voice="">
<div class="wpaicg-chat-shortcode-content"><ul class="wpaicg-chat-shortcode-messages"></ul></div>
<textarea class="wpaicg-chat-shortcode-typing" placeholder="Type a message"></textarea>
</div></main></body></html>"""

PAGE_WITHOUT_WIDGET = """<!DOCTYPE html><html><head><title>ChatGPT Online</title></head>
<body><p>The chat is under maintenance.</p></body></html>"""


class ChatGpttEmulator(Emulator):
    """Checks the nonce, post id, action and every form field as the plugin does."""

    body_type = "application/x-www-form-urlencoded"  # admin-ajax takes a form, not JSON

    def __init__(self) -> None:
        super().__init__()
        self.nonce = secrets.token_hex(5)
        self.quote = '"'
        self.page_nonce: str | None = None
        """When set, the page shows this nonce instead of the valid one (a stale page)."""
        self.page_post_id = POST_ID
        self.widget = True
        self.error_msg: str | None = None
        """When set, every valid request is answered ``{"status": "error", "msg": ...}``."""
        self.page_html: str | None = None
        """When set, the page served instead of the widget's (a theme that changed)."""
        self.raw_reply: bytes | None = None
        """When set, the body of every valid request's 200 reply (to test odd JSON)."""
        self.action = ACTION
        """The action the plugin registers; another name is an update that renamed it."""
        self.front_error: tuple[int, str] | None = None
        """When set, the front server (nginx) answers admin-ajax with this status and page."""

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/", self.page), web.post("/wp-admin/admin-ajax.php", self.ajax)]

    async def page(self, request: web.Request) -> web.StreamResponse:
        html = PAGE_WITHOUT_WIDGET
        if self.page_html is not None:
            html = self.page_html
        elif self.widget:
            nonce = self.nonce if self.page_nonce is None else self.page_nonce
            html = PAGE.format(q=self.quote, nonce=nonce, post_id=self.page_post_id, url=self.url)
        return await self.respond(request, "page", html.encode(), "text/html")

    async def ajax(self, request: web.Request) -> web.StreamResponse:
        if self.front_error is not None:
            status, page = self.front_error
            return web.Response(status=status, text=page, content_type="text/html")
        if request.content_type != "application/x-www-form-urlencoded":
            return web.Response(status=400, text="0")
        form = {key: str(value) for key, value in (await request.post()).items()}
        if form.get("action") != self.action:
            return web.Response(status=400, text="0")  # admin-ajax: no handler for the action
        if form.get("_wpnonce") != self.nonce:
            return web.Response(status=403, text="-1")  # check_ajax_referer failed
        problem = self.form_problem(form) or self.header_problem(request)
        if problem:
            return web.json_response({"status": "error", "msg": problem})
        if self.error_msg:
            reply = {"status": "error", "msg": self.error_msg}
        else:
            reply = {"status": "success", "data": f"Echo: {form['message']}"}
        body = self.raw_reply or json.dumps(reply).encode()
        return await self.respond(request, "api", body, "application/json")

    def form_problem(self, form: dict[str, str]) -> str:
        if set(form) != FIELDS:
            return f"Invalid request: fields {sorted(set(form) ^ FIELDS)}"
        if form["post_id"] != POST_ID:
            return "Chatbot not found for this page."
        if not form["message"].strip():
            return "Please enter a message."
        if form["url"] != self.url or form["bot_id"] != "0":
            return "Invalid chatbot."
        if form["chatbot_identity"] != "shortcode":
            return "Invalid chatbot identity."
        if not re.fullmatch(r"[0-9a-f]{10}", form["wpaicg_chat_client_id"]):
            return "Invalid client id."
        history = form["wpaicg_chat_history"]
        if history and not isinstance(_json_or_none(history), list):
            return "Invalid chat history."
        return ""

    def header_problem(self, request: web.Request) -> str:
        if _server_var(request, "Origin") != self.url:
            return "Invalid origin."
        if _server_var(request, "Referer") != f"{self.url}/chat":
            return "Invalid referer."
        accept = _server_var(request, "Accept")
        accepted = [kind.split(";")[0].strip() for kind in accept.split(",")]
        if "application/json" not in accepted:
            return "Invalid accept."
        return ""


def _server_var(request: web.Request, name: str) -> str:
    """A header as PHP reads it from ``$_SERVER``: repeats joined with ", " by the server,
    so a header sent twice matches no single value."""
    return ", ".join(request.headers.getall(name, []))


def _json_or_none(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None
