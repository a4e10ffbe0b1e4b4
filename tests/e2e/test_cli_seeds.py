"""Each seed provider through ``parley ask``, as a user pointing it at a mirror would run it."""

from __future__ import annotations

import json

import pytest

from tests.chat.test_cli import parley
from tests.chat.test_secrets import NO_SERVICE, _secret_service_problem, _skip_or_fail
from tests.emulators.aichat import AichatEmulator
from tests.emulators.chatgpt import ChatGptEmulator
from tests.emulators.chatgptt import ChatGpttEmulator
from tests.emulators.voigpt import VoiGptEmulator
from tests.support.secret_service import secret_service  # noqa: F401 (a fixture)


@pytest.fixture(autouse=True)
def _own_settings(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", f"{tmp_path}/config")


@pytest.mark.parametrize("encoding", ["cumulative", "delta"])
async def test_chatgpt(encoding: str) -> None:
    async with ChatGptEmulator(encoding=encoding) as site:  # type: ignore[arg-type]
        site.reply = "Four. Four again."
        code, out, err = await parley("ask", "-p", "ChatGpt", "--base-url", site.url, "2+2?")
    assert (code, out, err) == (0, "Four. Four again.", "")


async def test_chatgptt() -> None:
    async with ChatGpttEmulator() as site:
        code, out, err = await parley("ask", "-p", "ChatGptt", "--base-url", site.url, "Hi there")
        form = site.requests("POST", "/wp-admin/admin-ajax.php")[0]
    assert code == 0, err
    assert "Hi there" in out
    assert b"action=wpaicg_chat_shortcode_message" in form.body


async def test_aichat_without_cookies_says_where_to_add_them() -> None:
    async with AichatEmulator() as site:
        code, out, err = await parley("ask", "-p", "Aichat", "--base-url", f"{site.url}/chat", "Hi")
        assert site.seen == []  # refused before any request
    assert (code, out) == (1, "")
    assert "Aichat requires cookies" in err
    assert "parley keys set Aichat cookies" in err


@pytest.mark.keyring
@pytest.mark.usefixtures("secret_service")
async def test_aichat_with_its_cookies_stored() -> None:
    async with AichatEmulator() as site:
        mirror = ("--base-url", f"{site.url}/chat")
        header = "; ".join(f"{name}={value}" for name, value in site.cookies.items())
        code, _, err = await parley(
            "keys", "set", "Aichat", "cookies", *mirror, stdin=header.encode()
        )
        assert code == 0, err
        code, out, err = await parley("ask", "-p", "Aichat", *mirror, "-o", "temperature=0.2", "Hi")
    assert code == 0, err
    assert out == "Echo: Hi (t=0.2, p=1)"


async def test_aichat_refuses_cookies_given_as_an_option() -> None:
    async with AichatEmulator() as site:
        cookies = json.dumps(site.cookies)
        code, out, err = await parley(
            "ask", "-p", "Aichat", "--base-url", f"{site.url}/chat",
            "-o", f"cookies={cookies}", "Hi",
        )  # fmt: skip
        assert site.seen == []  # refused before any request
    assert (code, out) == (2, "")
    assert err == (
        "parley: a site's cookies are secrets, so Parley never takes them from the command "
        "line (other users and your shell's history could read them). Store them once with "
        f"`parley keys set Aichat cookies --base-url {site.url}/chat` (it reads the cookies "
        "from stdin or asks for them hidden), then run this again.\n"
    )


async def test_voigpt_keeps_its_token_for_the_next_run() -> None:
    if (problem := _secret_service_problem()) is not None:
        _skip_or_fail(f"{NO_SERVICE} ({problem})")
    async with VoiGptEmulator() as site:
        for question in ("first", "second"):
            code, out, err = await parley("ask", "-p", "VoiGpt", "--base-url", site.url, question)
            assert code == 0, err
            assert out.endswith(f"You said: {question}")
        assert len(site.requests("GET", "/")) == 1  # the second run reused the stored token
        assert len(site.requests("POST", "/generate_response/")) == 2
        code, _, _ = await parley(
            "keys", "delete", "VoiGpt", "access_token", "--base-url", site.url
        )
        assert code == 0


async def test_a_site_that_is_gone_says_a_base_url_can_be_set() -> None:
    code, _, err = await parley("ask", "-p", "VoiGpt", "--base-url", "http://127.0.0.1:9", "hi")
    assert code == 1
    assert "Could not reach 127.0.0.1:9" in err
    assert "may be down or gone" in err
    assert "base URL" in err
