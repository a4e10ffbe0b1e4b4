"""The session's side of the provider contract: what a provider is given, what each chunk
does to the message, when a reply is retried, asked again with the keyring, or falls back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import aiohttp
import pytest

from chat.auto import Auto, Candidate, ProviderHealth, make_auto
from chat.conversation import Conversation, Message, MessageState, ReplyError
from chat.credentials import credential_name, proxy_secret_name
from chat.secrets import MemorySecretStore, SecretStore
from chat.session import ChatSession, Reply, ReplyObserver
from providers.contract import Context, Credentials, Options, Provider, Request
from providers.errors import (
    AuthenticationError,
    ModelNotSupportedError,
    ProviderError,
    RateLimitError,
    ResponseStatusError,
)
from providers.http import Timeouts
from providers.types import (
    AnswerWasReasoning,
    Chunk,
    CredentialKind,
    CredentialUpdate,
    FinishReason,
    ProviderInfo,
    Reasoning,
    ReasoningSignature,
    Usage,
)

URL = "http://127.0.0.1:9/v1"
ASKED = ({"role": "user", "content": "hi"},)


@dataclass
class Script:
    """What a scripted provider does on each request (chunks, or an error to raise), and
    what it was given."""

    runs: list[list[object]] = field(default_factory=list)
    seen: list[tuple[Request, Context]] = field(default_factory=list)
    closed: int = 0


@dataclass(frozen=True, kw_only=True)
class Scripted(Provider):
    """A provider that plays its script: a run's chunks in order, raising its errors."""

    script: Script = field(default_factory=Script, compare=False, repr=False)
    credential_kinds: tuple[CredentialKind, ...] = ("api_key",)

    hands_back_credentials: ClassVar[bool] = True

    async def stream(self, request: Request, context: Context) -> AsyncIterator[Chunk]:
        self.script.seen.append((request, context))
        run = self.script.runs.pop(0) if self.script.runs else [f"from {self.name}"]
        try:
            for item in run:
                if isinstance(item, BaseException):
                    raise item
                if isinstance(item, float):  # a pause, in seconds
                    await asyncio.sleep(item)
                    continue
                yield item  # type: ignore[misc]
        finally:
            self.script.closed += 1


@dataclass(frozen=True, kw_only=True)
class Replacing(Scripted):
    """A service that answers with its default model for a name it does not know."""

    def get_model(self, model: str) -> str:
        return model if model in self.models else self.default_model


@dataclass(frozen=True, kw_only=True)
class Picky(Scripted):
    """A service that refuses a model it does not offer before anything is sent."""

    def get_model(self, model: str) -> str:
        if model not in self.models:
            raise ModelNotSupportedError(f"{model} is not offered.", provider=self.name)
        return model


def scripted(name: str = "Scripted", *runs: list[object], **fields: Any) -> Scripted:
    return Scripted(name=name, url=URL, script=Script(list(runs)), **fields)


class Observer(ReplyObserver):
    """Records every report, and that each one names the reply it is about."""

    def __init__(self) -> None:
        self.reply: Reply | None = None
        self.calls: list[tuple[Any, ...]] = []
        self.retrying = asyncio.Event()

    def _add(self, reply: Reply, *call: Any) -> None:
        assert reply is self.reply, f"{call[0]} reported about another reply: {reply!r}"
        self.calls.append(call)

    def reply_started(self, reply: Reply) -> None:
        self._add(reply, "started")

    def reply_text(self, reply: Reply, text: str) -> None:
        self._add(reply, "text", text)

    def reply_reasoning(self, reply: Reply, text: str) -> None:
        self._add(reply, "reasoning", text)

    def reply_text_was_reasoning(self, reply: Reply) -> None:
        self._add(reply, "text was reasoning")

    def reply_finished(self, reply: Reply) -> None:
        self._add(reply, "finished")

    def reply_failed(self, reply: Reply, error: ReplyError) -> None:
        self._add(reply, "failed", error)

    def reply_retrying(self, reply: Reply, error: ReplyError, delay: float) -> None:
        self._add(reply, "retrying", error, delay)
        self.retrying.set()

    def reply_cancelled(self, reply: Reply) -> None:
        self._add(reply, "cancelled")


def start(
    session: ChatSession, provider: Provider, model: str = "m", **kwargs: Any
) -> tuple[Reply, Observer]:
    conversation = Conversation()
    conversation.add("user", "hi")
    observer = Observer()
    reply = session.reply(conversation, provider, model, observer=observer, **kwargs)
    observer.reply = reply
    return reply, observer


async def run(session: ChatSession, provider: Provider, model: str = "m", **kw: Any) -> Message:
    reply, _ = start(session, provider, model, **kw)
    return await reply.run()


def busy(retry_after: float | None = None, provider: str | None = "Scripted") -> ProviderError:
    error = ResponseStatusError(503, "", provider=provider)
    error.retry_after = retry_after
    return error


def rejected() -> AuthenticationError:
    return AuthenticationError("The API key was rejected (HTTP 401).", provider="Scripted")


class Opener:
    """Opens the keyring that was put off: ``store``, counted."""

    def __init__(self, store: SecretStore) -> None:
        self.store = store
        self.calls = 0

    async def __call__(self) -> SecretStore:
        self.calls += 1
        return self.store


# What a provider is given


async def test_a_provider_gets_the_apps_client_its_key_the_timeouts_and_the_proxy() -> None:
    provider = scripted()
    store = MemorySecretStore()
    await store.set(credential_name(provider, "api_key"), "sk-stored")
    proxy = "http://alice@127.0.0.1:3128"
    await store.set(proxy_secret_name(proxy), "pw")
    timeouts = Timeouts(connect=3, idle=4)
    async with aiohttp.ClientSession() as http:
        session = ChatSession(store, http, timeouts=timeouts)
        message = await run(session, provider, proxy=proxy)
        ((request, context),) = provider.script.seen
        assert context == Context(
            http=http,
            credentials=Credentials(api_key="sk-stored"),
            timeouts=timeouts,
            proxy="http://alice:pw@127.0.0.1:3128",
        )
    assert request == Request("m", ASKED, Options())
    assert (message.state, message.content) == (MessageState.COMPLETE, "from Scripted")


async def test_a_session_with_no_timeouts_given_drives_providers_with_the_default_ones() -> None:
    provider = scripted()
    await run(ChatSession(MemorySecretStore()), provider)
    ((_, context),) = provider.script.seen
    assert context == Context(credentials=Credentials(), timeouts=Timeouts())


async def test_the_stored_key_is_the_one_the_provider_is_driven_with() -> None:
    provider = scripted()
    store = MemorySecretStore()
    await store.set(credential_name(provider, "api_key"), "sk-stored")
    await run(ChatSession(store), provider)
    ((_, context),) = provider.script.seen
    assert context.credentials == Credentials(api_key="sk-stored")


@pytest.mark.parametrize(
    ("options", "sent"),
    [
        ({"temperature": 0.5, "max_tokens": 7}, Options(temperature=0.5, max_tokens=7)),
        (Options(seed=3), Options(seed=3)),
        (None, Options()),
    ],
)
async def test_the_options_go_with_the_request(options: Any, sent: Options) -> None:
    provider = scripted()
    await run(ChatSession(MemorySecretStore()), provider, options=options)
    ((request, _),) = provider.script.seen
    assert request == Request("m", ASKED, sent)


async def test_an_option_the_provider_cannot_send_fails_the_reply_before_any_request() -> None:
    provider = scripted(supported_options=frozenset({"temperature"}), label="Scripted service")
    message = await run(ChatSession(MemorySecretStore()), provider, options={"seed": 1})
    assert message.error == ReplyError(
        "unsupported_option",
        "Scripted: Scripted service does not support the option seed, so nothing was sent. "
        "Remove it; it takes temperature.",
        "Scripted",
    )
    assert provider.script.seen == []


async def test_the_history_sent_stops_before_the_reply() -> None:
    provider = scripted()
    conversation = Conversation(system_prompt="Be brief.")
    conversation.add("user", "one")
    conversation.add("assistant", "first")
    conversation.add("user", "two")
    reply = ChatSession(MemorySecretStore()).reply(conversation, provider, "m")
    conversation.add("user", "typed while it answers")
    await reply.run()
    ((request, _),) = provider.script.seen
    assert request.messages == (
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "first"},
        {"role": "user", "content": "two"},
    )


async def test_a_provider_that_wants_alternating_turns_gets_the_last_replies_joined() -> None:
    provider = scripted(alternating_roles=True)
    conversation = Conversation()
    conversation.add("user", "one")
    conversation.add("assistant", "first")
    conversation.add("user", "two")
    conversation.add("assistant", "second")
    conversation.add("assistant", "third", state=MessageState.CANCELLED)
    conversation.add("user", "three")
    await ChatSession(MemorySecretStore()).reply(conversation, provider, "m").run()
    ((request, _),) = provider.script.seen
    assert request.messages == (
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "first"},
        {"role": "user", "content": "two"},
        {"role": "assistant", "content": "second\n\nthird"},
        {"role": "user", "content": "three"},
    )


# The model a reply is made with


async def test_no_model_asked_means_the_providers_default_without_a_note() -> None:
    provider = scripted(default_model="house-model")
    reply, _ = start(ChatSession(MemorySecretStore()), provider, "")
    assert (reply.message.model, reply.message.note) == ("house-model", "")
    await reply.run()
    ((request, _),) = provider.script.seen
    assert request.model == "house-model"


async def test_an_alias_is_sent_as_its_model_without_a_note() -> None:
    provider = scripted(model_aliases={"short": "long-model-name"})
    reply, _ = start(ChatSession(MemorySecretStore()), provider, "short")
    assert (reply.message.model, reply.message.note) == ("long-model-name", "")
    await reply.run()
    assert provider.script.seen[0][0].model == "long-model-name"


async def test_a_model_replaced_by_the_service_is_noted_beside_a_short_reply() -> None:
    provider = Replacing(
        name="Replacing",
        label="Replacing service",
        url=URL,
        models=("known",),
        default_model="known",
        script=Script([["Cut", FinishReason("length")]]),
    )
    message = await run(ChatSession(MemorySecretStore()), provider, "unknown")
    assert (message.model, message.finish_reason) == ("known", "length")
    assert message.note == (
        "Replacing service does not offer the model “unknown”, so it answered with “known”. "
        "The reply reached the longest length allowed; raise max_tokens or ask it to continue."
    )
    assert provider.script.seen[0][0].model == "known"


async def test_a_model_the_provider_refuses_is_kept_as_asked_without_a_note() -> None:
    provider = Picky(name="Picky", url=URL, models=("known",))
    reply, _ = start(ChatSession(MemorySecretStore()), provider, "unknown")
    assert (reply.message.model, reply.message.note) == ("unknown", "")
    await reply.run()
    assert provider.script.seen[0][0].model == "unknown"


# What each chunk does


async def test_each_chunk_lands_in_its_place_and_is_reported() -> None:
    provider = scripted(
        "Scripted",
        [
            Reasoning("Think. "),
            "",
            "Hello",
            ReasoningSignature("sig-1"),
            ProviderInfo("Upstream", "real-model"),
            ProviderInfo("Upstream2"),
            " there.",
            Usage(3, 4, 7),
            FinishReason("stop"),
        ],
    )
    reply, observer = start(ChatSession(MemorySecretStore()), provider)
    message = await reply.run()
    assert observer.calls == [
        ("started",),
        ("reasoning", "Think. "),
        ("text", "Hello"),
        ("text", " there."),
        ("finished",),
    ]
    assert (message.state, message.content, message.reasoning, message.signature) == (
        MessageState.COMPLETE,
        "Hello there.",
        "Think. ",
        "sig-1",
    )
    assert (message.provider, message.model, message.finish_reason, message.note) == (
        "Upstream2",
        "real-model",
        "stop",
        "",
    )
    assert message.usage == {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}
    assert reply.usage == Usage(3, 4, 7)


async def test_a_message_is_pending_until_its_reply_runs_and_streaming_while_it_does() -> None:
    states: list[MessageState] = []

    class Watcher(ReplyObserver):
        def reply_started(self, reply: Reply) -> None:
            states.append(reply.message.state)

        def reply_text(self, reply: Reply, text: str) -> None:
            states.append(reply.message.state)

    conversation = Conversation()
    conversation.add("user", "hi")
    reply = ChatSession(MemorySecretStore()).reply(
        conversation, scripted(), "m", observer=Watcher()
    )
    assert reply.message.state is MessageState.PENDING
    await reply.run()
    assert states == [MessageState.STREAMING, MessageState.STREAMING]
    assert reply.message.state is MessageState.COMPLETE


class Pieces:
    """An async iterator that is not a generator: it has no ``aclose``."""

    def __init__(self, *pieces: str) -> None:
        self.pieces = list(pieces)

    def __aiter__(self) -> Pieces:
        return self

    async def __anext__(self) -> str:
        if not self.pieces:
            raise StopAsyncIteration
        return self.pieces.pop(0)


@dataclass(frozen=True, kw_only=True)
class Iterating(Provider):
    def stream(self, request: Request, context: Context) -> AsyncIterator[Chunk]:
        return Pieces("Plain ", "iterator.")


async def test_a_stream_may_be_any_async_iterator() -> None:
    provider = Iterating(name="Iterating", url=URL)
    message = await run(ChatSession(MemorySecretStore()), provider)
    assert (message.state, message.content) == (MessageState.COMPLETE, "Plain iterator.")


async def test_a_reply_without_usage_has_none() -> None:
    reply, _ = start(ChatSession(MemorySecretStore()), scripted())
    assert reply.usage is None
    message = await reply.run()
    assert (reply.usage, message.usage) == (None, {})


async def test_the_provider_being_asked_is_the_one_chosen_then_the_member_asked() -> None:
    provider = scripted()
    reply, _ = start(ChatSession(MemorySecretStore()), provider)
    assert reply.current is provider
    member = scripted("Member")
    auto = make_auto([member], "Member").configured_with(None)
    reply, _ = start(ChatSession(MemorySecretStore()), auto, "")
    assert (reply.current, reply.provider) == (auto, auto)
    await reply.run()
    assert (reply.current, reply.provider) == (member, auto)


async def test_a_model_replaced_by_nothing_is_asked_for_by_the_name_given() -> None:
    provider = Replacing(name="Replacing", url=URL, models=("known",))
    reply, _ = start(ChatSession(MemorySecretStore()), provider, "unknown")
    assert (reply.model, reply.message.model) == ("unknown", "")
    await reply.run()
    assert provider.script.seen[0][0].model == "unknown"


async def test_text_that_was_reasoning_moves_to_the_reasoning() -> None:
    provider = scripted("Scripted", ["Let me ", "think.", AnswerWasReasoning(), "Answer."])
    reply, observer = start(ChatSession(MemorySecretStore()), provider)
    message = await reply.run()
    assert (message.reasoning, message.content) == ("Let me think.", "Answer.")
    assert (reply.reasoning, reply.text) == ("Let me think.", "Answer.")
    assert observer.calls[3:] == [("text was reasoning",), ("text", "Answer."), ("finished",)]


@pytest.mark.parametrize(
    ("reason", "note"),
    [
        (
            "content_filter",
            "Scripted service stopped the reply because of its content filter (finish reason "
            "“content_filter”); the text above is what came before.",
        ),
        (
            "recitation",
            "Scripted service stopped the reply because of its rule against reciting sources "
            "(finish reason “recitation”); the text above is what came before.",
        ),
        ("stop", ""),
        ("end_turn", ""),
    ],
)
async def test_a_reply_stopped_by_the_service_says_why(reason: str, note: str) -> None:
    provider = scripted("Scripted", ["Some", FinishReason(reason)], label="Scripted service")
    message = await run(ChatSession(MemorySecretStore()), provider)
    assert (message.finish_reason, message.note) == (reason, note)


async def test_a_handed_back_key_is_kept_for_the_next_reply() -> None:
    provider = scripted("Scripted", [CredentialUpdate("api_key", "sk-rotated"), "ok"])
    store = MemorySecretStore()
    session = ChatSession(store)
    await run(session, provider)
    await run(session, provider)
    assert await store.get(credential_name(provider, "api_key")) == "sk-rotated"
    assert provider.script.seen[1][1].credentials == Credentials(api_key="sk-rotated")


async def test_a_keyring_that_refuses_fails_the_reply_in_its_words_and_closes_the_stream() -> None:
    provider = scripted("Scripted", ["Partial", CredentialUpdate("api_key", 5), "never"])  # type: ignore[arg-type]
    reply, observer = start(ChatSession(MemorySecretStore()), provider)
    message = await reply.run()
    assert provider.script.closed == 1
    error = ReplyError(
        "keyring",
        "Parley tried to store a int as the secret Scripted/api_key@http://127.0.0.1:9; only "
        "text can be kept, so nothing was stored. Please report this.",
        "Scripted",
    )
    assert (message.state, message.content, message.error) == (
        MessageState.FAILED,
        "Partial",
        error,
    )
    assert observer.calls[-1] == ("failed", error)


async def test_a_reply_cancelled_before_it_ran_reports_itself() -> None:
    reply, observer = start(ChatSession(MemorySecretStore()), scripted())
    reply.cancelled_before_start()
    assert (reply.message.state, observer.calls) == (MessageState.CANCELLED, [("cancelled",)])


# Retries


async def test_a_busy_service_is_asked_once_more_after_the_sessions_delay() -> None:
    provider = scripted("Scripted", [busy(provider=None)], ["ok"])
    session = ChatSession(MemorySecretStore(), retry_delay=0.01)
    reply, observer = start(session, provider, proxy="http://127.0.0.1:3128")
    message = await reply.run()
    assert (message.state, message.content) == (MessageState.COMPLETE, "ok")
    error = ReplyError(
        "http",
        "The service answered HTTP 503. The site has a problem on its side; try again "
        "later, or pick another provider.",
        "Scripted",
        status=503,
    )
    assert observer.calls == [
        ("started",),
        ("retrying", error, 0.01),
        ("text", "ok"),
        ("finished",),
    ]
    assert [(r, c.proxy) for r, c in provider.script.seen] == [
        (Request("m", ASKED), "http://127.0.0.1:3128")
    ] * 2


async def test_a_retry_waits_as_long_as_the_service_asked() -> None:
    provider = scripted("Scripted", [busy(0.02)], ["ok"])
    reply, observer = start(ChatSession(MemorySecretStore(), retry_delay=5), provider)
    await reply.run()
    assert observer.calls[1][2] == 0.02


async def test_a_retry_never_waits_more_than_ten_seconds_and_can_be_stopped() -> None:
    provider = scripted("Scripted", [busy(20)], ["ok"])
    reply, observer = start(ChatSession(MemorySecretStore()), provider)
    task = asyncio.ensure_future(reply.run())
    await asyncio.wait_for(observer.retrying.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert observer.calls[1][2] == 10.0
    assert observer.calls[-1] == ("cancelled",)
    assert len(provider.script.seen) == 1


async def test_a_lasting_failure_is_not_retried() -> None:
    error = ResponseStatusError(400, "Bad request", provider="Scripted")
    provider = scripted("Scripted", [error], ["ok"])
    message = await run(ChatSession(MemorySecretStore(), retry_delay=0.01), provider)
    assert message.error == ReplyError(
        "http",
        "Scripted: The service answered HTTP 400: Bad request. The site did not accept the "
        "request; it may have changed how it works.",
        "Scripted",
        status=400,
    )
    assert len(provider.script.seen) == 1


async def test_a_rate_limit_with_a_long_wait_fails_and_keeps_the_wait() -> None:
    error = RateLimitError("Too many requests.", retry_after=30, provider="Scripted")
    provider = scripted("Scripted", [error], ["ok"])
    message = await run(ChatSession(MemorySecretStore(), retry_delay=0.01), provider)
    assert message.error == ReplyError(
        "rate_limit", str(error), "Scripted", status=429, retry_after=30
    )
    assert len(provider.script.seen) == 1


@pytest.mark.parametrize("before", ["Par", Reasoning("Thinking")])
async def test_no_retry_once_something_has_arrived(before: object) -> None:
    provider = scripted("Scripted", [before, busy()], ["ok"])
    message = await run(ChatSession(MemorySecretStore(), retry_delay=0.01), provider)
    assert message.state is MessageState.FAILED
    assert len(provider.script.seen) == 1


# The keyring put off until a provider refuses


async def test_a_refused_reply_is_asked_again_with_the_key_in_the_keyring_opened_then() -> None:
    provider = scripted("Scripted", [rejected()], ["ok"])
    keyring = MemorySecretStore()
    await keyring.set(credential_name(provider, "api_key"), "sk-kept")
    opener = Opener(keyring)
    session = ChatSession(MemorySecretStore(), open_keyring=opener)
    message = await run(session, provider, proxy="http://127.0.0.1:3128")
    assert (message.state, message.content) == (MessageState.COMPLETE, "ok")
    assert [(r, c.credentials, c.proxy) for r, c in provider.script.seen] == [
        (Request("m", ASKED), Credentials(), "http://127.0.0.1:3128"),
        (Request("m", ASKED), Credentials(api_key="sk-kept"), "http://127.0.0.1:3128"),
    ]
    assert (opener.calls, session.secrets, session.open_keyring) == (1, keyring, None)


async def test_a_keyring_with_nothing_more_is_opened_once_and_the_refusal_stands() -> None:
    provider = scripted("Scripted", [rejected()], [rejected()], ["ok"])
    opener = Opener(MemorySecretStore())
    session = ChatSession(MemorySecretStore(), open_keyring=opener)
    first = await run(session, provider)
    second = await run(session, provider)
    refusal = ReplyError(
        "authentication",
        "Scripted: The API key was rejected (HTTP 401). Replace the key, token or cookies in "
        "Settings → Providers in the window (or with `parley keys set`).",
        "Scripted",
    )
    assert (first.error, second.error, opener.calls) == (refusal, refusal, 1)
    assert len(provider.script.seen) == 2


async def test_a_refused_key_is_not_sent_again_when_the_keyring_holds_the_same() -> None:
    provider = scripted("Scripted", [rejected()], ["ok"])
    keyring, first = MemorySecretStore(), MemorySecretStore()
    for store in (keyring, first):
        await store.set(credential_name(provider, "api_key"), "sk-kept")
    opener = Opener(keyring)
    session = ChatSession(first, open_keyring=opener)
    message = await run(session, provider)
    assert message.state is MessageState.FAILED
    assert (len(provider.script.seen), opener.calls) == (1, 1)


async def test_a_failure_other_than_a_refusal_leaves_the_keyring_closed() -> None:
    error = ResponseStatusError(400, "Bad request", provider="Scripted")
    provider = scripted("Scripted", [error], ["ok"])
    opener = Opener(MemorySecretStore())
    session = ChatSession(MemorySecretStore(), open_keyring=opener)
    await run(session, provider)
    assert (opener.calls, len(provider.script.seen)) == (0, 1)


async def test_with_no_keyring_put_off_there_is_nothing_to_open() -> None:
    assert await ChatSession(MemorySecretStore()).keyring_opened(scripted()) is False


# Auto, as the session runs it


def auto_of(*candidates: Candidate) -> Auto:
    members = tuple(c.provider for c in candidates)
    return Auto(name="Auto", url="", members=members, candidates=candidates)


async def test_auto_tries_each_member_with_its_proxy_and_model_until_one_answers() -> None:
    first = scripted("First", [rejected()], label="First service")
    second = scripted("Second", ["Hello", FinishReason("content_filter")], label="Second service")
    auto = auto_of(
        Candidate(first, "http://127.0.0.1:3128", "f-model"),
        Candidate(second, "http://127.0.0.1:3129", "s-model"),
    )
    session = ChatSession(MemorySecretStore())
    message = await run(session, auto, "")
    assert [(r.model, c.proxy) for r, c in first.script.seen + second.script.seen] == [
        ("f-model", "http://127.0.0.1:3128"),
        ("s-model", "http://127.0.0.1:3129"),
    ]
    assert (message.state, message.content, message.provider, message.model) == (
        MessageState.COMPLETE,
        "Hello",
        "Second",
        "s-model",
    )
    assert message.note == (
        "Second service stopped the reply because of its content filter (finish reason "
        "“content_filter”); the text above is what came before."
    )


async def test_auto_asks_a_member_with_no_model_for_its_default() -> None:
    member = scripted("Member", default_model="house")
    message = await run(ChatSession(MemorySecretStore()), auto_of(Candidate(member)), "")
    assert (message.provider, message.model) == ("Member", "house")
    assert member.script.seen[0][0].model == "house"


async def test_auto_keeps_a_members_handed_back_key_under_that_member() -> None:
    member = scripted("Member", [CredentialUpdate("api_key", "sk-new"), "ok"])
    store = MemorySecretStore()
    await run(ChatSession(store), auto_of(Candidate(member)), "")
    assert store.names() == [credential_name(member, "api_key")]


async def test_auto_moves_on_when_a_members_keyring_refuses() -> None:
    first = scripted("First", [CredentialUpdate("api_key", 5), "never"])  # type: ignore[arg-type]
    second = scripted("Second")
    message = await run(
        ChatSession(MemorySecretStore()), auto_of(Candidate(first), Candidate(second)), ""
    )
    assert (message.state, message.content, message.provider) == (
        MessageState.COMPLETE,
        "from Second",
        "Second",
    )


@pytest.mark.parametrize("before", ["Par", Reasoning("Thinking")])
async def test_auto_never_moves_on_once_something_has_arrived(before: object) -> None:
    first = scripted("First", [before, rejected()])
    second = scripted("Second")
    message = await run(
        ChatSession(MemorySecretStore()), auto_of(Candidate(first), Candidate(second)), ""
    )
    assert (message.state, message.provider) == (MessageState.FAILED, "First")
    assert message.error is not None
    assert message.error.kind == "authentication"
    assert second.script.seen == []


async def test_when_every_member_fails_each_is_named_with_its_error_and_skipped_ones_too() -> None:
    first = scripted("First", *[[rejected()]] * 4, label="First service")
    second = scripted("Second", *[[busy()]] * 8, label="Second service")
    session = ChatSession(MemorySecretStore(), retry_delay=0.001)
    auto = auto_of(Candidate(first), Candidate(second))
    for _ in range(3):
        await run(session, auto, "")
    message = await run(session, auto, "")
    assert message.error == ReplyError(
        "all_failed",
        "Auto: Every provider Auto tried failed:\n"
        "• First service: skipped, it failed 3 times in a row\n"
        "• Second service: skipped, it failed 3 times in a row.\n"
        "Fix the first one (a key, a server to start), or try again in a minute.",
        "Auto",
    )
    assert (len(first.script.seen), len(second.script.seen)) == (3, 6)


async def test_an_auto_failure_lists_each_members_own_error() -> None:
    first = scripted("First", [rejected()], label="First service")
    second = scripted("Second", [ResponseStatusError(400, "Bad", provider="Second")])
    message = await run(
        ChatSession(MemorySecretStore()), auto_of(Candidate(first), Candidate(second)), ""
    )
    assert message.error is not None
    assert message.error.sentence == (
        "Auto: Every provider Auto tried failed:\n"
        "• First service: Scripted: The API key was rejected (HTTP 401). Replace the key, token "
        "or cookies in Settings → Providers in the window (or with `parley keys set`).\n"
        "• Second: Second: The service answered HTTP 400: Bad. The site did not accept the "
        "request; it may have changed how it works.\n"
        "Fix the first one (a key, a server to start), or try again in a minute."
    )


async def test_a_member_that_answers_has_its_failures_forgotten() -> None:
    member = scripted("Member", [rejected()], [rejected()], ["ok"], [rejected()], [rejected()])
    session = ChatSession(MemorySecretStore())
    session.health = ProviderHealth(lambda: 0.0)
    auto = auto_of(Candidate(member))
    states = [(await run(session, auto, "")).state for _ in range(6)]
    assert states == [MessageState.FAILED] * 2 + [MessageState.COMPLETE] + [
        MessageState.FAILED
    ] * 2 + [MessageState.COMPLETE]
    assert len(member.script.seen) == 6


async def test_auto_from_make_auto_runs_through_the_session() -> None:
    member = scripted("Member")
    auto = make_auto([member], "Member").configured_with(None)
    message = await run(ChatSession(MemorySecretStore()), auto, "")
    assert (message.content, message.provider) == ("from Member", "Member")


async def test_a_provider_error_without_a_provider_is_told_as_the_replys() -> None:
    provider = scripted("Scripted", [ProviderError("Something broke.")])
    message = await run(ChatSession(MemorySecretStore()), provider)
    assert message.error == ReplyError("unexpected", "Something broke.", "Scripted")


async def test_the_reasoning_time_is_measured_from_its_first_piece_to_the_answer() -> None:
    provider = scripted(
        "Scripted", [0.05, Reasoning("Think."), 0.05, Reasoning(" More."), 0.05, "Hi", 0.05, "!"]
    )
    message = await start(ChatSession(MemorySecretStore()), provider)[0].run()
    assert message.reasoning_s is not None
    assert message.duration_s is not None
    assert message.reasoning_s >= 0.1
    assert message.duration_s - message.reasoning_s >= 0.1  # the wait before, the answer after


async def test_reasoning_that_came_as_answer_text_is_timed_from_that_text() -> None:
    provider = scripted("Scripted", ["Let me think", 0.05, AnswerWasReasoning(), "Yes."])
    message = await start(ChatSession(MemorySecretStore()), provider)[0].run()
    assert message.reasoning == "Let me think"
    assert message.reasoning_s is not None
    assert message.reasoning_s >= 0.05


async def test_a_reply_that_only_reasoned_is_timed_to_its_end_and_one_without_none() -> None:
    provider = scripted("Scripted", [Reasoning("Hmm"), 0.05], ["Plain."])
    session = ChatSession(MemorySecretStore())
    message = await start(session, provider)[0].run()
    assert message.reasoning_s is not None
    assert message.reasoning_s >= 0.05
    assert (await start(session, provider)[0].run()).reasoning_s is None
