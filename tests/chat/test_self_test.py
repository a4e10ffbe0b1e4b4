"""The self-test's parts without Qt: its server is as strict as an OpenAI-compatible service,
each check says what failed in our words, and its folder goes away."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chat.conversation import Conversation, MessageState
from chat.self_test import (
    MODEL,
    PROMPT,
    REPLY,
    Checks,
    SelfTestFailure,
    SelfTestServer,
    chat_problem,
    check_saved,
    describe,
    make_home,
    remove_home,
)
from chat.store import StoreError, StoreProblem
from providers.contract import Context, Credentials, Request
from providers.errors import MissingCredentialsError
from providers.openai_compat import OpenAICompatible


@pytest.fixture
async def server() -> AsyncIterator[SelfTestServer]:
    server = SelfTestServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def good_body() -> dict[str, object]:
    return {"model": MODEL, "stream": True, "messages": [{"role": "user", "content": PROMPT}]}


async def test_the_provider_streams_the_reply_from_it(
    server: SelfTestServer, client: aiohttp.ClientSession
) -> None:
    provider = OpenAICompatible(name="Self-test", label="Self-test", url=server.url)
    request = Request(MODEL, ({"role": "user", "content": PROMPT},))
    context = Context(http=client, credentials=Credentials(api_key=server.key))
    pieces = [
        str(chunk) async for chunk in provider.stream(request, context) if isinstance(chunk, str)
    ]
    assert "".join(pieces) == REPLY
    assert len(pieces) == 6
    assert server.received == [provider.payload(request, MODEL)]


async def test_a_wrong_or_missing_key_is_a_401(
    server: SelfTestServer, client: aiohttp.ClientSession
) -> None:
    for headers in ({}, {"Authorization": "Bearer sk-wrong"}, {"Authorization": server.key}):
        async with client.post(
            f"{server.url}/chat/completions", json=good_body(), headers=headers
        ) as r:
            assert r.status == 401
            assert (await r.json())["error"]["code"] == "invalid_api_key"
        async with client.get(f"{server.url}/models", headers=headers) as r:
            assert r.status == 401
    assert server.received == []


async def test_a_malformed_request_is_a_400_and_an_unknown_model_a_404(
    server: SelfTestServer, client: aiohttp.ClientSession
) -> None:
    auth = {"Authorization": f"Bearer {server.key}"}
    url = f"{server.url}/chat/completions"
    async with client.post(url, data=json.dumps(good_body()), headers=auth) as r:
        assert r.status == 400  # no Content-Type: application/json
    async with client.post(
        url, data=b"{nope", headers={**auth, "Content-Type": "application/json"}
    ) as r:
        assert r.status == 400
    async with client.post(url, json={**good_body(), "model": "gpt-9"}, headers=auth) as r:
        assert r.status == 404
        assert "'gpt-9' does not exist" in (await r.json())["error"]["message"]
    async with client.post(url, json={**good_body(), "stream": False}, headers=auth) as r:
        assert r.status == 400
    async with client.get(f"{server.url}/models", headers=auth) as r:
        assert [m["id"] for m in (await r.json())["data"]] == [MODEL]
    assert server.received == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ([], "The body must be a JSON object."),
        ({**good_body(), "messages": []}, "'messages' must be a non-empty list."),
        ({**good_body(), "messages": ["hi"]}, "Each message must be an object."),
        (
            {**good_body(), "messages": [{"role": "robot", "content": "x"}]},
            "'robot' is not a role.",
        ),
        (
            {**good_body(), "messages": [{"role": "user"}]},
            "Each message needs its 'content' as a string.",
        ),
        (
            {**good_body(), "messages": [{"role": "assistant", "content": "x"}]},
            "The last message must be the user's.",
        ),
        (good_body(), ""),
    ],
)
def test_what_a_chat_request_must_be(body: object, problem: str) -> None:
    assert chat_problem(body) == problem


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
    )
)
def test_any_json_gets_an_answer_not_an_exception(body: object) -> None:
    assert isinstance(chat_problem(body), str)


async def test_a_check_is_said_when_it_passes() -> None:
    out = io.StringIO()
    ticks = iter([1.0, 1.25])
    checks = Checks(out, clock=lambda: next(ticks))

    async def works() -> int:
        return 7

    assert await checks.run("it works", 1, works()) == 7
    assert out.getvalue() == "ok    it works (250 ms)\n"
    assert checks.passed == 1


async def test_a_check_that_takes_too_long_is_named() -> None:
    checks = Checks(io.StringIO())
    with pytest.raises(SelfTestFailure) as failed:
        await checks.run("the reply arrives", 0.01, asyncio.sleep(5))
    assert str(failed.value).startswith(
        "the self-test failed: the reply arrives: it took longer than 0.01 s."
    )
    assert checks.passed == 0


async def test_a_failing_check_says_why_in_our_words() -> None:
    checks = Checks(io.StringIO())

    async def fails(error: Exception) -> None:
        raise error

    with pytest.raises(SelfTestFailure) as failed:
        await checks.run("the disk", 1, fails(OSError(28, "No space left on device", "/tmp/x")))
    assert (
        "the disk: the system refused a file or network operation (/tmp/x): No space left on "
        "device." in str(failed.value)
    )
    with pytest.raises(SelfTestFailure) as failed:
        await checks.run("the bug", 1, fails(KeyError("x")))
    assert "the bug: something unexpected went wrong (KeyError: 'x')." in str(failed.value)


def test_our_errors_keep_their_own_sentences() -> None:
    error = MissingCredentialsError("An API key is needed.", hint="Add it in Settings.")
    assert describe(error) == "An API key is needed. Add it in Settings."
    damaged = StoreError(StoreProblem.CORRUPT, "The database is damaged.")
    assert describe(damaged) == "The database is damaged."
    assert describe(ValueError()) == "something unexpected went wrong (ValueError: no detail)."


def test_the_saved_exchange_must_be_the_prompt_and_the_whole_reply() -> None:
    conversation = Conversation()
    conversation.add("user", PROMPT)
    reply = conversation.add("assistant", REPLY, state=MessageState.COMPLETE)
    check_saved(conversation)
    reply.state = MessageState.FAILED
    with pytest.raises(SelfTestFailure, match="not marked complete"):
        check_saved(conversation)
    with pytest.raises(SelfTestFailure, match="not the prompt and the reply"):
        check_saved(Conversation())


def test_its_folder_is_new_and_goes_away_with_what_is_in_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    home = make_home()
    assert home.parent == tmp_path.resolve()
    (home / "data").mkdir()
    (home / "data" / "parley.db").write_bytes(b"x")
    assert remove_home(home) == ""
    assert list(tmp_path.iterdir()) == []
