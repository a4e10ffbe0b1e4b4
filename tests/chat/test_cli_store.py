"""``parley ask`` saves its exchange; ``list``, ``show``, ``search`` and ``--continue`` read it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from chat import paths

from .streaming_server import StreamServer
from .test_cli import parley, plugin_path

__all__ = ["plugin_path"]  # the fixture


async def _ask(server: StreamServer, plugin: Path, *extra: str) -> tuple[int, str, str]:
    return await parley(
        "ask", "--provider", "Loopback", "--base-url", server.url, *extra, plugin=plugin
    )


async def test_ask_saves_the_exchange_and_list_shows_it(
    server: StreamServer, plugin_path: Path
) -> None:
    assert (await _ask(server, plugin_path, "What is a borrow checker?"))[0] == 0
    code, out, err = await parley("list")
    assert (code, err) == (0, "")
    [line] = out.splitlines()
    assert line.endswith("2  What is a borrow checker?")
    assert (paths.data_dir() / "parley.db").is_file()


async def test_show_prints_the_conversation_by_the_start_of_its_id(
    server: StreamServer, plugin_path: Path
) -> None:
    await _ask(server, plugin_path, "--system", "Be brief.", "Tell me about Rust")
    _, listed, _ = await parley("list")
    short = listed.split()[0]
    code, out, err = await parley("show", short[:4])
    assert (code, err) == (0, "")
    assert out.startswith("# Tell me about Rust\n")
    assert "System prompt:\nBe brief." in out
    assert "\nTell me about Rust\n" in out
    assert "Assistant (Loopback" in out
    assert out.rstrip().endswith("Hello there, friend.")


async def test_continue_sends_the_saved_history_and_adds_to_it(
    server: StreamServer, plugin_path: Path
) -> None:
    await _ask(server, plugin_path, "First question")
    code, out, _ = await parley(
        "ask", "--base-url", server.url, "--continue", "Second", "question", plugin=plugin_path
    )
    assert (code, out) == (0, "Hello there, friend.")  # the provider came from the conversation
    sent = server.requests[-1]["body"]["messages"]
    assert [(m["role"], m["content"]) for m in sent] == [
        ("user", "First question"),
        ("assistant", "Hello there, friend."),
        ("user", "Second question"),
    ]
    _, listed, _ = await parley("list")
    assert len(listed.splitlines()) == 1
    assert "   4  First question" in listed


async def test_continue_by_id_and_a_wrong_id_is_a_usage_error(
    server: StreamServer, plugin_path: Path
) -> None:
    await _ask(server, plugin_path, "One")
    await _ask(server, plugin_path, "Two")
    _, listed, _ = await parley("list")
    older = listed.splitlines()[1].split()[0]
    assert (await _ask(server, plugin_path, "--continue", older, "More"))[0] == 0
    assert server.requests[-1]["body"]["messages"][0]["content"] == "One"
    code, _, err = await _ask(server, plugin_path, "--continue", "abcd0123", "More")
    assert code == 2
    assert "No saved conversation has the id “abcd0123”: see `parley list`." in err


async def test_continue_with_nothing_saved_says_so() -> None:
    code, _, err = await parley("ask", "--continue", "why?")
    assert code == 2
    assert "There is no saved conversation to continue yet." in err


async def test_search_finds_the_words_and_marks_nothing_in_a_pipe(
    server: StreamServer, plugin_path: Path
) -> None:
    await _ask(server, plugin_path, "How do lifetimes work in Rust?")
    await _ask(server, plugin_path, "Что такое Python?")
    code, out, err = await parley("search", "python")
    assert (code, err) == (0, "")
    assert "Что такое Python?" in out
    assert "lifetimes" not in out
    assert "\x1b[" not in out
    code, out, _ = await parley("search", "nothing-like-it")
    assert (code, out) == (0, "Nothing matches “nothing-like-it”.\n")


async def test_a_search_filter_it_cannot_use_is_a_usage_error() -> None:
    code, _, err = await parley("search", "rust", "before:someday")
    assert code == 2
    assert "“before:” takes a date as year-month-day" in err


async def test_no_save_leaves_nothing(server: StreamServer, plugin_path: Path) -> None:
    assert (await _ask(server, plugin_path, "--no-save", "private"))[0] == 0
    assert (await parley("list"))[1].startswith("No saved conversations yet")


async def test_a_database_that_cannot_be_used_still_answers_and_says_so(
    server: StreamServer, plugin_path: Path
) -> None:
    folder = paths.data_dir()
    folder.mkdir(parents=True)
    (folder / "parley.db").write_bytes(b"")
    db = sqlite3.connect(folder / "parley.db")
    db.execute("PRAGMA user_version = 99")
    db.close()
    code, out, err = await _ask(server, plugin_path, "hi")
    assert (code, out) == (0, "Hello there, friend.")
    assert "written by a newer Parley" in err
    assert "this exchange will not be saved." in err
    code, _, err = await parley("list")
    assert code == 1
    assert err.startswith("parley: The conversation database")
    assert "Traceback" not in err
