"""The help every command prints, word for word: it is what a person reads first.

When a command or the provider list changes, regenerate the expected texts with
``PARLEY_WRITE_HELP=1 pytest tests/chat/test_cli_help.py`` and read the diff.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest

from chat.cli import main
from chat.version import VERSION

EXPECTED = Path(__file__).with_name("cli_help.txt")
COMMANDS = [
    [],
    ["ask"],
    ["models"],
    ["providers"],
    ["keys"],
    ["keys", "set"],
    ["keys", "list"],
    ["keys", "remove"],
    ["config"],
    ["config", "set"],
    ["endpoints"],
    ["endpoints", "add"],
    ["endpoints", "list"],
    ["endpoints", "remove"],
    ["list"],
    ["show"],
    ["search"],
    ["export"],
    ["import"],
]


def help_of(argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    return out.getvalue()


def all_help() -> str:
    return "".join(
        f"$ parley {' '.join([*argv, '--help'])}\n{help_of(argv)}\n" for argv in COMMANDS
    )


def test_every_commands_help_reads_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    text = all_help()
    if os.environ.get("PARLEY_WRITE_HELP"):
        EXPECTED.write_text(text)
    assert text == EXPECTED.read_text()


def test_the_version_is_the_one_written_in_chat_version_and_the_installed_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out == f"parley {VERSION}\n"
    assert version("parley-desktop") == VERSION  # pyproject reads it from chat/version.py


def test_no_command_prints_the_help_and_says_it_was_a_usage_mistake(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    assert main([]) == 2
    assert capsys.readouterr().out == help_of([])


def test_the_provider_list_reads_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["providers"]) == 0
    text = capsys.readouterr().out
    expected = EXPECTED.with_name("cli_providers.txt")
    if os.environ.get("PARLEY_WRITE_HELP"):
        expected.write_text(text)
    assert text == expected.read_text()
