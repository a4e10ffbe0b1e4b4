"""``parley --self-test``, the part without Qt: a loopback OpenAI-compatible server to talk
to, the temporary ``PARLEY_HOME``, the store read back, and the report of the checks.

gui/self_test.py drives the real window with these; chat/cli.py runs it when gui/ lends it.
Nothing here touches the user's files, keyring or network: the server listens on 127.0.0.1
at a port the OS picks, and every file goes under a temporary folder that is removed after.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

if TYPE_CHECKING:
    from aiohttp import web

    from .conversation import Conversation

T = TypeVar("T")

ENDPOINT = "Parley self-test"
"""The name of the endpoint the self-test adds (in its temporary settings only)."""
MODEL = "parley-self-test-1"
PROMPT = "Is this installation of Parley working?"
PIECES = (
    "Yes: ",
    "this reply ",
    "came from ",
    "a loopback server, ",
    "streamed in ",
    "six pieces.",
)
REPLY = "".join(PIECES)
REPORT_HINT = (
    "Parley is not working as installed here: report it with the output of "
    "`parley --version` and `parley --self-test`."
)


class SelfTestFailure(Exception):
    """A check that failed; ``str()`` is the sentence the user reads."""


@dataclass
class Checks:
    """Runs the checks one by one, each within its time, and prints one line for each."""

    out: TextIO
    clock: Callable[[], float] = time.monotonic
    passed: int = 0

    def ok(self, what: str, started: float | None = None) -> None:
        took = "" if started is None else f" ({(self.clock() - started) * 1000:.0f} ms)"
        print(f"ok    {what}{took}", file=self.out, flush=True)
        self.passed += 1

    def note(self, text: str) -> None:
        print(f"note  {text}", file=self.out, flush=True)

    async def run(self, what: str, within: float, work: Awaitable[T]) -> T:
        """The result of ``work``, once it is done and said; ``SelfTestFailure`` naming
        ``what`` when it fails or takes longer than ``within`` seconds."""
        started = self.clock()
        try:
            result = await asyncio.wait_for(work, within)
        except SelfTestFailure as failure:
            raise SelfTestFailure(failed(what, str(failure))) from failure
        except TimeoutError as error:
            raise SelfTestFailure(failed(what, f"it took longer than {within:g} s.")) from error
        except Exception as error:
            raise SelfTestFailure(failed(what, describe(error))) from error
        self.ok(what, started)
        return result


def failed(what: str, why: str) -> str:
    return f"the self-test failed: {what}: {why} {REPORT_HINT}"


def describe(error: BaseException) -> str:
    """What went wrong, in our words first: our errors' own sentences as they are, a refusal
    of the system's as one, anything else named as unexpected with Python's text after it."""
    from providers.errors import ProviderError

    from .secrets import SecretStoreError
    from .settings import SettingsError
    from .store import StoreError

    if isinstance(error, ProviderError | StoreError | SettingsError | SecretStoreError):
        return str(error)  # our sentence already (a provider's with its hint)
    if isinstance(error, OSError):
        where = f" ({error.filename})" if error.filename else ""
        return f"the system refused a file or network operation{where}: {error.strerror or error}."
    detail = str(error) or "no detail"
    return f"something unexpected went wrong ({type(error).__name__}: {detail})."


def make_home() -> Path:
    """A new, empty folder for every file the self-test writes."""
    try:
        return Path(tempfile.mkdtemp(prefix="parley-self-test-")).resolve()
    except OSError as error:
        raise SelfTestFailure(
            "the self-test needs a temporary folder and could not make one: set TMPDIR to a "
            f"folder you can write to, then run it again ({error.strerror or error})."
        ) from error


def remove_home(home: Path) -> str:
    """Remove ``home`` and all in it; "" when it is gone, else why not."""
    shutil.rmtree(home, ignore_errors=True)
    if home.exists():
        return f"the temporary folder {home} could not be removed; remove it yourself."
    return ""


def log_lines(home: Path) -> list[str]:
    """What Parley logged under ``home`` (warnings and errors): nothing, when all is well."""
    from .logs import FILE_NAME

    path = home / "logs" / FILE_NAME
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if line.strip()]


@dataclass
class SelfTestServer:
    """An OpenAI-compatible chat server on 127.0.0.1 that answers one model, streaming.

    It is as strict as such a service: a wrong key is a 401, a body that is not the JSON a
    chat completion takes a 400, an unknown model a 404, each with an OpenAI-shaped error.
    """

    key: str = field(default_factory=lambda: f"sk-self-test-{secrets.token_hex(16)}")
    received: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None

    async def start(self) -> str:
        from aiohttp import web

        app = web.Application()
        app.router.add_get("/v1/models", self.on_models)
        app.router.add_post("/v1/chat/completions", self.on_chat)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        port = runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/v1"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    def _refusal(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.key}":
            return error_response(401, "Incorrect API key provided.", "invalid_api_key")
        return None

    async def on_models(self, request: web.Request) -> web.Response:
        from aiohttp import web

        if refused := self._refusal(request):
            return refused
        return web.json_response(
            {"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "parley"}]}
        )

    async def on_chat(self, request: web.Request) -> web.StreamResponse:
        from aiohttp import web

        if refused := self._refusal(request):
            return refused
        if request.content_type != "application/json":
            return error_response(400, "The body must be JSON (Content-Type: application/json).")
        try:
            body = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return error_response(400, "The body is not valid JSON.")
        if problem := chat_problem(body):
            status = 404 if problem.startswith("The model") else 400
            return error_response(status, problem)
        self.received.append(body)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for piece in PIECES:
            await response.write(event(chunk(delta={"content": piece})))
        await response.write(event(chunk(delta={}, finish="stop")))
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21}
            await response.write(event({**chunk(delta={}), "choices": [], "usage": usage}))
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response


def chat_problem(body: object) -> str:
    """Why ``body`` is not a streamed chat completion request for MODEL; "" when it is."""
    if not isinstance(body, dict):
        return "The body must be a JSON object."
    if body.get("model") != MODEL:
        return f"The model {str(body.get('model'))[:80]!r} does not exist."
    if body.get("stream") is not True:
        return "This server only streams: send 'stream': true."
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty list."
    for message in messages:
        if not isinstance(message, dict):
            return "Each message must be an object."
        if message.get("role") not in ("system", "user", "assistant"):
            return f"{str(message.get('role'))[:40]!r} is not a role."
        if not isinstance(message.get("content"), str):
            return "Each message needs its 'content' as a string."
    if messages[-1]["role"] != "user":
        return "The last message must be the user's."
    return ""


def error_response(status: int, message: str, code: str = "invalid_request_error") -> web.Response:
    from aiohttp import web

    error = {"message": message, "type": "invalid_request_error", "code": code}
    return web.json_response({"error": error}, status=status)


def chunk(*, delta: dict[str, str], finish: str | None = None) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return {"id": "chatcmpl-self-test", "object": "chat.completion.chunk", "model": MODEL,
            "choices": [choice]}  # fmt: skip


def event(value: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(value)}\n\n".encode()


def add_endpoint(url: str) -> None:
    """Save the endpoint at ``url`` as the provider last used, in the (temporary) settings."""
    from .endpoints import Endpoint, save_endpoint
    from .settings import Settings

    settings = Settings.load()
    save_endpoint(settings, Endpoint(ENDPOINT, url))
    settings.set("provider", ENDPOINT)
    settings.save()


def check_saved(conversation: Conversation) -> None:
    """``conversation`` is the self-test's exchange, its reply complete."""
    from .conversation import MessageState

    roles = [(m.role, m.content.strip()) for m in conversation.messages]
    if roles != [("user", PROMPT), ("assistant", REPLY)]:
        raise SelfTestFailure(f"the conversation holds {roles!r}, not the prompt and the reply.")
    if conversation.messages[-1].state is not MessageState.COMPLETE:
        raise SelfTestFailure("the reply is not marked complete.")


def read_back() -> Conversation:
    """The last conversation, from the store opened anew (in the temporary PARLEY_HOME)."""
    from .store import Store, rows

    problems: list[str] = []
    store = Store.open(problem=lambda error: problems.append(str(error)))
    try:
        found = store.read_now(rows.last_conversation_id)
        if not found:
            raise SelfTestFailure("the store holds no conversation.")
        conversation = store.read_now(rows.load_conversation, found)
    finally:
        store.close()
    if problems:
        raise SelfTestFailure(" ".join(problems))
    if conversation is None:
        raise SelfTestFailure("the store lost the conversation it listed.")
    check_saved(conversation)
    return conversation
