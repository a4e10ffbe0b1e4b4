"""``parley ask`` saving its exchange and ``--continue`` going on with a saved one, called in
this process on a real store and a loopback server (the mutation run sees only this process)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from chat import paths
from chat.cli import EXIT_OK, EXIT_USAGE
from chat.store import Store, StoreError

from .streaming_server import StreamServer
from .test_cli_in_process import _parley, plugin
from .test_cli_store_in_process import chat, saved

__all__ = ["plugin"]  # the fixture

ANSWER = "Hello there, friend."
pytestmark = pytest.mark.usefixtures("plugin")


@pytest.fixture(autouse=True)
def _no_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8"))


async def ask(
    server: StreamServer, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, str, str]:
    code = await _parley("ask", "--base-url", server.url, *argv)
    out, err = capsys.readouterr()
    return code, out, err


def sent(server: StreamServer) -> tuple[str, list[tuple[str, str]]]:
    """The model and the messages of the last request."""
    body = server.requests[-1]["body"]
    return body["model"], [(m["role"], m["content"]) for m in body["messages"]]


async def listed(capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert await _parley("list") == EXIT_OK
    return capsys.readouterr().out.splitlines()


async def test_continue_sends_the_history_with_its_model_and_saves_the_new_turn(
    server: StreamServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await ask(server, capsys, "-p", "Loopback", "-m", "tiny", "First question") == (
        EXIT_OK, ANSWER, "",
    )  # fmt: skip
    assert await ask(server, capsys, "Second question", "--continue") == (EXIT_OK, ANSWER, "")
    assert sent(server) == (
        "tiny",
        [("user", "First question"), ("assistant", ANSWER), ("user", "Second question")],
    )
    [line] = await listed(capsys)
    assert line.endswith("   4  First question")
    await ask(server, capsys, "-m", "big", "-s", "Be brief.", "--continue", "", "Third")
    assert sent(server)[0] == "big"
    assert sent(server)[1][:2] == [("system", "Be brief."), ("user", "First question")]


async def test_a_conversation_asked_without_a_model_goes_on_without_one(
    server: StreamServer, capsys: pytest.CaptureFixture[str]
) -> None:
    await ask(server, capsys, "-p", "Loopback", "First question")
    await ask(server, capsys, "--continue", "", "Again")
    assert sent(server)[0] == ""
    await ask(server, capsys, "-p", "Forgiving", "-m", "small", "--continue", "", "Once more")
    await ask(server, capsys, "-p", "Loopback", "--continue", "", "Back")
    assert sent(server)[0] == ""  # a model of another provider is not carried over


async def test_continue_with_a_word_instead_of_an_id_takes_it_as_the_prompts_first(
    server: StreamServer, capsys: pytest.CaptureFixture[str]
) -> None:
    await ask(server, capsys, "-p", "Loopback", "First question")
    assert await ask(server, capsys, "--continue", "why?", "is", "it", "so") == (
        EXIT_OK, ANSWER, "",
    )  # fmt: skip
    assert sent(server)[1][-1] == ("user", "why? is it so")
    assert len(sent(server)[1]) == 3


async def test_continue_by_four_hex_digits_goes_on_with_that_conversation(
    server: StreamServer, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = chat("One", "a", "b"), chat("Two", "c", "d")
    first.id, second.id = "abcd" + "0" * 28, "fedc" + "0" * 28
    saved(first, second)
    await ask(server, capsys, "-p", "Loopback", "--continue", "abcd", "More")
    assert sent(server)[1] == [("user", "a"), ("assistant", "b"), ("user", "More")]
    await ask(server, capsys, "-p", "Loopback", "--continue", "FEDC", "More")
    assert sent(server)[1][0] == ("user", "c")


async def test_no_save_continues_without_saving_the_new_turn(
    server: StreamServer, capsys: pytest.CaptureFixture[str]
) -> None:
    await ask(server, capsys, "-p", "Loopback", "First question")
    await ask(server, capsys, "--no-save", "--continue", "", "Second")
    assert len(sent(server)[1]) == 3
    await ask(server, capsys, "-p", "Loopback", "--no-save", "Unsaved")
    [line] = await listed(capsys)
    assert line.endswith("   2  First question")


async def test_continue_with_nothing_saved_is_a_usage_error(
    server: StreamServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await ask(server, capsys, "-p", "Loopback", "--continue", "", "More") == (
        EXIT_USAGE, "", "parley: There is no saved conversation to continue yet.\n",
    )  # fmt: skip
    assert server.requests == []


async def test_without_a_usable_database_the_question_is_asked_and_not_saved(
    server: StreamServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    paths.data_dir().parent.mkdir(parents=True, exist_ok=True)
    paths.data_dir().write_text("a file where the folder should be")
    with pytest.raises(StoreError) as refused:
        Store.open()
    assert await ask(server, capsys, "-p", "Loopback", "Hello?") == (
        EXIT_OK,
        ANSWER,
        f"parley: {refused.value}\nparley: this exchange will not be saved.\n",
    )
    assert await ask(server, capsys, "-p", "Loopback", "--continue", "", "More") == (
        EXIT_USAGE,
        "",
        f"parley: {refused.value}\n"
        "parley: Without the conversation database there is nothing to continue.\n",
    )
