"""``parley list``, ``show`` and ``search`` called in this process, on a real store, with what
they print compared line for line (the mutation run sees only this process)."""

from __future__ import annotations

import datetime
import time
from contextlib import closing
from pathlib import Path

import pytest

from chat.cli import EXIT_OK, EXIT_USAGE, main
from chat.conversation import Conversation, MessageState, ReplyError
from chat.store import Store
from chat.store.indexing import waiting
from chat.transcript.parley_json import dump
from tests.chat.store.test_indexing import written_later

WHEN = time.mktime((2026, 11, 30, 9, 5, 0, 0, 0, -1))
SHOWN = datetime.datetime.fromtimestamp(WHEN).strftime("%Y-%m-%d %H:%M")


def saved(*conversations: Conversation) -> None:
    store = Store.open()
    try:
        for conversation in conversations:
            store.save(conversation).result()
    finally:
        store.close()


def chat(title: str, *turns: str, when: float = WHEN, **details: object) -> Conversation:
    conversation = Conversation(title=title, created=when)
    for n, text in enumerate(turns):
        role = "user" if n % 2 == 0 else "assistant"
        extra = {"provider": "OpenAI", "model": "gpt-4o"} if role == "assistant" else {}
        conversation.add(role, text, created=when, **extra)
    conversation.updated = when
    if details:
        conversation.update(**details)
        conversation.updated = when
    return conversation


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_with_nothing_saved_says_where_conversations_come_from(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, "list") == (
        EXIT_OK,
        "No saved conversations yet: `parley ask` and the window save theirs.\n",
        "",
    )


def test_list_shows_id_time_count_and_title_pinned_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    older = chat("Soup", "Soup?", "Yes.", when=WHEN - 60)
    pinned = chat("Trains", "When?", when=WHEN - 120, pinned=True)
    untitled = chat("", when=WHEN)
    saved(older, pinned, untitled)
    code, out, err = run(capsys, "list")
    assert (code, err) == (EXIT_OK, "")
    older_time = datetime.datetime.fromtimestamp(WHEN - 60).strftime("%Y-%m-%d %H:%M")
    pinned_time = datetime.datetime.fromtimestamp(WHEN - 120).strftime("%Y-%m-%d %H:%M")
    assert out.splitlines() == [
        f"{pinned.id[:8]}  {pinned_time}     1  Trains  [pinned]",
        f"{untitled.id[:8]}  {SHOWN}     0  (untitled)",
        f"{older.id[:8]}  {older_time}     2  Soup",
    ]
    assert run(capsys, "list", "-n", "1")[1].splitlines() == out.splitlines()[:1]


def test_show_prints_the_active_branch_with_versions_and_outcomes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    conversation = chat("Soup", "How do I make soup?", "Boil water.")
    conversation.update(system_prompt="Be brief.")
    question = conversation.messages[0]
    edited = conversation.edit(question, "How do I make miso soup?")
    edited.created = WHEN
    reply = conversation.add("assistant", "Dissolve", created=WHEN, provider="OpenAI")
    reply.state = MessageState.FAILED
    reply.error = ReplyError("rate_limited", "OpenAI is busy: try again in a minute.")
    reply.reasoning = "Miso is a paste."
    saved(conversation)
    code, out, err = run(capsys, "show", conversation.id[:6])
    assert (code, err) == (EXIT_OK, "")
    assert out.splitlines() == [
        "# Soup",
        f"conversation {conversation.id}, started {SHOWN}",
        "",
        "System prompt:",
        "Be brief.",
        "",
        f"You, {SHOWN}, version 2 of 2:",
        "How do I make miso soup?",
        "",
        f"Assistant (OpenAI), {SHOWN}:",
        "(reasoning, 16 characters, not shown)",
        "Dissolve",
        "[failed: OpenAI is busy: try again in a minute.]",
    ]


@pytest.mark.parametrize(
    ("state", "note", "said"),
    [
        (
            MessageState.INTERRUPTED,
            "",
            "[interrupted: Parley ended while this reply was arriving; the text is what came]",
        ),
        (MessageState.CANCELLED, "", "[stopped]"),
        (MessageState.COMPLETE, "The model gpt-4o answered for gpt-5.", "[The model gpt-4o"),
        (MessageState.COMPLETE, "", "Half"),
    ],
)
def test_show_says_how_a_reply_ended(
    capsys: pytest.CaptureFixture[str], state: MessageState, note: str, said: str
) -> None:
    conversation = chat("Soup", "Soup?")
    conversation.add("assistant", "Half", created=WHEN, state=state, note=note)
    saved(conversation)
    out = run(capsys, "show", conversation.id[:8])[1]
    assert out.splitlines()[-1].startswith(said)


def test_show_with_an_id_that_matches_several_or_none_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    first, second = chat("One", "a"), chat("Two", "b")
    first.id, second.id = "abcd" + "0" * 28, "abce" + "0" * 28
    saved(first, second)
    assert run(capsys, "show", "abc") == (
        EXIT_USAGE,
        "",
        "parley: Several conversations start with “abc”: give more of the id.\n",
    )
    assert run(capsys, "show", "ffff") == (
        EXIT_USAGE,
        "",
        "parley: No saved conversation has the id “ffff”: see `parley list`.\n",
    )
    assert run(capsys, "show", "abcd")[0] == EXIT_OK


def test_search_prints_each_hit_under_its_conversation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    soup = chat("Soup", "How do I make miso soup?", "Dissolve the miso   paste in dashi.")
    trains = chat("Trains about miso", "When is the train?")
    saved(soup, trains)
    code, out, err = run(capsys, "search", "miso")
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert f"{trains.id[:8]}  Trains about miso" in lines
    assert "          title: Trains about miso" in lines
    assert "          You: How do I make miso soup?" in lines
    assert "          Assistant: Dissolve the miso paste in dashi." in lines
    assert "\x1b[" not in out  # not a terminal: nothing in bold
    assert run(capsys, "search", "miso", "-n", "1")[1].count("\n") == 2


def test_search_with_no_match_or_a_bad_query_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    saved(chat("Soup", "Soup?"))
    assert run(capsys, "search", "trains") == (EXIT_OK, "Nothing matches “trains”.\n", "")
    code, out, err = run(capsys, "search", "soup", "in:current")
    assert (code, out) == (EXIT_USAGE, "")
    assert err == "parley: “in:current” searches the open conversation: open one first.\n"


def test_search_first_indexes_what_an_import_left_waiting(
    capsys: pytest.CaptureFixture[str],
) -> None:
    soup = chat("Soup", "How do I make miso soup?", "Dissolve the paste in dashi.")
    with closing(Store.open()) as store:
        written_later(store, soup)  # a Parley that ended before indexing them
    code, out, err = run(capsys, "search", "dashi")
    assert (code, err) == (EXIT_OK, "")
    assert "          Assistant: Dissolve the paste in dashi." in out.splitlines()


def test_an_imported_file_is_searchable_when_the_import_returns(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "soup.json"
    with path.open("w", encoding="utf-8") as out:
        dump([chat("Soup", "How do I make miso soup?", "Dissolve the paste in dashi.")], out)
    code, _, err = run(capsys, "import", str(path))
    assert (code, err) == (EXIT_OK, "")
    with closing(Store.open()) as store:
        assert store.read_now(waiting) == 0
