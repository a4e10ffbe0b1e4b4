"""ChatGpt against its strict loopback emulator: the whole flow, both encodings, every failure."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

import pytest

import providers
from chat.conversation import Conversation, MessageState
from chat.secrets import MemorySecretStore
from chat.session import ChatSession
from providers import FinishReason, get_provider
from providers.errors import (
    BlockedError,
    IdleTimeoutError,
    MalformedResponseError,
    RateLimitError,
    StreamCutError,
)
from providers.http import Timeouts, new_client_session
from providers.seeds import chatgpt
from providers.seeds.chatgpt import ChatGpt
from providers.seeds.chatgpt_events import ReplyError
from providers.seeds.chatgpt_pow import ProofOfWorkError, answer_token, build_config, find_proof
from providers.seeds.chatgpt_turnstile import DEADLINE_SECONDS, TurnstileError, solve_turnstile
from tests.emulators.chatgpt import (
    CONVERSATION,
    REQUIREMENTS,
    UNUSUAL,
    ChatGptEmulator,
    Encoding,
)
from tests.emulators.common import Failure, in_thread, text_of, until_error
from tests.providers.test_chatgpt_turnstile import comparing_forever, doubling

HI = [{"role": "user", "content": "Hi"}]
HISTORY = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello"},
    {"role": "user", "content": [{"type": "text", "text": "Tell me"}, {"type": "image"}]},
]
ECHO_HI = "ha ha ha! [user] You said: Hi ha ha"
LONG = " ".join(f"word{i}" for i in range(100))


@pytest.fixture
async def site() -> AsyncIterator[ChatGptEmulator]:
    async with ChatGptEmulator() as emulator:
        yield emulator


def pointed(site: ChatGptEmulator) -> type[ChatGpt]:
    return cast(type[ChatGpt], ChatGpt.with_base_url(site.url))


async def collect(site: ChatGptEmulator, messages: Any = HI, **kwargs: Any) -> list[Any]:
    provider = pointed(site)
    return [c async for c in provider.create_async_generator("auto", messages, **kwargs)]


async def test_reply_streams_as_deltas_in_the_cumulative_encoding(site: ChatGptEmulator) -> None:
    chunks = await collect(site)
    assert site.problems == []
    assert text_of(chunks) == ECHO_HI
    assert chunks[-1] == FinishReason("stop")
    assert len([c for c in chunks if isinstance(c, str)]) > 5  # deltas, not one piece


async def test_reply_streams_as_deltas_in_the_delta_encoding() -> None:
    async with ChatGptEmulator(encoding="delta") as site:
        chunks = await collect(site)
    assert site.problems == []
    assert text_of(chunks) == ECHO_HI  # neither the echo of "Hi" nor the tool's text
    assert chunks[-1] == FinishReason("stop")
    assert chunks.count(FinishReason("stop")) == 1


def test_flags_models_and_aliases_as_the_spec_gives() -> None:
    assert get_provider("ChatGpt") is ChatGpt
    assert providers.ChatGpt is ChatGpt
    assert ChatGpt.url == "https://chatgpt.com"
    assert not ChatGpt.working
    assert ChatGpt.supports_stream
    assert ChatGpt.supports_message_history
    assert ChatGpt.supports_system_message
    assert not ChatGpt.needs_auth
    assert ChatGpt.default_model == "auto"
    assert ChatGpt.models == [
        "auto",
        "gpt-3.5-turbo",
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-4",
        "gpt-4-turbo",
        "chatgpt-4o-latest",
    ]
    assert ChatGpt.model_aliases == {"gpt-4o": "chatgpt-4o-latest"}
    assert ChatGpt.get_model("gpt-4o") == "gpt-4o"
    assert ChatGpt.get_model("gpt-4-turbo") == "gpt-4-turbo"
    assert ChatGpt.get_model("unknown") == "auto"
    assert ChatGpt.get_model("") == "auto"


async def test_requests_follow_the_spec(site: ChatGptEmulator) -> None:
    chunks = await collect(site, HISTORY, session=None)
    assert text_of(chunks) == "ha ha ha! [system,user,assistant,user] You said: Tell me ha ha"
    page, requirements, conversation = site.seen
    assert (page.method, page.path) == ("GET", "/")
    assert page.cookies == {"_dd_s": ""}
    assert page.headers["Accept"].startswith("text/html")
    assert "Mozilla/5.0" in page.headers["User-Agent"]
    assert requirements.path == REQUIREMENTS
    assert conversation.path == CONVERSATION
    for later in (requirements, conversation):
        assert set(later.cookies) >= {"oai-did", "__cf_bm"}
        assert later.headers["Origin"] == site.url
        assert later.headers["Referer"] == site.url + "/"
    assert json.loads(requirements.body)["p"].startswith("gAAAAAC")
    headers = conversation.headers
    assert headers["openai-sentinel-proof-token"].startswith("gAAAAAB")
    assert headers["oai-language"] == "en-US"
    assert uuid.UUID(headers["oai-device-id"]).version == 4
    assert headers["Content-Type"] == "application/json"
    body = json.loads(conversation.body)
    assert body["model"] == "auto"
    assert body["timezone_offset_min"] == -120
    assert [m["author"]["role"] for m in body["messages"]] == [
        "system",
        "user",
        "assistant",
        "user",
    ]
    assert body["messages"][-1]["content"] == {"content_type": "text", "parts": ["Tell me"]}


async def test_model_name_is_sent_as_get_model_gives(site: ChatGptEmulator) -> None:
    provider = pointed(site)
    for model in ("gpt-4o", "no-such-model"):
        assert await provider.create_async(model, HI) == ECHO_HI
    sent = [json.loads(s.body)["model"] for s in site.requests("POST", CONVERSATION)]
    assert sent == ["gpt-4o", "auto"]


async def test_with_the_apps_session_cookies_are_still_sent(site: ChatGptEmulator) -> None:
    async with new_client_session() as session:
        chunks = await collect(site, session=session)
    assert text_of(chunks) == ECHO_HI
    assert site.problems == []


async def test_proof_of_work_runs_off_the_loop_thread(
    site: ChatGptEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    site.difficulty = "00ffff"
    caplog.set_level(logging.DEBUG, logger="providers.seeds.chatgpt_pow")
    assert text_of(await collect(site)) == ECHO_HI
    solved = [r for r in caplog.records if "solved" in r.getMessage()]
    assert len(solved) == 2  # the requirements token and the answer to the site's seed
    assert {r.args[0] for r in solved if isinstance(r.args, tuple)} == {"0fffff", "00ffff"}
    assert all(r.thread != threading.get_ident() for r in solved)


async def test_no_proof_or_turnstile_headers_when_not_required() -> None:
    async with ChatGptEmulator(proof=False, turnstile=False) as site:
        assert text_of(await collect(site)) == ECHO_HI
    assert site.problems == []
    headers = site.requests("POST", CONVERSATION)[0].headers
    assert "openai-sentinel-proof-token" not in headers
    assert "openai-sentinel-turnstile-token" not in headers


async def test_turnstile_token_is_sent_when_required(site: ChatGptEmulator) -> None:
    assert text_of(await collect(site)) == ECHO_HI
    token = site.requests("POST", CONVERSATION)[0].headers["openai-sentinel-turnstile-token"]
    fields = base64.b64decode(token).decode().split("|")
    assert fields[1] == site.url + "/"  # window.document.location
    assert site.problems == []


async def test_unsolvable_proof_of_work_is_a_clear_error(site: ChatGptEmulator) -> None:
    site.difficulty = "000000"  # 6 digest bytes can never be <= 3 zero bytes
    chunks, error = await until_error(pointed(site).create_async_generator("auto", HI))
    assert chunks == []
    assert isinstance(error, ProofOfWorkError)
    assert str(error).startswith(
        "ChatGpt: Could not solve the site's proof of work (difficulty 000000) in 500,000 attempts"
    )
    assert site.requests("POST", CONVERSATION) == []


async def test_forbidden_conversation_is_blocked_by_the_site(site: ChatGptEmulator) -> None:
    site.fail(Failure.FORBIDDEN, "conversation")
    chunks, error = await until_error(pointed(site).create_async_generator("auto", HI))
    assert chunks == []
    assert isinstance(error, BlockedError)
    assert "ChatGpt: The request was blocked by the site (HTTP 403): 403 Forbidden" in str(error)
    assert "use a proxy" in str(error)


@pytest.mark.parametrize("route", ["requirements", "conversation"])
async def test_unusual_activity_is_blocked_by_the_site(site: ChatGptEmulator, route: str) -> None:
    site.unusual_at = route
    chunks, error = await until_error(pointed(site).create_async_generator("auto", HI))
    assert chunks == []
    assert isinstance(error, BlockedError)
    assert f"ChatGpt: The request was blocked by the site: {UNUSUAL}" in str(error)


@pytest.mark.parametrize("route", ["page", "requirements", "conversation"])
async def test_cloudflare_page_is_a_blocked_error(site: ChatGptEmulator, route: str) -> None:
    site.fail(Failure.CLOUDFLARE, route)
    chunks, error = await until_error(pointed(site).create_async_generator("auto", HI))
    assert chunks == []
    assert isinstance(error, BlockedError)
    assert "blocked by the site: an anti-bot (Cloudflare) page answered, HTTP 403" in str(error)


@pytest.mark.parametrize("route", ["requirements", "conversation"])
async def test_rate_limit_says_when_to_retry(site: ChatGptEmulator, route: str) -> None:
    site.fail(Failure.RATE_LIMIT, route)
    chunks, error = await until_error(pointed(site).create_async_generator("auto", HI))
    assert chunks == []
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7
    assert "Rate limited by the service (HTTP 429)" in str(error)
    assert "Wait and try again in 7 s" in str(error)


@pytest.mark.parametrize("encoding", ["cumulative", "delta"])
async def test_stream_cut_keeps_the_partial_reply(encoding: str) -> None:
    async with ChatGptEmulator(encoding=encoding) as site:  # type: ignore[arg-type]
        site.reply = LONG
        site.fail(Failure.CUT, "conversation")
        chunks, error = await until_error(pointed(site).create_async_generator("auto", HI))
    assert isinstance(error, StreamCutError)
    assert "closed in the middle of the reply" in str(error)
    assert "The text received so far is kept" in str(error)
    partial = text_of(chunks)
    assert partial
    assert LONG.startswith(partial)
    assert partial != LONG


@pytest.mark.parametrize("encoding", ["cumulative", "delta"])
async def test_keepalives_between_events_are_skipped(encoding: Encoding) -> None:
    async with ChatGptEmulator(encoding=encoding) as site:
        site.keepalives = True
        chunks = await collect(site)
    assert site.problems == []
    assert text_of(chunks) == ECHO_HI
    assert chunks[-1] == FinishReason("stop")


async def test_garbage_json_in_the_stream_is_a_clear_error(site: ChatGptEmulator) -> None:
    site.fail(Failure.GARBAGE, "conversation")
    chunks, error = await until_error(pointed(site).create_async_generator("auto", HI))
    assert isinstance(error, MalformedResponseError)
    assert "The service sent something that is not JSON" in str(error)
    partial = text_of(chunks)
    assert partial
    assert ECHO_HI.startswith(partial)


async def test_garbage_chat_requirements_is_a_clear_error(site: ChatGptEmulator) -> None:
    site.fail(Failure.GARBAGE, "requirements")
    chunks, error = await until_error(pointed(site).create_async_generator("auto", HI))
    assert chunks == []
    assert isinstance(error, MalformedResponseError)
    assert "not JSON" in str(error)


async def test_error_event_is_raised_after_the_partial_reply(site: ChatGptEmulator) -> None:
    site.error_event = True
    chunks, error = await until_error(pointed(site).create_async_generator("auto", HI))
    assert isinstance(error, ReplyError)
    assert "ChatGpt: The site reported an error: Something went wrong." in str(error)
    assert text_of(chunks)
    assert ECHO_HI.startswith(text_of(chunks))


async def test_silent_server_is_an_idle_timeout(site: ChatGptEmulator) -> None:
    site.fail(Failure.SLOW, "conversation")
    timeouts = Timeouts(connect=5, idle=0.3)
    stream = pointed(site).create_async_generator("auto", HI, timeouts=timeouts)
    chunks, error = await until_error(stream)
    assert isinstance(error, IdleTimeoutError)
    assert "sent nothing for 0.3 s." in str(error)
    assert text_of(chunks)
    assert ECHO_HI.startswith(text_of(chunks))


async def test_no_messages_is_a_clear_error(site: ChatGptEmulator) -> None:
    chunks, error = await until_error(pointed(site).create_async_generator("auto", []))
    assert chunks == []
    assert str(error) == "ChatGpt: There is no message to send."
    assert site.seen == []


async def test_turnstile_program_the_interpreter_cannot_run(site: ChatGptEmulator) -> None:
    site.turnstile_program = [[2, 30, "window.fetch"], [17, 31, 30], [3, "x"]]
    chunks, error = await until_error(pointed(site).create_async_generator("auto", HI))
    assert chunks == []
    assert str(error).startswith(
        "ChatGpt: Parley cannot run the unsupported turnstile instruction [17,31,30]: "
        "'window.fetch' is not a supported browser function."
    )
    assert site.requests("POST", CONVERSATION) == []


async def test_repeated_text_is_not_lost(site: ChatGptEmulator) -> None:
    site.reply = "abcabcabc abc abcabc"
    assert await pointed(site).create_async("auto", HI) == "abcabcabc abc abcabc"


async def test_create_completion_inside_a_running_loop() -> None:
    with in_thread(ChatGptEmulator) as site:
        provider = ChatGpt.with_base_url(site.url)
        assert "".join(provider.create_completion("auto", HI, True)) == ECHO_HI


def test_create_completion_without_a_loop() -> None:
    with in_thread(ChatGptEmulator) as site:
        provider = ChatGpt.with_base_url(site.url)
        chunks = list(provider.create_completion("auto", HI, stream=True))
    assert "".join(chunks) == ECHO_HI
    assert len(chunks) > 1


async def test_cancelling_the_reply_leaves_nothing_running(site: ChatGptEmulator) -> None:
    site.fail(Failure.SLOW, "conversation")
    stream = pointed(site).create_async_generator("auto", HI)
    received: list[Any] = []

    async def drain() -> None:
        while True:  # the server goes silent: the wait is cancelled, as a Stop button does
            received.append(await asyncio.wait_for(anext(stream), 1.0))

    with pytest.raises(TimeoutError):
        await drain()
    await stream.aclose()  # type: ignore[attr-defined]
    assert ECHO_HI.startswith(text_of(received))
    await asyncio.wait_for(site.hung_up.wait(), 5)  # the server saw the connection close


async def ask(site: ChatGptEmulator, text: str) -> Conversation:
    conversation = Conversation()
    conversation.add("system", "Be brief.")
    conversation.add("user", text)
    async with new_client_session() as http:
        await (
            ChatSession(MemorySecretStore(), http).reply(conversation, pointed(site), "auto").run()
        )
    return conversation


async def test_chat_session_keeps_the_reply_and_its_finish_reason(site: ChatGptEmulator) -> None:
    conversation = await ask(site, "Hi")
    reply = conversation.messages[-1]
    assert reply.state is MessageState.COMPLETE
    assert reply.content == "ha ha ha! [system,user] You said: Hi ha ha"
    assert reply.finish_reason == "stop"


async def test_chat_session_keeps_the_partial_reply_of_a_cut_stream(site: ChatGptEmulator) -> None:
    site.reply = LONG
    site.fail(Failure.CUT, "conversation")
    conversation = await ask(site, "Hi")
    reply = conversation.messages[-1]
    assert reply.state is MessageState.FAILED
    assert reply.content
    assert LONG.startswith(reply.content)
    assert reply.error is not None
    assert "closed in the middle of the reply" in reply.error.sentence


class Watched:
    """A solver wrapped to tell the test when its worker thread starts and ends."""

    def __init__(self, solver: Callable[..., str]):
        self.solver = solver
        self.running = threading.Event()
        self.ended = threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        self.running.set()
        try:
            return self.solver(*args, **kwargs)
        finally:
            self.ended.set()

    async def started(self) -> None:
        for _ in range(500):
            if self.running.is_set():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the solver never started")


async def stop_while_solving(site: ChatGptEmulator, watched: Watched) -> float:
    """Start a reply, cancel it (as Stop does) while ``watched`` runs; the seconds the
    cancellation took."""
    reply = asyncio.create_task(collect(site))
    await watched.started()
    await asyncio.sleep(0.1)  # well into the work, which would go on for seconds
    cancelled = time.perf_counter()
    reply.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reply
    assert watched.ended.is_set()  # the cancellation waited for the thread to end
    assert site.requests("POST", CONVERSATION) == []
    return time.perf_counter() - cancelled


async def test_stop_during_a_hostile_turnstile_ends_its_thread(
    site: ChatGptEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    watched = Watched(solve_turnstile)
    monkeypatch.setattr(chatgpt, "solve_turnstile", watched)
    site.turnstile_program = comparing_forever()  # runs until the deadline
    assert await stop_while_solving(site, watched) < min(0.5, DEADLINE_SECONDS / 2)


async def test_stop_during_the_proof_of_work_ends_its_thread(
    site: ChatGptEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    watched = Watched(answer_token)
    monkeypatch.setattr(chatgpt, "answer_token", watched)
    site.difficulty = "000000"  # unsolvable: 500,000 attempts, over a second
    assert await stop_while_solving(site, watched) < 0.5


def test_a_stopped_proof_of_work_ends_at_once_and_unstopped_results_are_unchanged() -> None:
    config = build_config("agent", 1.0)
    stop = threading.Event()
    assert find_proof("seed", "0fffff", config, stop=stop) == find_proof("seed", "0fffff", config)
    stop.set()
    with pytest.raises(ProofOfWorkError, match="stopped before it was solved"):
        find_proof("seed", "000000", config, stop=stop)


async def test_hostile_turnstile_programs_are_clear_errors(site: ChatGptEmulator) -> None:
    site.turnstile_program = doubling(34)
    chunks, error = await until_error(pointed(site).create_async_generator("auto", HI))
    assert chunks == []
    assert isinstance(error, TurnstileError)
    assert str(error).startswith(
        "ChatGpt: The site's turnstile program tried to build a value longer than Parley's limit"
    )
    assert site.requests("POST", CONVERSATION) == []
