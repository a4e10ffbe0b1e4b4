"""``parley ask``, ``providers``, ``models`` and ``keys`` called in this process, each of what
they print checked word for word: stdout holds only the answer, stderr only our sentences."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from chat import paths
from chat.cli import EXIT_FAILED, EXIT_OK, EXIT_PIPE_CLOSED, EXIT_USAGE, list_providers, main
from chat.settings import Settings
from tests.emulators.openai import OpenAIEmulator

from .streaming_server import Loopback, StreamServer, install_plugin

NO_PROXY = (
    "{name}: Could not connect to the proxy 127.0.0.1:9: nothing is listening at that address. "
    "Check the proxy URL in Settings → Providers or `--proxy`."
)
NO_KEYRING = (
    "Secrets are kept in memory for this session only: no keyring service was found. Unlock "
    "or install a keyring (GNOME Keyring, KWallet) to keep them."
)


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


@pytest.fixture(autouse=True)
def secrets() -> Iterator[MemoryKeyring]:
    """The keyring ``parley`` finds: this test's own, never the user's."""
    backend = MemoryKeyring()
    before = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


class TwoKeys(Loopback):
    """A service that wants an API key and cookies."""

    needs_auth = True
    credential_kinds = ("api_key", "cookies")


@pytest.fixture(autouse=True)
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = install_plugin(
        tmp_path,
        {
            "Loopback": "tests.chat.streaming_server:Loopback",
            "Keyed": "tests.chat.streaming_server:LoopbackChat",
            "Forgiving": "tests.chat.streaming_server:Forgiving",
            "TwoKeys": "tests.chat.test_cli_contract:TwoKeys",
        },
    )
    monkeypatch.syspath_prepend(str(path))
    for name in ("OPENAI_API_KEY", "PARLEY_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    return path


class Terminal(io.StringIO):
    """Standard output shown on a terminal."""

    def isatty(self) -> bool:
        return True


class ClosedAfter(io.StringIO):
    """Standard output whose reader goes away after ``size`` characters, as ``head -c``."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def write(self, text: str) -> int:
        if self.tell() + len(text) > self.size:
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


def stdin(monkeypatch: pytest.MonkeyPatch, data: bytes = b"") -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


async def parley(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``main`` on a worker thread (it runs its own loop; the servers run on this one)."""
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def settings_path() -> Path:
    return paths.config_dir() / "settings.json"


def save_settings(**providers: dict[str, str]) -> Settings:
    settings = Settings.load()
    for provider, values in providers.items():
        for name, value in values.items():
            settings.set_provider(provider, name, value)
    settings.save()
    return settings


def damaged_said() -> str:
    """What a command says about a settings file that is not JSON."""
    return (
        "parley: Parley could not read its settings file, so it uses the default settings. "
        f"The file was kept as {settings_path()}.damaged: fix it and move it back, or delete "
        "it. (It is not valid JSON: Expecting property name enclosed in double quotes: line 1 "
        "column 2 (char 1).)\n"
    )


# --- ask ---------------------------------------------------------------------------------


async def test_options_the_model_and_a_stored_key_reach_the_service(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with OpenAIEmulator() as server:
        site = ("--base-url", server.base_url)
        stdin(monkeypatch, b"test-key\n")
        stored = await parley(capsys, "keys", "set", "OpenAI", "api_key", *site)
        assert stored == (EXIT_OK, "", "parley: stored api_key for OpenAI in the keyring.\n")
        stdin(monkeypatch)
        result = await parley(
            capsys, "ask", "-p", "OpenAI", *site, "-m", "other-model",
            "-o", "temperature=0.5", "-s", "Be brief.", "Hi", "there",
        )  # fmt: skip
        sent = server.requests("POST", "/v1/chat/completions")
    assert result == (EXIT_OK, "Hello from the emulator.", "")
    assert len(sent) == 1
    assert sent[0].headers["Authorization"] == "Bearer test-key"
    body = sent[0].json()
    assert (body["model"], body["temperature"]) == ("other-model", 0.5)
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi there"},
    ]


async def test_a_local_servers_key_is_read_from_the_keyring_once_the_server_asks(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with OpenAIEmulator() as server:
        stdin(monkeypatch, b"test-key\n")
        stored = await parley(
            capsys, "keys", "set", "LlamaCpp", "api_key", "--base-url", server.base_url
        )
        assert stored == (EXIT_OK, "", "parley: stored api_key for LlamaCpp in the keyring.\n")
        stdin(monkeypatch)
        result = await parley(
            capsys, "ask", "-p", "LlamaCpp", "--base-url", server.base_url, "-m", "test-model", "hi"
        )
        sent = server.requests("POST", "/v1/chat/completions")
    assert result == (EXIT_OK, "Hello from the emulator.", "")
    assert [s.headers.get("Authorization") for s in sent] == [None, "Bearer test-key"]


async def test_the_saved_provider_and_base_url_apply_when_none_is_given(
    server: StreamServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = save_settings(Loopback={"base_url": server.url})
    settings.set("provider", "Loopback")
    settings.save()
    stdin(monkeypatch)
    assert await parley(capsys, "ask", "hi") == (EXIT_OK, "Hello there, friend.", "")
    body = server.requests[0]["body"]
    assert body == {"model": "", "messages": [{"role": "user", "content": "hi"}]}


async def test_a_damaged_settings_file_is_said_and_the_question_still_asked(
    server: StreamServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_path().parent.mkdir(parents=True)
    settings_path().write_text("{")
    stdin(monkeypatch)
    result = await parley(capsys, "ask", "-p", "Loopback", "--base-url", server.url, "hi")
    assert result == (EXIT_OK, "Hello there, friend.", damaged_said())


async def test_a_reply_that_fails_says_why_and_exits_1(
    server: StreamServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server.fail_status = 404
    stdin(monkeypatch)
    code, out, err = await parley(capsys, "ask", "-p", "Loopback", "--base-url", server.url, "hi")
    assert (code, out) == (EXIT_FAILED, "")
    assert err == (
        "parley: Loopback: The service answered HTTP 404: Server exploded. Check the "
        "provider's base URL; the site may have moved or changed.\n"
    )


async def test_a_transient_failure_is_said_and_tried_once_more(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(monkeypatch)
    async with OpenAIEmulator("keyless") as server:
        server.answer_with(503, '{"error": {"message": "Busy."}}', {"Retry-After": "1"}, times=1)
        code, out, err = await parley(
            capsys, "ask", "-p", "LlamaCpp", "--base-url", server.base_url, "-m", "test-model", "hi"
        )
    assert (code, out) == (EXIT_OK, "Hello from the emulator.")
    assert err == (
        "parley: LlamaCpp: The service answered HTTP 503: Busy. The site has a problem on its "
        "side; try again later, or pick another provider. Trying once more in 1 s.\n"
    )


async def test_a_proxy_given_on_the_command_line_carries_the_request(
    server: StreamServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(monkeypatch)
    code, out, err = await parley(
        capsys, "ask", "-p", "Loopback", "--base-url", server.url,
        "--proxy", "http://127.0.0.1:9", "hi",
    )  # fmt: skip
    assert (code, out) == (EXIT_FAILED, "")
    assert err == f"parley: {NO_PROXY.format(name='Loopback')}\n"
    assert server.requests == []


async def test_the_idle_timeout_given_ends_a_silent_reply(
    server: StreamServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server.delay = 2.0
    stdin(monkeypatch)
    code, out, err = await parley(
        capsys, "ask", "-p", "Loopback", "--base-url", server.url, "--idle-timeout", "0.3", "hi"
    )
    host = server.url.removeprefix("http://")
    assert (code, out) == (EXIT_FAILED, "Hello")
    assert err == (
        f"parley: Loopback: {host} sent nothing for 0.3 s. The text received so far is kept; "
        "try again to get the rest.\n"
    )


@pytest.mark.parametrize(
    ("flag", "said"),
    [
        (
            "--connect-timeout",
            "--connect-timeout: 0 is not a number of seconds above 0 and at most 3600.",
        ),
        (
            "--idle-timeout",
            "--idle-timeout: 0 is not a number of seconds above 0 and at most 3600.",
        ),
    ],
)
async def test_a_timeout_out_of_range_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, flag: str, said: str
) -> None:
    stdin(monkeypatch)
    result = await parley(capsys, "ask", "-p", "Loopback", flag, "0", "hi")
    assert result == (EXIT_USAGE, "", f"parley: {said}\n")


async def test_a_keyring_that_cannot_be_used_is_said_for_a_service_that_needs_a_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    stdin(monkeypatch)
    async with OpenAIEmulator() as server:
        code, out, err = await parley(
            capsys, "ask", "-p", "OpenAI", "--base-url", server.base_url, "-m", "test-model", "hi"
        )
    assert (code, out) == (EXIT_FAILED, "")
    assert err == (
        f"parley: {NO_KEYRING}\nparley: OpenAI: No API key is stored for "
        f"{server.base_url.removesuffix('/v1')}, and a key stored for another site is never "
        "sent here. Add the key for OpenAI at this base URL in Settings → Providers (or `parley "
        f"keys set OpenAI api_key --base-url {server.base_url}`).\n"
    )


async def test_a_proxy_user_without_a_password_opens_the_keyring_for_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, server: StreamServer
) -> None:
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    stdin(monkeypatch)
    code, out, err = await parley(
        capsys, "ask", "-p", "Loopback", "--base-url", server.url,
        "--proxy", "http://someone@127.0.0.1:9", "hi",
    )  # fmt: skip
    assert (code, out) == (EXIT_FAILED, "")
    assert err == f"parley: {NO_KEYRING}\nparley: {NO_PROXY.format(name='Loopback')}\n"


async def test_auto_says_who_answered_and_with_which_model(
    server: StreamServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = save_settings(Forgiving={"base_url": server.url})
    settings.set("auto_providers", "Forgiving")
    settings.save()
    stdin(monkeypatch)
    result = await parley(capsys, "ask", "-p", "auto", "hi")
    assert result == (EXIT_OK, "Hello there, friend.", "parley: answered by Forgiving (small).\n")


async def test_auto_says_who_answered_without_a_model_it_did_not_name(
    server: StreamServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = save_settings(Loopback={"base_url": server.url})
    settings.set("auto_providers", "Loopback")
    settings.save()
    stdin(monkeypatch)
    result = await parley(capsys, "ask", "-p", "auto", "hi")
    assert result == (EXIT_OK, "Hello there, friend.", "parley: answered by Loopback.\n")


@pytest.mark.parametrize(
    ("reply", "shown"),
    [("Hello there.", "Hello there.\n"), ("Hello there.\n", "Hello there.\n")],
)
async def test_on_a_terminal_the_answer_ends_with_one_newline(
    server: StreamServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    reply: str, shown: str,
) -> None:  # fmt: skip
    server.reply = reply
    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    stdin(monkeypatch)
    code = await asyncio.to_thread(main, ["ask", "-p", "Loopback", "--base-url", server.url, "hi"])
    assert (code, terminal.getvalue(), capsys.readouterr().err) == (EXIT_OK, shown, "")


async def test_on_a_terminal_a_reply_that_failed_before_any_text_adds_no_line(
    server: StreamServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server.fail_status = 404
    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    stdin(monkeypatch)
    code = await asyncio.to_thread(main, ["ask", "-p", "Loopback", "--base-url", server.url, "hi"])
    assert (code, terminal.getvalue()) == (EXIT_FAILED, "")


async def test_a_reader_that_goes_away_stops_the_reply_quietly(
    server: StreamServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server.reply = " ".join(f"word{i}" for i in range(200))
    server.delay = 0.01
    stdout = ClosedAfter(12)
    monkeypatch.setattr(sys, "stdout", stdout)
    stdin(monkeypatch)
    code = await asyncio.to_thread(main, ["ask", "-p", "Loopback", "--base-url", server.url, "hi"])
    assert (code, stdout.getvalue(), capsys.readouterr().err) == (
        EXIT_PIPE_CLOSED,
        "word0 word1",
        "",
    )
    await asyncio.wait_for(server.disconnected.wait(), 5)


async def test_the_reasoning_goes_to_stderr_ending_its_line_before_the_answer(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(monkeypatch)
    async with OpenAIEmulator("keyless", "reasoning_content") as server:
        server.script.reasoning = "Let me think."
        result = await parley(
            capsys, "ask", "-p", "LlamaCpp", "--base-url", server.base_url, "-m", "test-model",
            "--reasoning", "hi",
        )  # fmt: skip
    assert result == (EXIT_OK, "Hello from the emulator.", "Let me think. \n")


async def test_reasoning_that_ends_its_own_line_gets_no_second_newline(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(monkeypatch)
    async with OpenAIEmulator("keyless", "think_inline") as server:
        server.script.reasoning = "Let me think.\n"
        result = await parley(
            capsys, "ask", "-p", "LlamaCpp", "--base-url", server.base_url, "-m", "test-model",
            "--reasoning", "hi",
        )  # fmt: skip
    assert result == (EXIT_OK, "Hello from the emulator.", "Let me think.\n")


# --- main --------------------------------------------------------------------------------


class Interrupted(io.BytesIO):
    """Standard input while the user presses Ctrl+C."""

    def read(self, size: int | None = -1) -> bytes:
        raise KeyboardInterrupt


def test_ctrl_c_ends_with_130_and_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(Interrupted(), encoding="utf-8"))
    assert main(["ask", "-p", "Loopback"]) == 130
    assert capsys.readouterr() == ("", "\nparley: interrupted\n")


class RefusingKeyring(KeyringBackend):
    """A keyring whose unlock prompt was dismissed: it opens, then refuses to write."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        from keyring.errors import PasswordSetError

        raise PasswordSetError("Prompt dismissed")

    def delete_password(self, service: str, username: str) -> None:
        raise PasswordDeleteError("Prompt dismissed")


async def test_a_keyring_that_refuses_ends_with_1_and_its_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keyring.set_keyring(RefusingKeyring())
    stdin(monkeypatch, b"sk-secret\n")
    code, out, err = await parley(capsys, "keys", "set", "Keyed", "api_key")
    assert (code, out) == (EXIT_FAILED, "")
    assert err == (
        "parley: The keyring refused to store a secret: it did not accept the secret. Unlock "
        "your keyring (GNOME Keyring, KWallet) or allow Parley to use it, then try again. "
        "(The keyring said: Prompt dismissed)\n"
    )


def test_a_closed_stdout_ends_with_141_and_what_follows_goes_nowhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read, write = os.pipe()
    os.close(read)
    with open(write, "w", buffering=1 << 16) as closed:
        monkeypatch.setattr(sys, "stdout", closed)
        assert main(["providers"]) == EXIT_PIPE_CLOSED
        print("more", file=closed, flush=True)  # would raise, had the pipe not been replaced


def test_the_arguments_come_from_the_command_line_when_none_are_passed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["parley", "endpoints", "list"])
    assert main() == EXIT_OK
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("command", ["keys", "endpoints"])
def test_a_command_without_its_action_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    with pytest.raises(SystemExit) as done:
        main([command])
    assert done.value.code == EXIT_USAGE
    out, err = capsys.readouterr()
    assert out == ""
    assert err.endswith(f"parley {command}: error: the following arguments are required: ACTION\n")


# --- providers -----------------------------------------------------------------------------


def test_the_provider_list_goes_to_the_stream_given(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["providers"]) == EXIT_OK
    printed = capsys.readouterr().out
    out = io.StringIO()
    assert list_providers(out) == EXIT_OK
    assert capsys.readouterr() == ("", "")
    assert out.getvalue() == printed


def test_a_provider_that_cannot_be_loaded_is_listed_with_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    more = tmp_path / "more"
    more.mkdir()
    install_plugin(
        more,
        {  # this package's list hides the one of the fixture: they have the same name
            "AProviderWithAVeryLongName": "tests.chat.no_such_module:Nothing",
            "TwoKeys": "tests.chat.test_cli_contract:TwoKeys",
        },
    )
    monkeypatch.syspath_prepend(str(more))
    out = io.StringIO()
    assert list_providers(out) == EXIT_OK
    assert capsys.readouterr() == ("", "")
    lines = out.getvalue().splitlines()
    width = len("AProviderWithAVeryLongName") + 1
    assert lines[0] == (
        f"{'AProviderWithAVeryLongName':<{width}} could not be loaded: ProviderLoadError: The "
        "provider 'AProviderWithAVeryLongName' could not be loaded from "
        "'tests.chat.no_such_module:Nothing': ModuleNotFoundError(\"No module named "
        "'tests.chat.no_such_module'\"). Update or uninstall the package that registers it."
    )
    at = lines.index(f"{'TwoKeys':<{width}} http://127.0.0.1:9")
    assert (
        lines[at + 1]
        == f"{'':<{width}} TwoKeys: working, stream, history, system, needs api_key/cookies"
    )


def test_the_provider_list_shows_the_users_endpoints_and_autos_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["endpoints", "add", "Mine", "--base-url", "http://127.0.0.1:1/v1"]) == EXIT_OK
    settings = Settings.load()
    settings.set("auto_providers", "Mine, Loopback")
    settings.save()
    capsys.readouterr()
    assert main(["providers"]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    at = lines.index(f"{'Mine':<17} http://127.0.0.1:1/v1")
    assert lines[at + 1] == (
        f"{'':<17} Mine: working, stream, history, system, models listed by the service"
    )
    assert lines[-1] == f"{'Auto':<17} tries in turn: Mine, Loopback (setting auto_providers)"


def test_auto_over_nothing_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings.load()
    settings.set("auto_providers", "NoSuchProvider")
    settings.save()
    assert main(["providers"]) == EXIT_OK
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == f"{'Auto':<17} tries in turn: nothing (setting auto_providers)"


# --- models ----------------------------------------------------------------------------------


async def test_models_prints_the_services_list_and_keeps_it_for_a_day(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with OpenAIEmulator("keyless") as server:
        argv = ["models", "-p", "LlamaCpp", "--base-url", server.base_url]
        assert await parley(capsys, *argv) == (EXIT_OK, "test-model\nother-model\n", "")
        server.models = ("newer-model",)
        assert await parley(capsys, *argv) == (EXIT_OK, "test-model\nother-model\n", "")
        assert await parley(capsys, *argv, "--refresh") == (EXIT_OK, "newer-model\n", "")
        assert len(server.requests("GET", "/v1/models")) == 2


async def test_models_of_the_saved_provider_at_its_saved_base_url(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with OpenAIEmulator("keyless") as server:
        settings = save_settings(LlamaCpp={"base_url": server.base_url})
        settings.set("provider", "LlamaCpp")
        settings.save()
        assert await parley(capsys, "models") == (EXIT_OK, "test-model\nother-model\n", "")


async def test_models_reads_a_local_servers_key_before_asking(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with OpenAIEmulator() as server:
        stdin(monkeypatch, b"test-key")
        argv = ["LlamaCpp", "api_key", "--base-url", server.base_url]
        assert (await parley(capsys, "keys", "set", *argv))[0] == EXIT_OK
        result = await parley(capsys, "models", "-p", "LlamaCpp", "--base-url", server.base_url)
        assert result == (EXIT_OK, "test-model\nother-model\n", "")
        assert [s.headers.get("Authorization") for s in server.seen] == ["Bearer test-key"]


async def test_models_without_a_list_says_why_and_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = await parley(capsys, "models", "-p", "LlamaCpp", "--base-url", "http://127.0.0.1:9/v1")
    assert result == (
        EXIT_FAILED,
        "",
        "parley: The model list could not be fetched: LlamaCpp: Could not reach 127.0.0.1:9: "
        "nothing is listening at that address. The site may be down or gone; if you know a "
        "mirror, set the provider's base URL (Settings → Providers in the window, or `parley ask "
        "--base-url URL`). Showing no list.\n",
    )


async def test_models_through_a_proxy_that_is_down_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with OpenAIEmulator("keyless") as server:
        result = await parley(
            capsys, "models", "-p", "LlamaCpp", "--base-url", server.base_url,
            "--proxy", "http://127.0.0.1:9",
        )  # fmt: skip
        assert server.seen == []
    said = NO_PROXY.format(name="LlamaCpp")
    assert result == (
        EXIT_FAILED,
        "",
        f"parley: The model list could not be fetched: {said} Showing no list.\n",
    )


async def test_models_says_when_the_keyring_cannot_be_used(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    async with OpenAIEmulator() as server:
        result = await parley(capsys, "models", "-p", "OpenAI", "--base-url", server.base_url)
    assert result == (
        EXIT_OK,
        "gpt-4o-mini\ngpt-4o\ngpt-4.1\ngpt-4.1-mini\no3-mini\no4-mini\n",
        f"parley: {NO_KEYRING}\nparley: The model list could not be fetched: OpenAI: No API "
        f"key is stored for {server.base_url.removesuffix('/v1')}, and a key stored for another "
        "site is never sent here. Add the key for OpenAI at this base URL in Settings → Providers "
        f"(or `parley keys set OpenAI api_key --base-url {server.base_url}`). Showing the "
        "built-in list.\n",
    )


# --- keys --------------------------------------------------------------------------------


def keyring_json(secrets: MemoryKeyring) -> dict[str, str]:
    return {user: value for (service, user), value in secrets.items.items() if service == "parley"}


async def test_keys_set_stores_the_secret_at_the_sites_origin_and_delete_forgets_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, secrets: MemoryKeyring
) -> None:
    stdin(monkeypatch, b"  sk-mine \n")
    url = "http://127.0.0.1:7001/v1"
    result = await parley(capsys, "keys", "set", "Keyed", "api_key", "--base-url", url)
    assert result == (EXIT_OK, "", "parley: stored api_key for Keyed in the keyring.\n")
    assert keyring_json(secrets) == {"Keyed/api_key@http://127.0.0.1:7001": "sk-mine"}
    result = await parley(capsys, "keys", "delete", "Keyed", "api_key", "--base-url", url)
    assert result == (EXIT_OK, "", "parley: forgot api_key for Keyed.\n")
    assert keyring_json(secrets) == {}


async def test_keys_go_to_the_base_url_saved_for_the_provider(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, secrets: MemoryKeyring
) -> None:
    save_settings(Keyed={"base_url": "http://127.0.0.1:7002/v1"})
    stdin(monkeypatch, b"sk-saved")
    result = await parley(capsys, "keys", "set", "Keyed", "api_key")
    assert result == (EXIT_OK, "", "parley: stored api_key for Keyed in the keyring.\n")
    assert keyring_json(secrets) == {"Keyed/api_key@http://127.0.0.1:7002": "sk-saved"}


async def test_cookies_are_kept_for_the_providers_site_only_as_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, secrets: MemoryKeyring
) -> None:
    cookies = [
        {"name": "b", "value": "2", "domain": ".chat-gpt.org"},
        {"name": "a", "value": "1", "domain": "chat-gpt.org"},
        {"name": "c", "value": "3", "domain": "elsewhere.example"},
    ]
    stdin(monkeypatch, json.dumps(cookies).encode())
    result = await parley(capsys, "keys", "set", "Aichat", "cookies")
    assert result == (EXIT_OK, "", "parley: stored cookies for Aichat in the keyring.\n")
    assert keyring_json(secrets) == {"Aichat/cookies@https://chat-gpt.org": '{"a":"1","b":"2"}'}


async def test_cookies_that_hold_none_for_the_site_are_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, secrets: MemoryKeyring
) -> None:
    stdin(monkeypatch, b'[{"name": "c", "value": "3", "domain": "elsewhere.example"}]')
    result = await parley(capsys, "keys", "set", "Aichat", "cookies")
    assert result == (
        EXIT_USAGE,
        "",
        "parley: The JSON holds no cookies for chat-gpt.org. Copy them from a browser signed in "
        "to the site.\n",
    )
    assert keyring_json(secrets) == {}


async def test_an_endpoints_secret_header_is_stored_under_its_lowercase_name(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, secrets: MemoryKeyring
) -> None:
    argv = ["endpoints", "add", "Mine", "--base-url", "http://127.0.0.1:1/v1"]
    assert (await parley(capsys, *argv, "--secret-header", "X-Gateway-Key"))[0] == EXIT_OK
    stdin(monkeypatch, b"gw-secret")
    result = await parley(capsys, "keys", "set", "Mine", "header:x-gateway-KEY")
    assert result == (EXIT_OK, "", "parley: stored header:x-gateway-KEY for Mine in the keyring.\n")
    assert keyring_json(secrets) == {"Mine/header:x-gateway-key@http://127.0.0.1:1": "gw-secret"}


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ["Keyed", "bogus"],
            "'bogus' is not a kind of secret: use api_key, access_token, cookies, header:NAME for "
            "an endpoint's secret header, or proxy_password.",
        ),
        (
            ["Keyed", "header:two words"],
            "'header:two words' is not a kind of secret: use api_key, access_token, cookies, "
            "header:NAME for an endpoint's secret header, or proxy_password.",
        ),
        (
            ["Keyed", "X-Api-Key"],
            "'X-Api-Key' is not a kind of secret: use api_key, access_token, cookies, "
            "header:NAME for an endpoint's secret header, or proxy_password.",
        ),
        (
            ["Keyed", "cookies"],
            "Keyed uses no cookies; it takes api_key: parley keys set Keyed api_key.",
        ),
        (
            ["TwoKeys", "access_token"],
            "TwoKeys uses no access_token; it takes api_key or cookies: parley keys set TwoKeys "
            "api_key.",
        ),
        (
            ["Keyed", "header:X-Other"],
            "Keyed uses no header:X-Other; it takes api_key: parley keys set Keyed api_key.",
        ),
        (
            ["Loopback", "api_key"],
            "Loopback uses no api_key: it needs no credentials, so none is stored.",
        ),
    ],
)
async def test_keys_set_refuses_what_the_provider_would_never_read(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    secrets: MemoryKeyring,
    argv: list[str],
    said: str,
) -> None:
    stdin(monkeypatch, b"sk-secret\n")
    assert await parley(capsys, "keys", "set", *argv) == (EXIT_USAGE, "", f"parley: {said}\n")
    assert keyring_json(secrets) == {}


async def test_keys_delete_forgets_even_a_kind_the_provider_never_reads(
    capsys: pytest.CaptureFixture[str], secrets: MemoryKeyring
) -> None:
    secrets.set_password("parley", "Loopback/api_key@http://127.0.0.1:9", "stray")
    result = await parley(capsys, "keys", "delete", "Loopback", "api_key")
    assert result == (EXIT_OK, "", "parley: forgot api_key for Loopback.\n")
    assert keyring_json(secrets) == {}


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b" \n", "No api_key given on stdin."),
        (
            b"\xffkey",
            "The api_key on standard input is not UTF-8 text (byte 0 is not). Save it as UTF-8 "
            "and try again.",
        ),
    ],
)
async def test_keys_set_refuses_a_secret_it_cannot_read(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    secrets: MemoryKeyring,
    data: bytes,
    said: str,
) -> None:
    stdin(monkeypatch, data)
    result = await parley(capsys, "keys", "set", "Keyed", "api_key")
    assert result == (EXIT_USAGE, "", f"parley: {said}\n")
    assert keyring_json(secrets) == {}


class TerminalInput(io.TextIOWrapper):
    """Standard input typed at a terminal."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(b"never read"), encoding="utf-8")

    def isatty(self) -> bool:
        return True


async def test_at_a_terminal_the_secret_is_asked_for_without_echo_on_stderr(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, secrets: MemoryKeyring
) -> None:
    import getpass

    asked: list[tuple[str, object]] = []

    def typed(prompt: str, stream: object = None) -> str:
        asked.append((prompt, stream))
        return " sk-typed \n"

    monkeypatch.setattr(getpass, "getpass", typed)
    monkeypatch.setattr(sys, "stdin", TerminalInput())
    result = await parley(capsys, "keys", "set", "Keyed", "access_token")
    assert result[0] == EXIT_USAGE  # Keyed takes an api_key only
    result = await parley(capsys, "keys", "set", "Keyed", "api_key")
    assert result == (EXIT_OK, "", "parley: stored api_key for Keyed in the keyring.\n")
    assert asked == [("api_key (input hidden): ", sys.stderr)]
    assert keyring_json(secrets) == {"Keyed/api_key@http://127.0.0.1:9": "sk-typed"}


@pytest.mark.parametrize("action", ["set", "delete"])
async def test_keys_without_a_keyring_store_nothing_and_say_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    stdin(monkeypatch, b"sk-secret")
    result = await parley(capsys, "keys", action, "Keyed", "api_key")
    assert result == (EXIT_FAILED, "", f"parley: {NO_KEYRING} Nothing was stored.\n")


async def test_models_says_a_damaged_settings_file_and_lists_anyway(
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings_path().parent.mkdir(parents=True)
    settings_path().write_text("{")
    async with OpenAIEmulator("keyless") as server:
        result = await parley(capsys, "models", "-p", "LlamaCpp", "--base-url", server.base_url)
    assert result == (EXIT_OK, "test-model\nother-model\n", damaged_said())
