"""``chat.cli.main`` called in this process (as well as run as ``parley`` elsewhere), so the
mutation run, which traces only this process, sees what the command line does."""

from __future__ import annotations

import asyncio
import io
import sys
from pathlib import Path

import pytest

from chat.cli import EXIT_OK, EXIT_USAGE, main

from .streaming_server import StreamServer, install_plugin


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = install_plugin(
        tmp_path,
        {
            "Loopback": "tests.chat.streaming_server:Loopback",
            "Forgiving": "tests.chat.streaming_server:Forgiving",
        },
    )
    monkeypatch.syspath_prepend(str(path))
    return path


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


async def _parley(*argv: str) -> int:
    """``main`` on a worker thread: it runs its own event loop, the server runs on this one."""
    return await asyncio.to_thread(main, list(argv))


@pytest.mark.usefixtures("plugin")
async def test_ask_streams_the_reply_to_stdout(
    server: StreamServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, b"")
    code = await _parley(
        "ask", "-p", "Loopback", "--base-url", server.url, "-s", "Be brief.",
        "-o", "temperature=0.5", "--idle-timeout", "30", "Hello?",
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert (code, out, err) == (EXIT_OK, "Hello there, friend.", "")
    assert server.requests[0]["body"]["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello?"},
    ]


@pytest.mark.usefixtures("plugin")
async def test_the_prompt_can_come_on_stdin(
    server: StreamServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, "\ufeffWhat now?".encode())
    code = await _parley("ask", "-p", "loopback", "--base-url", server.url)
    assert (code, capsys.readouterr().out) == (EXIT_OK, "Hello there, friend.")
    assert server.requests[0]["body"]["messages"][-1]["content"] == "What now?"


@pytest.mark.usefixtures("plugin")
async def test_a_replaced_model_is_said(
    server: StreamServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, b"")
    code = await _parley("ask", "-p", "Forgiving", "-m", "huge", "--base-url", server.url, "hi")
    out, err = capsys.readouterr()
    assert (code, out) == (EXIT_OK, "Hello there, friend.")
    assert "does not offer the model “huge”, so it answered with “small”" in err


@pytest.mark.usefixtures("plugin")
@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["ask", "-p", "Loopback", "--idle-timeout", "-5", "hi"], "--idle-timeout: -5 is not"),
        (["ask", "-p", "Loopback", "-o", "top_p=2", "hi"], "--option top_p: 2 is not between"),
        (["ask", "-p", "Loopback", "-o", "oops", "hi"], "write KEY=VALUE"),
        (["ask", "-p", "Loopback", "-o", "seed=x", "hi"], "'x' is not a whole number"),
        (["ask", "-p", "Nope", "hi"], "No provider named 'Nope'"),
        (["ask", "-p", "Loopback", "--base-url", "ftp://x", "hi"], "--base-url"),
        (["ask", "-p", "Loopback", " "], "The prompt is empty: write the question after"),
        (
            ["ask", "-p", "Loopback", "--connect-timeout", "soon", "hi"],
            "--connect-timeout: 'soon' is not a number.",
        ),
        (["ask", "-p", "Loopback", "--idle-timeout", "1e400", "hi"], "--idle-timeout: inf is"),
    ],
)
async def test_mistakes_on_the_command_line_exit_2_with_our_sentence(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    said: str,
) -> None:
    _stdin(monkeypatch, b"")
    assert await _parley(*argv) == EXIT_USAGE
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("parley: ")
    assert said in err


@pytest.mark.usefixtures("plugin")
def test_providers_lists_every_provider_with_its_flags(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["providers"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Loopback" in out
    assert "ChatGpt" in out
    assert "NOT WORKING" in out  # the seeds
    assert "models: auto" in out


def test_no_command_prints_the_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == EXIT_USAGE
    assert "usage: parley" in capsys.readouterr().out


def test_keys_set_for_a_kind_the_provider_never_reads_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, b"sk-secret\n")
    assert main(["keys", "set", "Aichat", "api_key"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "Aichat uses no api_key; it takes cookies" in err
    assert "sk-secret" not in err
