"""``parley ask`` and ``parley models`` with a server found running, a proxy, a broken endpoint,
a secret on the command line refused, an empty prompt and a reply that closes a ``<think>`` it never
opened; the provider chosen without settings. Called in this process: the mutation run sees
only what runs here."""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import keyring
import pytest
from aiohttp import web
from keyring.backend import KeyringBackend
from keyring.backends.fail import Keyring as NoKeyring
from keyring.errors import PasswordDeleteError

from chat.auto import Auto
from chat.cli import EMPTY_PROMPT, EXIT_OK, EXIT_USAGE, build_parser, main
from chat.cli_models import models
from chat.cli_providers import choose_provider, resolve_provider
from chat.settings import Settings
from providers.reasoning import LOOK_CHARS
from tests.emulators.openai import OpenAIEmulator

from .streaming_server import install_plugin

NO_PROVIDER = (
    "parley: No provider is chosen and no local server was found running. Pick one with "
    "--provider NAME (see `parley providers`), or start Ollama, LM Studio, llama.cpp's "
    "server or vLLM on this machine.\n"
)


def stdin(monkeypatch: pytest.MonkeyPatch, data: bytes = b"") -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


async def parley(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``main`` on a worker thread (it runs its own loop; the servers run on this one)."""
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """A machine without a keyring service."""
    before = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    yield
    keyring.set_keyring(before)


@pytest.fixture
async def local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """A keyless OpenAI-compatible server running on this machine, where a plugin's local
    preset (“Test local server”) finds it; its base URL."""
    async with OpenAIEmulator("keyless") as server:
        monkeypatch.setenv("PARLEY_TEST_LOCAL_URL", server.base_url)
        path = install_plugin(tmp_path, {"TestLocal": "tests.support.local_plugin:TEST_LOCAL"})
        monkeypatch.syspath_prepend(str(path))
        sys.modules.pop("tests.support.local_plugin", None)  # it reads the URL when imported
        yield server.base_url
    sys.modules.pop("tests.support.local_plugin", None)


def saved_settings(
    proxies: dict[str, str] | None = None, endpoints: dict[str, object] | None = None
) -> Settings:
    """Settings the window saved: a proxy for each provider named, the user's endpoints."""
    settings = Settings.load()
    for provider, proxy in (proxies or {}).items():
        settings.set_provider(provider, "proxy", proxy)
    if endpoints is not None:
        settings.set_section("endpoints", endpoints)
    settings.save()
    return Settings.load()


# --- a server found running ------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "saved", "used"),
    [
        ("socks5://given.test:1080", None, "socks5://given.test:1080"),
        (None, "http://saved.test:3128", "http://saved.test:3128"),
    ],
    ids=["given", "saved for it"],
)
async def test_a_server_found_running_goes_through_the_proxy_given_else_the_one_saved_for_it(
    local: str, given: str | None, saved: str | None, used: str
) -> None:
    settings = saved_settings(proxies={"TestLocal": saved} if saved else None)
    err = io.StringIO()
    target = await choose_provider(None, None, settings, given, err)
    assert (target.provider.name, target.provider.url, target.proxy) == ("TestLocal", local, used)
    assert err.getvalue() == f"parley: using Test local server, found running at {local}.\n"


async def test_with_a_proxy_given_and_no_provider_chosen_or_found_the_error_says_what_to_do(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(monkeypatch)
    code, out, err = await parley(capsys, "ask", "--proxy", "http://proxy.test:3128", "hi")
    assert (code, out, err) == (EXIT_USAGE, "", NO_PROVIDER)


async def test_a_broken_endpoint_is_said_once_when_no_provider_is_chosen_or_found(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = saved_settings(endpoints={"Mine": {"headers": {}}})
    stdin(monkeypatch)
    code, out, err = await parley(capsys, "ask", "hi")
    assert (code, out) == (EXIT_USAGE, "")
    assert err == (
        f"parley: In {settings.path}, the endpoint “Mine” has no base_url; fix it or add the "
        "endpoint again.\n" + NO_PROVIDER
    )


async def test_a_broken_endpoint_is_said_when_a_server_found_running_answers(
    local: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = saved_settings(endpoints={"Mine": {"headers": {}}})
    stdin(monkeypatch)
    code, out, err = await parley(capsys, "ask", "hi")
    assert (code, out) == (EXIT_OK, "Hello from the emulator.")
    assert err.splitlines() == [
        f"parley: In {settings.path}, the endpoint “Mine” has no base_url; fix it or add the "
        "endpoint again.",
        f"parley: using Test local server, found running at {local}.",
    ]


async def test_models_with_no_provider_chosen_lists_the_server_found_running(
    local: str,
) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = await models(build_parser().parse_args(["models"]), out, err)
    assert (code, out.getvalue(), err.getvalue()) == (
        EXIT_OK,
        "test-model\nother-model\n",
        f"parley: using Test local server, found running at {local}.\n",
    )


# --- ask ---------------------------------------------------------------------------------


class MemoryKeyring(KeyringBackend):
    """A keyring that keeps its secrets in this process, as a sound Secret Service would."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError("Password not found")


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The keyring ``parley`` finds: this test's own."""
    backend = MemoryKeyring()
    before = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


def test_an_empty_prompt_is_refused_in_our_sentence_alone(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(monkeypatch)
    assert main(["ask", "-p", "LlamaCpp", " \n "]) == EXIT_USAGE
    assert capsys.readouterr() == ("", f"parley: {EMPTY_PROMPT}\n")


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize(
    ("given", "said"),
    [
        (("-o", "api_key=sk-on-argv"), "an API key is a secret, so Parley never takes it"),
        (("-o", "access_token=tok-on-argv"), "an access token is a secret, so Parley never"),
        (("-o", "cookies=c=on-argv"), "a site's cookies are secrets, so Parley never takes"),
        (("-o", "header:X-Key=on-argv"), "the value of the header X-Key is a secret, so"),
        (("--proxy", "http://ann:pw-on-argv@127.0.0.1:9"), "a proxy's password is a secret"),
    ],
)
async def test_a_secret_on_the_command_line_is_refused_before_anything_is_sent(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    given: tuple[str, str],
    said: str,
) -> None:
    stdin(monkeypatch)
    async with OpenAIEmulator() as server:
        code, out, err = await parley(
            capsys, "ask", "-p", "OpenAI", "--base-url", server.base_url, "-m", "test-model",
            *given, "hi",
        )  # fmt: skip
        sent = server.requests("POST", "/v1/chat/completions")
    assert (code, out, sent) == (EXIT_USAGE, "", [])
    assert err.startswith(f"parley: {said}")
    assert "(other users and your shell's history could read" in err
    assert f"--base-url {server.base_url}" in err or "proxy_password" in err
    assert "on-argv" not in err
    assert err.count("\n") == 1  # one sentence, nothing about the keyring


@pytest.mark.usefixtures("no_keyring")
async def test_models_refuses_a_proxy_url_with_a_password_before_asking(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with OpenAIEmulator() as server:
        code, out, err = await parley(
            capsys, "models", "-p", "OpenAI", "--base-url", server.base_url,
            "--proxy", "http://ann:pw-on-argv@127.0.0.1:9", "--refresh",
        )  # fmt: skip
        assert server.seen == []
    assert (code, out) == (EXIT_USAGE, "")
    assert err == (
        "parley: a proxy's password is a secret, so Parley never takes it from the command line "
        "(other users and your shell's history could read it). Store it once with `parley keys "
        "set OpenAI proxy_password --proxy http://ann@127.0.0.1:9` (it reads the password from "
        "stdin or asks for it hidden), then run this again with --proxy http://ann@127.0.0.1:9.\n"
    )


@pytest.mark.usefixtures("memory_keyring")
async def test_a_local_servers_key_asked_for_goes_on_the_connection_already_open(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reply is sent without the key first; the one sent again with it reuses the
    connection (the command's one HTTP client), as a browser would."""
    ports: list[int] = []

    @web.middleware
    async def note_port(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        assert request.transport is not None
        ports.append(request.transport.get_extra_info("peername")[1])
        response: web.StreamResponse = await handler(request)
        return response

    server = OpenAIEmulator()
    server.app.middlewares.append(note_port)
    async with server:
        stdin(monkeypatch, b"test-key\n")
        stored = await parley(
            capsys, "keys", "set", "LlamaCpp", "api_key", "--base-url", server.base_url
        )
        assert stored[0] == EXIT_OK
        stdin(monkeypatch)
        result = await parley(
            capsys, "ask", "-p", "LlamaCpp", "--base-url", server.base_url, "-m", "test-model", "hi"
        )
        sent = server.requests("POST", "/v1/chat/completions")
    assert result == (EXIT_OK, "Hello from the emulator.", "")
    assert [s.headers.get("Authorization") for s in sent] == [None, "Bearer test-key"]
    assert len(ports) == 2
    assert ports[0] == ports[1]


LOOK = LOOK_CHARS  # how much of a reply's start is watched for a </think> it never opened
TAKEN_BACK = "parley: the text above was the model's reasoning; its answer follows.\n"


def _edge_split() -> list[str]:
    """A reply whose ``</think>`` comes in two pieces, its first ending the window exactly."""
    first = "<" + "a" * 40_000
    return [first, "<" + "a" * (LOOK - len(first) - 4) + "</t", "hink>", "the answer"]


def _past_the_window() -> list[str]:
    """A reply in pieces holding a "<" each, whose ``</think>`` comes past the window."""
    return ["<" + "a" * 39_999, "<" + "a" * 19_999, "<" + "a" * 9_999, "</think>", "more"]


@pytest.mark.parametrize(
    ("pieces", "shown", "said"),
    [
        (_edge_split(), "".join(_edge_split()).replace("</think>", ""), TAKEN_BACK),
        (_past_the_window(), "".join(_past_the_window()), ""),
    ],
    ids=["split at the window's edge", "past the window"],
)
async def test_a_closing_think_tag_is_taken_as_the_end_of_reasoning_only_in_the_replys_start(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    pieces: list[str],
    shown: str,
    said: str,
) -> None:
    """Within its first 65,536 characters (a tag split across pieces counted once) a reply
    that closes a ``<think>`` it never opened was reasoning; past them, the tag is text."""
    stdin(monkeypatch)
    async with OpenAIEmulator("keyless") as server:
        server.script.pieces = pieces
        result = await parley(
            capsys, "ask", "-p", "LlamaCpp", "--base-url", server.base_url, "-m", "test-model", "hi"
        )
    assert result == (EXIT_OK, shown, said)


# --- without settings or package metadata -------------------------------------------------


def test_auto_without_settings_tries_the_local_servers_then_the_services() -> None:
    auto = resolve_provider("auto", None).provider
    assert isinstance(auto, Auto)
    names = [member.name for member in auto.members]
    on_this_machine = [member.local for member in auto.members]
    assert {"Ollama", "LMStudio", "OpenAI", "Anthropic"} <= set(names)
    assert on_this_machine == sorted(on_this_machine, reverse=True)
