"""``parley`` as a new user tries it: closed pipes, unknown options, values out of range,
secrets a provider never reads, text that is not UTF-8. Each ends with our sentence."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from .streaming_server import StreamServer, install_plugin
from .test_cli import PARLEY, parley, plugin_env


@pytest.fixture
def plugin_path(tmp_path: Path) -> Path:
    return install_plugin(
        tmp_path,
        {
            "Loopback": "tests.chat.streaming_server:Loopback",
            "Keyed": "tests.chat.streaming_server:LoopbackChat",
            "Forgiving": "tests.chat.streaming_server:Forgiving",
        },
    )


async def test_a_closed_stdout_ends_quietly_and_stops_the_reply(
    server: StreamServer, plugin_path: Path
) -> None:
    # `parley ask ... | head -c 8`: the reader goes away after a few bytes.
    server.reply = " ".join(f"word{i}" for i in range(2000))
    server.delay = 0.005
    env = plugin_env(plugin_path)
    read, write = os.pipe()
    process = await asyncio.create_subprocess_exec(
        str(PARLEY), "ask", "-p", "Loopback", "--base-url", server.url, "hi",
        env=env, stdout=write, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    os.close(write)
    first = await asyncio.to_thread(os.read, read, 8)
    os.close(read)  # as `head` does once it has what it wants
    _, err = await asyncio.wait_for(process.communicate(), 20)
    assert first.startswith(b"word0")
    assert process.returncode in (0, 141)
    assert err.decode() == ""
    await asyncio.wait_for(server.disconnected.wait(), 5)  # the reply was cancelled


async def test_a_closed_stdout_for_providers_ends_quietly(plugin_path: Path) -> None:
    env = plugin_env(plugin_path)
    read, write = os.pipe()
    os.close(read)
    process = await asyncio.create_subprocess_exec(
        str(PARLEY), "providers", env=env, stdout=write, stderr=asyncio.subprocess.PIPE
    )
    os.close(write)
    _, err = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode in (0, 141)
    assert err.decode() == ""


async def test_an_unknown_option_is_a_usage_error_not_the_window() -> None:
    code, out, err = await parley("--bogus")
    assert (code, out) == (2, "")
    assert "unrecognized arguments: --bogus" in err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--idle-timeout", "-5"], "--idle-timeout: -5 is not a number of seconds above 0"),
        (["--connect-timeout", "0"], "--connect-timeout: 0 is not a number of seconds"),
        (["--idle-timeout", "inf"], "--idle-timeout: inf is not a number of seconds"),
        (["-o", "temperature=hot"], "--option temperature: 'hot' is not a number."),
        (["-o", "temperature=9"], "--option temperature: 9 is not between 0 and 2."),
        (["-o", "max_tokens=1.5"], "--option max_tokens takes a whole number, not 1.5."),
        (["-o", "proxy=http://127.0.0.1:3128"], "no such option (use --proxy)"),
        (["-o", "colour=blue"], "--option colour: no such option. Known options: temperature"),
    ],
)
async def test_values_are_checked_as_the_settings_table_checks_them(
    plugin_path: Path, args: list[str], said: str
) -> None:
    code, out, err = await parley("ask", "-p", "Loopback", *args, "hi", plugin=plugin_path)
    assert (code, out) == (2, "")
    assert said in err
    assert "Traceback" not in err


async def test_good_options_reach_the_provider(server: StreamServer, plugin_path: Path) -> None:
    code, out, err = await parley(
        "ask", "-p", "Loopback", "--base-url", server.url, "-o", "temperature=0.5",
        "-o", "max_tokens=20", "--idle-timeout", "30", "hi", plugin=plugin_path,
    )  # fmt: skip
    assert (code, out, err) == (0, "Hello there, friend.", "")


async def test_a_prompt_that_is_not_utf8_says_so(plugin_path: Path) -> None:
    code, _, err = await parley("ask", "-p", "Loopback", stdin=b"\xff\xfehi", plugin=plugin_path)
    assert code == 2
    assert "The prompt on standard input is not UTF-8 text" in err
    assert "codec" not in err


@pytest.mark.parametrize(
    ("provider", "kind", "said"),
    [
        ("ChatGpt", "api_key", "ChatGpt uses no api_key: it needs no credentials"),
        ("Aichat", "api_key", "Aichat uses no api_key; it takes cookies: parley keys set Aichat"),
    ],
)
async def test_keys_set_refuses_a_secret_the_provider_never_reads(
    monkeypatch: pytest.MonkeyPatch, provider: str, kind: str, said: str
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.support.keyrings.RefusingKeyring")
    code, out, err = await parley("keys", "set", provider, kind, stdin=b"sk-secret\n")
    assert (code, out) == (2, "")
    assert said in err
    assert "sk-secret" not in err


async def test_the_keyring_notice_is_printed_once(
    monkeypatch: pytest.MonkeyPatch, plugin_path: Path
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    code, _, err = await parley("keys", "set", "Keyed", "api_key", stdin=b"k\n", plugin=plugin_path)
    assert code == 1
    assert err.count("Secrets are kept in memory") == 1
    assert "Nothing was stored." in err


async def test_a_refused_connection_is_said_in_our_words(plugin_path: Path) -> None:
    code, _, err = await parley(
        "ask", "-p", "Loopback", "--base-url", "http://127.0.0.1:9", "hi", plugin=plugin_path
    )
    assert code == 1
    assert "Connect call failed" not in err
    assert "('127.0.0.1'" not in err


async def test_a_replaced_model_is_said_on_stderr(server: StreamServer, plugin_path: Path) -> None:
    code, out, err = await parley(
        "ask", "-p", "Forgiving", "-m", "huge", "--base-url", server.url, "hi",
        plugin=plugin_path,
    )  # fmt: skip
    assert (code, out) == (0, "Hello there, friend.")
    assert err == (
        "parley: Forgiving does not offer the model “huge”, so it answered with “small”.\n"
    )


async def test_a_base_url_whose_host_cannot_exist_is_a_usage_error(plugin_path: Path) -> None:
    code, _, err = await parley(
        "ask", "-p", "Loopback", "--base-url", "http://a..b/v1", "hi", plugin=plugin_path
    )
    assert code == 2
    assert "--base-url: Not a valid address: 'http://a..b/v1'" in err
    assert "UnicodeError" not in err
