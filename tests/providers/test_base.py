"""The provider contract: each kind of provider through all three calls, bridges, base URLs."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

import aiohttp
import pytest
from aiohttp import web

from providers import (
    AbstractProvider,
    AsyncGeneratorProvider,
    AsyncProvider,
    BaseProvider,
    FinishReason,
    ProviderModelMixin,
    Usage,
)
from providers.errors import InvalidBaseUrlError, ModelNotSupportedError, RateLimitError
from providers.http import open_http
from providers.stream import iter_sse_json
from providers.types import Chunk, Messages

PIECES = ["Hel", "lo, ", "world"]


def check_model(model: str) -> None:
    if model == "fail":
        raise RateLimitError("Rate limited by the test.", retry_after=1)


class Sync(AbstractProvider):
    """A blocking provider: ``create_completion`` sleeps like a blocking HTTP client would."""

    url = "https://sync.example"
    threads: ClassVar[list[int]] = []

    @classmethod
    def create_completion(
        cls, model: str, messages: Messages, stream: bool = False, **kwargs: Any
    ) -> Iterator[str]:
        cls.threads.append(threading.get_ident())
        check_model(model)
        for piece in PIECES:
            time.sleep(0.02)
            yield piece


class Whole(AsyncProvider):
    url = "https://whole.example"

    @classmethod
    async def create_async(cls, model: str, messages: Messages, **kwargs: Any) -> str:
        await asyncio.sleep(0.01)
        check_model(model)
        return "".join(PIECES)


class Streaming(AsyncGeneratorProvider):
    url = "https://streaming.example"

    @classmethod
    async def create_async_generator(  # type: ignore[override]
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        for piece in PIECES:
            await asyncio.sleep(0)
            yield piece
        check_model(model)
        yield Usage(1, 3, 4)
        yield FinishReason("stop")


KINDS: list[type[BaseProvider]] = [Sync, Whole, Streaming]
MESSAGES = [{"role": "user", "content": "Hi"}]


@pytest.mark.parametrize("provider", KINDS, ids=lambda p: p.__name__)
async def test_create_async_generator(provider: type[BaseProvider]) -> None:
    chunks = [c async for c in provider.create_async_generator("m", MESSAGES)]
    text = "".join(c for c in chunks if isinstance(c, str))
    assert text == "Hello, world"
    if provider is Streaming:
        assert chunks[-2:] == [Usage(1, 3, 4), FinishReason("stop")]


@pytest.mark.parametrize("provider", KINDS, ids=lambda p: p.__name__)
async def test_create_async(provider: type[BaseProvider]) -> None:
    assert await provider.create_async("m", MESSAGES) == "Hello, world"


@pytest.mark.parametrize("provider", KINDS, ids=lambda p: p.__name__)
def test_create_completion_without_a_loop(provider: type[BaseProvider]) -> None:
    assert "".join(provider.create_completion("m", MESSAGES, stream=True)) == "Hello, world"


@pytest.mark.parametrize("provider", KINDS, ids=lambda p: p.__name__)
async def test_create_completion_inside_a_running_loop_does_not_deadlock(
    provider: type[BaseProvider],
) -> None:
    assert "".join(provider.create_completion("m", MESSAGES, stream=True)) == "Hello, world"


@pytest.mark.parametrize("provider", KINDS, ids=lambda p: p.__name__)
async def test_errors_propagate_through_the_async_calls(provider: type[BaseProvider]) -> None:
    with pytest.raises(RateLimitError, match="Rate limited by the test"):
        await provider.create_async("fail", MESSAGES)
    with pytest.raises(RateLimitError) as caught:
        async for _ in provider.create_async_generator("fail", MESSAGES):
            pass
    assert caught.value.retry_after == 1


@pytest.mark.parametrize("provider", KINDS, ids=lambda p: p.__name__)
def test_errors_propagate_through_create_completion(provider: type[BaseProvider]) -> None:
    with pytest.raises(RateLimitError):
        list(provider.create_completion("fail", MESSAGES))


@pytest.mark.parametrize("provider", [Whole, Streaming], ids=lambda p: p.__name__)
async def test_errors_propagate_through_create_completion_inside_a_loop(
    provider: type[BaseProvider],
) -> None:
    with pytest.raises(RateLimitError):
        list(provider.create_completion("fail", MESSAGES))


async def test_sync_work_never_runs_on_the_event_loop_thread() -> None:
    Sync.threads.clear()
    ticks = 0
    done = asyncio.Event()

    async def tick() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.005)

    ticker = asyncio.create_task(tick())
    text = await Sync.create_async("m", MESSAGES)
    done.set()
    await ticker
    assert text == "Hello, world"
    assert Sync.threads
    assert threading.get_ident() not in Sync.threads
    assert ticks >= 5, "the loop was blocked while the provider slept"


async def test_stopping_a_sync_provider_early_stops_its_worker() -> None:
    agen = Sync.create_async_generator("m", MESSAGES)
    assert await anext(agen) == "Hel"
    await agen.aclose()  # type: ignore[attr-defined]


async def test_an_endless_sync_provider_makes_no_piece_after_it_is_closed() -> None:
    # The test above checks only the first chunk: with ``stop.set()`` dropped it still passed.
    made: list[int] = []
    ended = threading.Event()

    class Endless(AbstractProvider):
        @classmethod
        def create_completion(  # type: ignore[override]
            cls, model: str, messages: Messages, stream: bool = False, **kwargs: Any
        ) -> Iterator[str]:
            try:
                while True:
                    made.append(1)
                    yield "x"
                    time.sleep(0.01)
            finally:
                ended.set()

    agen = Endless.create_async_generator("m", MESSAGES)
    assert await anext(agen) == "x"
    await agen.aclose()  # type: ignore[attr-defined]
    assert await asyncio.to_thread(ended.wait, 5), "the worker kept making pieces"
    count = len(made)
    await asyncio.sleep(0.1)
    assert len(made) == count  # nothing more after the close


def test_stopping_create_completion_early_cancels_the_async_work() -> None:
    cancelled = threading.Event()

    class Endless(AsyncGeneratorProvider):
        @classmethod
        async def create_async_generator(  # type: ignore[override]
            cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
        ) -> AsyncIterator[Chunk]:
            try:
                while True:
                    yield "x"
                    await asyncio.sleep(10)
            except asyncio.CancelledError:
                cancelled.set()
                raise

    async def inside_a_loop() -> None:
        chunks = Endless.create_completion("m", MESSAGES, stream=True)
        assert next(chunks) == "x"
        chunks.close()  # type: ignore[attr-defined]

    asyncio.run(inside_a_loop())
    assert cancelled.wait(5), "the helper thread kept waiting after the caller stopped"


class SseOverHttp(AsyncGeneratorProvider):
    """Streams SSE from a server through ``open_http``, as real providers do."""

    url = "http://127.0.0.1:9"

    @classmethod
    async def create_async_generator(  # type: ignore[override]
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        async with (
            open_http(cls.get_name(), session=kwargs.get("session"), proxy=proxy) as http,
            http.request("GET", f"{cls.url}/stream") as response,
        ):
            async for value in iter_sse_json(response):
                yield value["t"]


@pytest.fixture
def server_on_its_own_thread() -> Iterator[str]:
    """A loopback SSE server on a thread of its own, so a caller blocking its loop is served."""

    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        for piece in PIECES:
            await response.write(f'data: {{"t": "{piece}"}}\n\n'.encode())
        await response.write(b"data: [DONE]\n\n")
        return response

    app = web.Application()
    app.router.add_get("/stream", stream)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    host, port = runner.addresses[0][:2]
    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    try:
        yield f"http://{host}:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


async def test_create_completion_in_a_loop_leaves_the_callers_session_alone(
    server_on_its_own_thread: str,
) -> None:
    provider = SseOverHttp.with_base_url(server_on_its_own_thread)
    async with aiohttp.ClientSession() as session:
        chunks = provider.create_completion("m", MESSAGES, stream=True, session=session)
        assert "".join(chunks) == "Hello, world"
    async with aiohttp.ClientSession() as session:
        assert await provider.create_async("m", MESSAGES, session=session) == "Hello, world"


class Endpointed(AsyncGeneratorProvider):
    url = "https://chatgptt.me"
    api_endpoint = "https://chatgptt.me/wp-admin/admin-ajax.php"

    @classmethod
    async def create_async_generator(  # type: ignore[override]
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        yield cls.api_endpoint or ""


class OriginDerived(Endpointed):
    url = "https://chat-gpt.org/chat"
    api_endpoint = "https://chat-gpt.org/api/text?v=2"


def test_with_base_url_moves_an_endpoint_under_url() -> None:
    moved = Endpointed.with_base_url("http://127.0.0.1:8080/mirror/")
    assert moved.url == "http://127.0.0.1:8080/mirror"
    assert moved.api_endpoint == "http://127.0.0.1:8080/mirror/wp-admin/admin-ajax.php"
    assert moved.get_name() == "Endpointed"
    assert issubclass(moved, Endpointed)
    assert Endpointed.url == "https://chatgptt.me"
    assert "".join(moved.create_completion("m", [])) == moved.api_endpoint


def test_with_base_url_moves_an_origin_derived_endpoint() -> None:
    moved = OriginDerived.with_base_url("http://localhost:9000/chat")
    assert moved.url == "http://localhost:9000/chat"
    assert moved.api_endpoint == "http://localhost:9000/api/text?v=2"
    assert moved.origin() == "http://localhost:9000"


def test_with_base_url_does_not_take_a_longer_host_for_a_prefix() -> None:
    class Lookalike(Endpointed):
        api_endpoint = "https://chatgptt.meta.example/v1/chat"

    assert (
        Lookalike.with_base_url("http://127.0.0.1:1").api_endpoint == "http://127.0.0.1:1/v1/chat"
    )


@pytest.mark.parametrize("bad", ["ftp://mirror.example", "mirror.example", "", "file:///etc/x"])
def test_with_base_url_rejects_non_http_urls(bad: str) -> None:
    with pytest.raises(InvalidBaseUrlError) as caught:
        Endpointed.with_base_url(bad)
    assert isinstance(caught.value, ValueError)
    assert "Not an http(s) URL" in str(caught.value)
    assert "https://example.com" in str(caught.value)


class Models(ProviderModelMixin, Streaming):
    default_model = "auto"
    models: ClassVar[list[str]] = ["auto", "gpt-4o", "gpt-4o-mini"]
    model_aliases: ClassVar[dict[str, str]] = {"4o": "gpt-4o", "gpt-4o": "chatgpt-4o-latest"}


def test_get_model_default_listed_and_alias() -> None:
    assert Models.get_model("") == "auto"
    assert Models.get_model("gpt-4o-mini") == "gpt-4o-mini"
    assert Models.get_model("gpt-4o") == "gpt-4o"  # listed names win over aliases
    assert Models.get_model("4o") == "gpt-4o"
    assert Models.get_models() == ["auto", "gpt-4o", "gpt-4o-mini"]


def test_get_model_unknown_names_the_choices() -> None:
    with pytest.raises(ModelNotSupportedError) as caught:
        Models.get_model("gpt-9")
    assert str(caught.value) == (
        "Model 'gpt-9' is not offered by Models. Pick one of: auto, gpt-4o, gpt-4o-mini, 4o."
    )


def test_get_model_of_a_provider_with_only_a_default_model() -> None:
    class One(ProviderModelMixin, Streaming):
        default_model = "gpt-3.5-turbo"

    assert One.get_model("gpt-3.5-turbo") == "gpt-3.5-turbo"
    assert One.get_models() == ["gpt-3.5-turbo"]
    with pytest.raises(ModelNotSupportedError, match=r"Pick one of: gpt-3\.5-turbo"):
        One.get_model("gpt-4")


def test_declared_flags_and_names() -> None:
    assert Streaming.get_name() == "Streaming"
    assert Streaming.get_label() == "Streaming"
    assert Streaming.origin() == "https://streaming.example"
    assert (Streaming.working, Streaming.supports_stream, Streaming.needs_auth) == (
        False,
        False,
        False,
    )
    assert Streaming.credential_kinds == ()


class Recorder(AbstractProvider):
    """A blocking provider that notes how it was called and on which thread."""

    url = "https://recorder.example"
    calls: ClassVar[list[dict[str, Any]]] = []

    @classmethod
    def create_completion(
        cls, model: str, messages: Messages, stream: bool = False, **kwargs: Any
    ) -> Iterator[str]:
        thread = threading.current_thread()
        cls.calls.append(
            {"messages": messages, "stream": stream, "kwargs": kwargs, "thread": thread.name}
        )
        cls.calls[-1]["daemon"] = thread.daemon
        yield "ok"


async def test_a_sync_provider_gets_the_call_on_a_named_daemon_worker() -> None:
    Recorder.calls.clear()
    chunks = [
        c
        async for c in Recorder.create_async_generator(
            "m", MESSAGES, proxy="http://proxy.example:3128", session="the app's", top_p=0.5
        )
    ]
    assert chunks == ["ok"]
    assert Recorder.calls == [
        {
            "messages": MESSAGES,
            "stream": True,
            "kwargs": {"proxy": "http://proxy.example:3128", "top_p": 0.5},
            "thread": "Recorder-worker",
            "daemon": True,
        }
    ]


class Echoing(AsyncProvider):
    """A one-piece provider that answers with what it was given."""

    url = "https://echoing.example"

    @classmethod
    async def create_async(cls, model: str, messages: Messages, **kwargs: Any) -> str:
        return f"{model} {messages!r} {sorted(kwargs.items())!r}"


async def test_a_one_piece_provider_gets_the_messages_proxy_and_options() -> None:
    chunks = [c async for c in Echoing.create_async_generator("m", MESSAGES, proxy="p", top_p=0.5)]
    assert chunks == [f"m {MESSAGES!r} [('proxy', 'p'), ('top_p', 0.5)]"]


class Keywords(AsyncGeneratorProvider):
    """Yields the keywords it got and whether it runs on a daemon thread."""

    url = "https://keywords.example"

    @classmethod
    async def create_async_generator(  # type: ignore[override]
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        yield f"{sorted(kwargs)} daemon={threading.current_thread().daemon}"


def test_create_completion_passes_the_keywords_on_without_a_loop() -> None:
    assert list(Keywords.create_completion("m", MESSAGES, False, access_token="t")) == [
        "['access_token'] daemon=False"  # the caller's own (main) thread
    ]


async def test_create_completion_in_a_loop_passes_the_keywords_to_a_daemon_thread() -> None:
    reply = Keywords.create_completion("m", MESSAGES, False, access_token="t", session="mine")
    assert await asyncio.to_thread(list, reply) == ["['access_token'] daemon=True"]


class Endless:
    """An async iterator (not a generator) of numbered pieces; ``aclose`` is noted."""

    def __init__(self, closable: bool) -> None:
        self.count = 0
        self.closed = False
        if closable:
            self.aclose = self._aclose

    def __aiter__(self) -> Endless:
        return self

    async def __anext__(self) -> str:
        self.count += 1
        return f"piece {self.count}"

    async def _aclose(self) -> None:
        self.closed = True


class Iterating(AsyncGeneratorProvider):
    url = "https://iterating.example"
    made: ClassVar[list[Endless]] = []
    closable: ClassVar[bool] = True

    @classmethod
    def create_async_generator(  # type: ignore[override]
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        cls.made.append(Endless(cls.closable))
        return cls.made[-1]


@pytest.mark.parametrize("closable", [True, False])
def test_stopping_create_completion_early_closes_any_async_iterator(closable: bool) -> None:
    provider = type("Iterating", (Iterating,), {"closable": closable, "made": []})
    reply = provider.create_completion("m", MESSAGES)
    assert next(reply) == "piece 1"
    reply.close()
    assert provider.made[0].closed is closable


@pytest.mark.parametrize(
    ("url", "endpoint", "moved"),
    [
        ("https://site.example/", "https://site.example/api/chat", "/mirror/api/chat"),
        ("https://site.example/AppX", "https://site.example/AppX/api", "/mirror/api"),
        ("https://site.example/chat", "https://site.example/chat", "/mirror"),
        ("https://site.example/chat", "https://site.example/chat?x=1", "/mirror?x=1"),
        ("https://site.example/chat", "https://site.example/chat#top", "/mirror#top"),
    ],
    ids=["url with a slash", "url ending in X", "the url itself", "a query", "a fragment"],
)
def test_with_base_url_keeps_an_endpoint_under_url_in_its_place(
    url: str, endpoint: str, moved: str
) -> None:
    provider = type("Slashed", (Endpointed,), {"url": url, "api_endpoint": endpoint})
    assert provider.with_base_url("http://127.0.0.1:1/mirror").api_endpoint == (
        f"http://127.0.0.1:1{moved}"
    )


def test_a_provider_without_models_offers_none_and_hints_nothing() -> None:
    class Bare(ProviderModelMixin, Streaming):
        pass

    assert Bare.get_models() == []
    with pytest.raises(ModelNotSupportedError) as caught:
        Bare.get_model("gpt-4")
    assert caught.value.hint == ModelNotSupportedError.default_hint
    assert str(caught.value) == (
        "Model 'gpt-4' is not offered by Bare. Pick one of the provider's models from the "
        "model list."
    )
