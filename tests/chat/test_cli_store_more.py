"""``parley list``, ``show`` and ``search`` on a database that cannot be used as it is (damaged,
unreachable, locked by another program) and with a terminal on stderr: what each says, where."""

from __future__ import annotations

import io
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from chat import paths
from chat.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, build_parser
from chat.cli_store import run as run_store
from chat.conversation import Conversation, MessageState, ReplyError
from chat.store import Store, StoreError
from tests.chat.store.test_indexing import written_later

from .test_cli_store_in_process import SHOWN, WHEN, chat, run, saved

NOTHING_SAVED = "No saved conversations yet: `parley ask` and the window save theirs.\n"


class Terminal(io.StringIO):
    """A stream that says it is a terminal; ``written`` is called on its first write."""

    def __init__(self, written: object = None) -> None:
        super().__init__()
        self._written = written

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if callable(self._written):
            self._written()
            self._written = None
        return super().write(text)


def database() -> Path:
    return paths.data_dir() / "parley.db"


def held(path: Path) -> sqlite3.Connection:
    """Another program's connection that holds the database's write lock."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_list_with_a_limit_of_0_lists_every_conversation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    saved(chat("Soup", "Soup?"), chat("Trains", "When?"))
    code, out, err = run(capsys, "list", "-n", "0")
    assert (code, err) == (EXIT_OK, "")
    assert len(out.splitlines()) == 2


def test_a_limit_that_is_not_a_number_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as ended:
        run(capsys, "list", "-n", "few")
    assert ended.value.code == EXIT_USAGE
    assert "argument -n/--limit: invalid int value: 'few'" in capsys.readouterr().err


def test_search_shows_20_hits_unless_told_otherwise(capsys: pytest.CaptureFixture[str]) -> None:
    saved(*(chat(f"Miso {n}") for n in range(21)))
    code, out, err = run(capsys, "search", "miso")
    assert (code, err) == (EXIT_OK, "")
    assert len(out.splitlines()) == 2 * 20
    assert len(run(capsys, "search", "miso", "-n", "21")[1].splitlines()) == 2 * 21


def test_a_damaged_database_is_set_aside_and_said_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    database().parent.mkdir(parents=True)
    database().write_bytes(b"not a database at all " * 100)
    code, out, err = run(capsys, "list")
    [aside] = [p for p in database().parent.iterdir() if ".damaged-" in p.name]
    assert (code, out) == (EXIT_OK, NOTHING_SAVED)
    assert err.startswith(
        f"parley: Parley's conversation database was damaged, so it was set aside as {aside} "
        "(kept, not deleted) and a new one was started: your earlier conversations are in "
        "that file. ("
    )
    assert err.endswith(")\n")
    assert err.count("\n") == 1


@pytest.mark.parametrize("command", [["list"], ["show", "abcd"], ["search", "soup"]])
def test_a_database_that_cannot_be_opened_is_said_and_ends_with_1(
    capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    paths.data_dir().parent.mkdir(parents=True, exist_ok=True)
    paths.data_dir().write_text("a file where the folder should be")
    with pytest.raises(StoreError) as refused:
        Store.open()
    assert str(paths.data_dir()) in str(refused.value)
    assert run(capsys, *command) == (EXIT_FAILED, "", f"parley: {refused.value}\n")


def test_search_while_another_program_holds_the_database_says_it_is_locked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with closing(Store.open()) as store:
        written_later(store, chat("Soup", "How do I make miso soup?", "Dissolve it in dashi."))
    with closing(held(database())):
        code, out, err = run(capsys, "search", "dashi")
    assert (code, out) == (EXIT_FAILED, "")
    said = err.splitlines()
    assert said  # once or twice: the indexing at the start, and search's own wait for it
    assert said == said[:1] * len(said)
    assert re.fullmatch(
        rf"parley: The conversation database {re.escape(str(database()))} is locked by another "
        r"program \(another Parley, or a tool that has it open\): close that program, then try "
        r"again\. \(.+\)",
        said[0],
    )


def test_on_a_terminal_search_says_it_indexes_what_an_import_left_then_clears_the_line() -> None:
    soup = chat("Soup", "How do I make miso soup?", "Dissolve the paste in dashi.")
    with closing(Store.open()) as store:
        written_later(store, soup)
    other = held(database())  # the indexing waits for it, so the two messages are still left
    out, err = io.StringIO(), Terminal(written=lambda: other.execute("ROLLBACK"))
    try:
        code = run_store(build_parser().parse_args(["search", "dashi"]), out, err)
    finally:
        other.close()
    assert (code, err.getvalue()) == (
        EXIT_OK,
        "Indexing 2 imported messages for search…\r\x1b[K",
    )
    assert out.getvalue().splitlines() == [
        f"{soup.id[:8]}  Soup",
        "          Assistant: Dissolve the paste in dashi.",
    ]


def test_each_command_writes_to_the_streams_it_is_given(
    capsys: pytest.CaptureFixture[str],
) -> None:
    soup = chat("Soup", "Soup?")
    saved(soup)
    for argv, first in (
        (["list"], f"{soup.id[:8]}  "),
        (["show", soup.id[:8]], "# Soup"),
        (["search", "soup"], f"{soup.id[:8]}  Soup"),
    ):
        out, err = io.StringIO(), io.StringIO()
        assert run_store(build_parser().parse_args(argv), out, err) == EXIT_OK
        assert out.getvalue().startswith(first)
        assert err.getvalue() == ""
    assert capsys.readouterr() == ("", "")


def _rich() -> Conversation:
    """A conversation with every kind of line ``show`` prints."""
    conversation = chat("Soup", "How do I make miso soup?", "Boil water.")
    conversation.update(system_prompt="Be brief.")
    conversation.updated = WHEN
    edited = conversation.edit(conversation.messages[0], "How do I make miso soup, quickly?")
    edited.created = WHEN
    reply = conversation.add("assistant", "Dissolve", created=WHEN, provider="OpenAI")
    reply.state = MessageState.FAILED
    reply.error = ReplyError("rate_limited", "OpenAI is busy: try again in a minute.")
    reply.reasoning = "Miso is a paste."
    conversation.add("tool", "miso: 3 results", created=WHEN)
    return conversation


def test_show_and_search_name_a_role_parley_has_no_word_for_by_itself(
    capsys: pytest.CaptureFixture[str],
) -> None:
    conversation = _rich()
    saved(conversation)
    shown = run(capsys, "show", conversation.id[:8])[1].splitlines()
    assert shown[-2:] == [f"tool, {SHOWN}:", "miso: 3 results"]
    found = run(capsys, "search", "results")[1].splitlines()
    assert found == [f"{conversation.id[:8]}  Soup", "          tool: miso: 3 results"]


def test_show_names_the_provider_and_model_that_answered(
    capsys: pytest.CaptureFixture[str],
) -> None:
    conversation = chat("Soup", "Soup?", "Yes.")
    saved(conversation)
    out = run(capsys, "show", conversation.id[:8])[1]
    assert f"\nAssistant (OpenAI · gpt-4o), {SHOWN}:\nYes.\n" in out


def test_a_reply_cut_short_keeps_its_interrupted_line_even_with_an_error_kept(
    capsys: pytest.CaptureFixture[str],
) -> None:
    conversation = chat("Soup", "Soup?")
    reply = conversation.add("assistant", "Half", created=WHEN, state=MessageState.INTERRUPTED)
    reply.error = ReplyError("network", "The connection was lost.")
    saved(conversation)
    out = run(capsys, "show", conversation.id[:8])[1]
    assert out.splitlines()[-2:] == [
        "Half",
        "[interrupted: Parley ended while this reply was arriving; the text is what came]",
    ]


def test_an_id_of_spaces_matches_no_conversation(capsys: pytest.CaptureFixture[str]) -> None:
    saved(chat("One", "a"), chat("Two", "b"))
    assert run(capsys, "show", "  ") == (
        EXIT_USAGE,
        "",
        "parley: No saved conversation has the id “  ”: see `parley list`.\n",
    )


def test_an_untitled_conversation_is_shown_and_found_as_untitled() -> None:
    untitled = chat("", "Soup?")
    untitled.title = ""  # as the window leaves one whose title was cleared
    saved(untitled)
    out = io.StringIO()
    assert run_store(build_parser().parse_args(["search", "soup"]), out, io.StringIO()) == 0
    assert out.getvalue().splitlines()[0] == f"{untitled.id[:8]}  (untitled)"
    out = io.StringIO()
    assert run_store(build_parser().parse_args(["show", untitled.id]), out, io.StringIO()) == 0
    assert out.getvalue().splitlines()[0] == "# (untitled)"


def test_on_a_terminal_the_words_found_are_in_bold() -> None:
    saved(chat("Trains", "When is the miso train?"))
    out = Terminal()
    assert run_store(build_parser().parse_args(["search", "miso"]), out, io.StringIO()) == 0
    assert "          You: When is the \x1b[1mmiso\x1b[0m train?" in out.getvalue().splitlines()


def test_what_each_command_prints_goes_to_the_stream_it_is_given_alone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    conversation = _rich()
    saved(conversation, chat("", when=WHEN - 60))
    for argv in (
        ["list"],
        ["show", conversation.id[:8]],
        ["search", "miso"],
        ["search", "trains"],
    ):
        printed = run(capsys, *argv)[1]
        out, err = io.StringIO(), io.StringIO()
        assert run_store(build_parser().parse_args(argv), out, err) == EXIT_OK
        assert (out.getvalue(), err.getvalue()) == (printed, "")
        assert capsys.readouterr() == ("", "")
    saved_nothing = paths.data_dir() / "parley.db"
    saved_nothing.unlink()
    for suffix in ("-wal", "-shm"):
        (paths.data_dir() / f"parley.db{suffix}").unlink(missing_ok=True)
    out = io.StringIO()
    assert run_store(build_parser().parse_args(["list"]), out, io.StringIO()) == EXIT_OK
    assert (out.getvalue(), capsys.readouterr().out) == (NOTHING_SAVED, "")
