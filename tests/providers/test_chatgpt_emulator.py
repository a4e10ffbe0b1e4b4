"""The ChatGpt emulator is strict: what the real site refuses, it refuses too."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator

import pytest

from providers.http import USER_AGENT, new_client_session
from providers.seeds.chatgpt_pow import answer_token, build_config
from tests.emulators.chatgpt import (
    CONVERSATION,
    REQUIREMENTS,
    ChatGptEmulator,
    Rejected,
    decoded_config,
    proof_problem,
)
from tests.emulators.chatgpt_program import make_turnstile


@pytest.fixture
async def site() -> AsyncIterator[ChatGptEmulator]:
    async with ChatGptEmulator() as emulator:
        yield emulator


async def test_strict_emulator_rejects_missing_cookies_and_bad_proofs(
    site: ChatGptEmulator,
) -> None:
    async with new_client_session() as session:
        browser = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)"}
        post = session.post(site.url + REQUIREMENTS, json={"p": "gAAAAACx"}, headers=browser)
        async with post as reply:
            assert reply.status == 403
            assert "<title>403 Forbidden</title>" in await reply.text()
        headers = {**browser, "Accept": "text/html"}
        async with session.get(site.url + "/", headers=headers) as page:
            cookie = "; ".join(f"{k}={v.value}" for k, v in page.cookies.items())
        headers["Cookie"] = cookie
        async with session.post(
            site.url + REQUIREMENTS, json={"p": "gAAAAACx"}, headers=headers
        ) as r:
            assert r.status == 403
            assert "oai-device-id must be a uuid" in (await r.json())["detail"]
        headers.update({"oai-device-id": str(uuid.uuid4()), "oai-language": "en-US"})
        async with session.post(
            site.url + REQUIREMENTS, json={"p": "gAAAAACx"}, headers=headers
        ) as r:
            assert r.status == 403
            assert "oai-device-id must be the oai-did cookie" in (await r.json())["detail"]
        headers["oai-device-id"] = page.cookies["oai-did"].value
        async with session.post(site.url + REQUIREMENTS, data=b'{"p": "x"}', headers=headers) as r:
            assert r.status == 415  # a JSON body must say it is JSON
        async with session.post(
            site.url + REQUIREMENTS, json={"p": "gAAAAACx"}, headers=headers
        ) as r:
            assert r.status == 403
            assert "base64 JSON" in (await r.json())["detail"]
        async with session.post(site.url + CONVERSATION, json={}, headers=headers) as reply:
            assert reply.status == 403
            assert "chat requirements token" in (await reply.json())["detail"]


def test_proof_check_recomputes_the_digest() -> None:
    token = answer_token("seed-a", "00ffff", build_config(USER_AGENT, 1.5))
    assert proof_problem(token, "seed-a", "00ffff") == ""
    # Another seed fails unless its digest happens to pass too (1 in 256 for each).
    assert any(proof_problem(token, f"seed-{i}", "00ffff") for i in range(5))


def test_config_shape_is_checked() -> None:
    config = build_config(USER_AGENT, 1.5)
    token = "gAAAAAB" + base64.b64encode(str(config).encode()).decode()
    with pytest.raises(Rejected, match="base64 JSON"):
        decoded_config(token, "gAAAAAB")
    good = answer_token("s", "0fffff", config)
    assert decoded_config(good, "gAAAAAB")[4] == USER_AGENT
    with pytest.raises(Rejected, match="does not start with gAAAAAC"):
        decoded_config(good, "gAAAAAC")


def test_turnstile_check_wants_the_programs_result() -> None:
    turnstile = make_turnstile("http://127.0.0.1:1", "gAAAAACtoken")
    assert turnstile.problem(None) == "the turnstile token is missing"
    wrong = base64.b64encode("|".join([*turnstile.fixed[:-1], "x", "[]", "0.5", "1"]).encode())
    assert "the turnstile result is wrong" in turnstile.problem(wrong.decode())
    ops = {instruction[0] for instruction in turnstile.program}
    assert ops == {1, 2, 3, 5, 6, 7, 8, 14, 15, 17, 18, 19, 20, 21, 23, 24}
