"""chatgpt.com's anonymous backend on loopback: cookies, sentinel proofs, a turnstile, SSE."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from .chatgpt_program import Turnstile, hide, make_turnstile
from .chatgpt_stream import reply_events
from .common import Emulator, Failure

REQUIREMENTS = "/backend-anon/sentinel/chat-requirements"
CONVERSATION = "/backend-anon/conversation"
UNUSUAL = "Unusual activity has been detected from your device. Try again later. (9f2c-41aa)"
MODELS = {"auto", "gpt-3.5-turbo", "gpt-4o", "gpt-4o-mini", "gpt-4", "gpt-4-turbo"}
MODELS |= {"chatgpt-4o-latest"}
TIME_FORMAT = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d\d \d{4} \d\d:\d\d:\d\d GMT\+0200 \(Central European Summer Time\)"
)
HOME_PAGE = b"<!DOCTYPE html><html><head><title>ChatGPT</title></head><body></body></html>"
Encoding = Literal["cumulative", "delta"]


@dataclass
class Issued:
    """What one chat-requirements answer asked of the client."""

    fingerprint: str
    client_token: str
    seed: str | None
    difficulty: str | None
    turnstile: Turnstile | None


class Rejected(Exception):
    """A request the real site would refuse; ``status`` and ``detail`` are its answer."""

    def __init__(self, detail: str, status: int = 403):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def decoded_config(token: str, prefix: str) -> list[Any]:
    """The config inside a ``gAAAAAC``/``gAAAAAB`` token, checked for the spec's shape."""
    if not token.startswith(prefix):
        raise Rejected(f"the token does not start with {prefix}")
    try:
        config = json.loads(base64.b64decode(token[len(prefix) :], validate=True))
    except (binascii.Error, ValueError) as error:
        raise Rejected(f"the token is not base64 JSON: {error}") from error
    if not isinstance(config, list) or len(config) != 18:
        raise Rejected("the config is not an 18-element list")
    problems = {
        "cores+screen": config[0] not in {c + s for c in (16, 24, 32) for s in (3000, 4000, 6000)},
        "time": not (isinstance(config[1], str) and TIME_FORMAT.fullmatch(config[1])),
        "nonce": not (isinstance(config[3], int) and 0 <= config[3] < 500_000),
        "nonce>>1": not (isinstance(config[3], int) and config[9] == config[3] >> 1),
        "perf": not isinstance(config[13], float) or config[13] < 0,
        "uuid": not is_uuid(config[14]),
        "8": config[16] != 8,
        "unix time": not isinstance(config[17], int) or abs(config[17] - time.time()) > 86400,
    }
    if wrong := [name for name, bad in problems.items() if bad]:
        raise Rejected(f"the config is wrong at: {', '.join(wrong)}")
    return config


def proof_problem(token: str, seed: str, difficulty: str) -> str:
    """Why the answer token does not solve ``seed`` at ``difficulty`` ("" when it does)."""
    answer = token[len("gAAAAAB") :]
    digest = hashlib.sha3_512((seed + answer).encode()).digest()
    if digest[: len(difficulty)] > bytes.fromhex(difficulty):
        return f"the proof of work does not solve seed {seed!r} at {difficulty}"
    return ""


class ChatGptEmulator(Emulator):
    """Strict like the site. Failure routes: ``page``, ``requirements``, ``conversation``."""

    def __init__(
        self,
        *,
        encoding: Encoding = "cumulative",
        difficulty: str = "0fffff",
        proof: bool = True,
        turnstile: bool = True,
    ) -> None:
        super().__init__()
        self.encoding: Encoding = encoding
        self.difficulty = difficulty
        self.proof = proof
        self.turnstile = turnstile
        self.reply: str | None = None
        """The assistant's text; None: an echo with repeated words (see ``answer``)."""
        self.unusual_at = ""
        """``requirements`` or ``conversation``: answer there with "Unusual activity"."""
        self.error_event = False
        self.keepalives = False
        """Send a ping comment and a blank ``data:`` keep-alive between the reply's events."""
        self.problems: list[str] = []
        self.cookies: dict[str, dict[str, str]] = {}
        self.turnstile_program: list[Any] | None = None
        """A program to send instead of a generated one (its result is still checked)."""
        self.with_cf_bm = True
        """Set (and then require) ``__cf_bm`` beside ``oai-did``."""
        self.issued: dict[str, Issued] = {}
        self.page_error: tuple[int, str] | None = None
        """When set, the home page answers this status and HTML page."""
        self.requirements_answer: tuple[int, Any] | None = None
        """When set, chat-requirements answers this status and JSON value instead."""
        self.conversation_answer: tuple[int, Any] | None = None
        """When set, the conversation answers this status and JSON value, not a stream."""
        self.clear_cookies: list[str] = []
        """Cookies the chat-requirements reply deletes (``Max-Age=0``), held or not."""
        self.events: Literal["all", "echo only", "no finish"] = "all"
        """What of the reply stream is sent: all of it, only the echo of the user's message,
        or (cumulative encoding) everything but the event that carries the finish."""

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/", self.home),
            web.post(REQUIREMENTS, self.requirements),
            web.post(CONVERSATION, self.conversation),
        ]

    async def home(self, request: web.Request) -> web.StreamResponse:
        if not request.headers.get("Accept", "").startswith("text/html"):
            return web.Response(status=406, text="Not Acceptable")
        if self.page_error is not None:
            status, page = self.page_error
            return web.Response(status=status, text=page, content_type="text/html")
        response = await self.respond(request, "page", HOME_PAGE, "text/html")
        if response.status == 200 and not response.prepared:
            did, bm = str(uuid.uuid4()), secrets.token_urlsafe(32)
            self.cookies[did] = {"oai-did": did}
            response.set_cookie("oai-did", did, max_age=34560000, path="/", samesite="Lax")
            if self.with_cf_bm:
                self.cookies[did]["__cf_bm"] = bm
                response.set_cookie("__cf_bm", bm, max_age=1800, path="/", httponly=True)
        return response

    def _check_cookies(self, request: web.Request) -> web.Response | None:
        known = self.cookies.get(request.cookies.get("oai-did", ""))
        if known and all(request.cookies.get(k) == v for k, v in known.items()):
            return None
        self.problems.append(f"{request.path}: the session cookies are missing or wrong")
        return web.Response(status=403, text=self.forbidden_page, content_type="text/html")

    def _refuse(self, request: web.Request, error: Rejected) -> web.Response:
        self.problems.append(f"{request.path}: {error.detail}")
        return web.json_response({"detail": error.detail}, status=error.status)

    async def requirements(self, request: web.Request) -> web.StreamResponse:
        if refused := self._check_cookies(request):
            return refused
        if self.unusual_at == "requirements":
            return web.json_response({"detail": UNUSUAL}, status=403)
        try:
            _check_device(request)
            payload = json.loads(await request.read())
            token = payload.get("p") if isinstance(payload, dict) else None
            config = decoded_config(str(token), "gAAAAAC")
            if config[4] != request.headers.get("User-Agent"):
                raise Rejected("the config's user agent is not the request's")
        except (ValueError, Rejected) as error:
            rejected = error if isinstance(error, Rejected) else Rejected(str(error), 400)
            return self._refuse(request, rejected)
        if self.requirements_answer is not None:
            status, answer = self.requirements_answer
            return web.json_response(answer, status=status)
        issued = self._issue(str(token), config)
        body = json.dumps(self._requirements_reply(issued)).encode()
        response = await self.respond(request, "requirements", body, "application/json")
        if self.clear_cookies and response.status == 200 and not response.prepared:
            known = self.cookies.get(request.cookies.get("oai-did", ""), {})
            for name in self.clear_cookies:
                response.del_cookie(name, path="/")
                known.pop(name, None)
        return response

    def _issue(self, client_token: str, config: list[Any]) -> tuple[str, Issued]:
        program = make_turnstile(self.url, client_token) if self.turnstile else None
        if program is not None and self.turnstile_program is not None:
            program = Turnstile(self.turnstile_program, program.fixed)
        seed = str(secrets.randbits(53) / 2**53) if self.proof else None
        difficulty = self.difficulty if self.proof else None
        token = secrets.token_urlsafe(64)
        self.issued[token] = Issued(config[14], client_token, seed, difficulty, program)
        return token, self.issued[token]

    @staticmethod
    def _requirements_reply(issued: tuple[str, Issued]) -> dict[str, Any]:
        token, asked = issued
        turnstile: dict[str, Any] = {"required": asked.turnstile is not None}
        if asked.turnstile is not None:
            turnstile["dx"] = hide(asked.turnstile.program, asked.client_token)
        proof: dict[str, Any] = {"required": asked.seed is not None}
        if asked.seed is not None:
            proof.update(seed=asked.seed, difficulty=asked.difficulty)
        return {
            "persona": "chatgpt-noauth",
            "token": token,
            "expire_after": 540,
            "turnstile": turnstile,
            "proofofwork": proof,
        }

    async def conversation(self, request: web.Request) -> web.StreamResponse:
        if refused := self._check_cookies(request):
            return refused
        if self.unusual_at == "conversation":
            return web.json_response({"detail": UNUSUAL}, status=403)
        try:
            self._check_sentinel(request)
            body = self._checked_body(await request.read())
        except Rejected as error:
            return self._refuse(request, error)
        if self.conversation_answer is not None:
            status, answer = self.conversation_answer
            return web.json_response(answer, status=status)
        events = reply_events(self.encoding, body["messages"], self.answer(body["messages"]))
        if self.events == "echo only":
            events = [events[0] if self.encoding == "cumulative" else events[1], events[-1]]
        elif self.events == "no finish" and self.encoding == "cumulative":
            del events[-3]
        return await self._stream(request, events)

    def _check_sentinel(self, request: web.Request) -> None:
        headers = request.headers
        issued = self.issued.pop(headers.get("openai-sentinel-chat-requirements-token", ""), None)
        if issued is None:
            raise Rejected("the chat requirements token is missing, unknown or used")
        _check_device(request)
        proof = headers.get("openai-sentinel-proof-token")
        if issued.seed is None or issued.difficulty is None:
            if proof is not None:
                raise Rejected("a proof token was sent though none was required")
        else:
            config = decoded_config(proof or "", "gAAAAAB")
            if config[14] != issued.fingerprint:
                raise Rejected("the proof's config is not the one sent for the requirements")
            if problem := proof_problem(proof or "", issued.seed, issued.difficulty):
                raise Rejected(problem)
        turnstile = headers.get("openai-sentinel-turnstile-token")
        if issued.turnstile is None:
            if turnstile is not None:
                raise Rejected("a turnstile token was sent though none was required")
        elif problem := issued.turnstile.problem(turnstile):
            raise Rejected(problem)

    def _checked_body(self, raw: bytes) -> dict[str, Any]:
        try:
            body = json.loads(raw)
        except ValueError as error:
            raise Rejected(f"the body is not JSON: {error}", 400) from error
        expected = {
            "action": "next",
            "history_and_training_disabled": False,
            "conversation_mode": {"kind": "primary_assistant"},
            "force_paragen": False,
            "force_use_sse": True,
            "system_hints": [],
        }
        wrong = [key for key, value in expected.items() if body.get(key) != value]
        wrong += [
            k for k in ("parent_message_id", "websocket_request_id") if not is_uuid(body.get(k))
        ]
        if body.get("model") not in MODELS:
            wrong.append("model")
        if not isinstance(body.get("timezone_offset_min"), int):
            wrong.append("timezone_offset_min")
        if not _messages_ok(body.get("messages")):
            wrong.append("messages")
        if wrong:
            raise Rejected(f"invalid body fields: {', '.join(wrong)}", 422)
        return dict(body)

    def answer(self, messages: list[dict[str, Any]]) -> str:
        """The reply: the set text, or an echo whose words repeat (so str.replace would fail)."""
        if self.reply is not None:
            return self.reply
        roles = ",".join(m["author"]["role"] for m in messages)
        return f"ha ha ha! [{roles}] You said: {messages[-1]['content']['parts'][0]} ha ha"

    async def _stream(self, request: web.Request, events: list[bytes]) -> web.StreamResponse:
        if self.error_event:
            events = [*events[: len(events) // 2], _error_event(), b"data: [DONE]\n\n"]
        if self.keepalives:
            events = [part for event in events for part in (b": ping\n\ndata:\n\n", event)]
        failing = self.failure is not None and self.fail_route == "conversation"
        if failing and self.failure is Failure.GARBAGE:
            self._take_failure("conversation")
            events = [*events[: len(events) // 2], b'data: {"message": {"id": "x", "auth\n\n']
            events.append(b"data: [DONE]\n\n")
        elif failing:
            return await self.respond(
                request, "conversation", b"".join(events), "text/event-stream"
            )
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream; charset=utf-8"})
        await response.prepare(request)
        for event in events:
            await response.write(event)
            await asyncio.sleep(0)
        return response


def _messages_ok(messages: Any) -> bool:
    if not isinstance(messages, list) or not messages:
        return False
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if not (
            isinstance(content, dict)
            and is_uuid(message.get("id"))
            and isinstance(message.get("author", {}).get("role"), str)
            and content.get("content_type") == "text"
            and isinstance(content.get("parts"), list)
            and len(content["parts"]) == 1
            and isinstance(content["parts"][0], str)
            and message.get("metadata") == {"serialization_metadata": {"custom_symbol_offsets": []}}
            and isinstance(message.get("create_time"), float)
        ):
            return False
    return True


def _error_event() -> bytes:
    error = {
        "message": None,
        "conversation_id": str(uuid.uuid4()),
        "error": "Something went wrong.",
    }
    return f"data: {json.dumps(error)}\n\n".encode()


def _check_device(request: web.Request) -> None:
    """The device headers the site's own page sends: its oai-did cookie as the device id."""
    headers = request.headers
    if not is_uuid(headers.get("oai-device-id")) or headers.get("oai-language") != "en-US":
        raise Rejected("oai-device-id must be a uuid and oai-language en-US")
    if headers.get("oai-device-id") != request.cookies.get("oai-did"):
        raise Rejected("oai-device-id must be the oai-did cookie")
