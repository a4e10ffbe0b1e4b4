"""Conversations read back as they were saved, every field and every branch; what another
version or tool left in a row is shown, never an error; the list's order; delete and undo."""

from __future__ import annotations

import dataclasses
import sqlite3
from contextlib import closing
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chat.conversation import Conversation, Message, MessageState, ReplyError
from chat.store import Store, rows

UNLIKE_EVERY_DEFAULT = Message("system", "")


def _shape(conversation: Conversation | None) -> tuple[Any, ...] | None:
    """What a person sees of a conversation: its details, its branches, the branch shown."""
    if conversation is None:
        return None
    c = conversation
    details = (c.id, c.title, c.title_set, c.created, c.updated, c.pinned, c.system_prompt)
    more = (c.provider, c.model, c.options, c.leaf_id)
    return (*details, *more, c.all_messages(), c.messages)


def _saved_and_loaded(store: Store, conversation: Conversation) -> Conversation:
    store.save(conversation).result()
    loaded = store.read_now(rows.load_conversation, conversation.id)
    assert loaded is not None
    return loaded


def _sql(store: Store, statement: str, *args: Any) -> None:
    store.submit(lambda db: db.execute(statement, args)).result()


def _every_field() -> Conversation:
    conversation = Conversation(
        created=1_760_000_000.125,
        system_prompt="Answer in English.\nBe brief.",
        pinned=True,
        provider="Ollama",
        model="llama3.1:8b",
        options={"temperature": 0.2, "stop": ["\n\n"], "extra": {"seed": 7, "note": "é"}},
        history_turns=3,
    )
    conversation.rename("Заметки о Rust — 笔记 🦀")
    conversation.add("user", "Wie geht's? 🙂", created=1_760_000_001.5)
    conversation.add(
        "assistant",
        "```rust\nfn main() {}\n```",
        created=1_760_000_002.75,
        state=MessageState.FAILED,
        provider="OpenAI",
        model="gpt-4o",
        reasoning="The user asks in German; answer with code anyway.",
        signature="EqQBCkYIARgCKkD==",
        finish_reason="length",
        error=ReplyError(
            "rate_limit",
            "The service is busy: wait 30 seconds, then try again.",
            provider="OpenAI",
            status=429,
            retry_after=30.5,
        ),
        note="The model gpt-4o-mini was replaced by gpt-4o.",
        usage={"prompt_tokens": 12, "completion_tokens": 3, "reasoning_tokens": None},
        first_token_s=0.42,
        duration_s=1.75,
        reasoning_s=0.9,
    )
    return conversation


def test_every_field_of_the_sample_differs_from_its_default() -> None:
    """So that the round trip below proves each one (a new field must be added to it)."""
    reply = _every_field().all_messages()[-1]
    for field in dataclasses.fields(Message):
        assert getattr(reply, field.name) != getattr(UNLIKE_EVERY_DEFAULT, field.name), field.name
    conversation = _every_field()
    blank = Conversation()
    for field in dataclasses.fields(Conversation):
        if not field.name.startswith("_"):
            assert getattr(conversation, field.name) != getattr(blank, field.name), field.name


def test_every_field_of_a_conversation_and_its_messages_survives(store: Store) -> None:
    conversation = _every_field()
    assert _shape(_saved_and_loaded(store, conversation)) == _shape(conversation)


@pytest.mark.parametrize("state", list(MessageState))
def test_every_state_of_a_reply_survives(store: Store, state: MessageState) -> None:
    conversation = Conversation()
    conversation.add("user", "Hello?")
    conversation.add("assistant", "Hi", state=state)
    assert _saved_and_loaded(store, conversation).messages[-1].state is state


def _branches() -> tuple[Conversation, Message]:
    """A question asked again with other words, a reply asked for again; the first shown."""
    conversation = Conversation()
    first = conversation.add("user", "Name a colour")
    red = conversation.add("assistant", "Red")
    conversation.add("assistant", "Blue", parent_id=first.id)  # "another reply"
    conversation.edit(first, "Name a fruit")
    conversation.add("assistant", "Apple")
    conversation.switch_to(red)
    return conversation, first


def test_every_branch_survives_and_the_one_shown_stays_shown(store: Store) -> None:
    conversation, first = _branches()
    loaded = _saved_and_loaded(store, conversation)
    assert _shape(loaded) == _shape(conversation)
    assert [m.content for m in loaded.messages] == ["Name a colour", "Red"]
    assert [m.content for m in loaded.siblings(first)] == ["Name a colour", "Name a fruit"]
    assert [m.content for m in loaded.children(first)] == ["Red", "Blue"]


def test_switching_branches_is_saved_as_it_happens(store: Store) -> None:
    conversation, first = _branches()
    store.follow(conversation)
    store.save(conversation).result()
    [fruit] = [m for m in conversation.siblings(first) if m.content == "Name a fruit"]
    conversation.switch_to(fruit)
    store.submit(lambda db: None).result()
    loaded = store.read_now(rows.load_conversation, conversation.id)
    assert loaded is not None
    assert [m.content for m in loaded.messages] == ["Name a fruit", "Apple"]


def test_a_conversation_whose_shown_message_is_gone_shows_its_last_message(store: Store) -> None:
    conversation, _ = _branches()
    store.save(conversation).result()
    _sql(store, "UPDATE conversations SET leaf_id = 'gone' WHERE id = ?", conversation.id)
    loaded = store.read_now(rows.load_conversation, conversation.id)
    assert loaded is not None
    assert loaded.leaf_id == conversation.all_messages()[-1].id
    assert [m.content for m in loaded.messages] == ["Name a fruit", "Apple"]


def test_an_empty_conversation_reads_back_empty(store: Store) -> None:
    conversation = Conversation(title="Nothing yet")
    loaded = _saved_and_loaded(store, conversation)
    assert (loaded.title, loaded.messages, loaded.leaf_id) == ("Nothing yet", [], None)


def test_a_state_written_by_a_newer_parley_is_shown_as_interrupted(store: Store) -> None:
    conversation = Conversation()
    conversation.add("user", "Summarise this")
    reply = conversation.add("assistant", "A summary so far")
    store.save(conversation).result()
    _sql(store, "UPDATE messages SET state = 'summarising' WHERE id = ?", reply.id)
    loaded = store.read_now(rows.load_conversation, conversation.id)
    assert loaded is not None
    shown = loaded.messages[-1]
    assert (shown.state, shown.content) == (MessageState.INTERRUPTED, "A summary so far")


DAMAGED_JSON = ["{not json", "[1, 2]", "null", '"text"', "42", "[" * 5000 + "]" * 5000, ""]


@pytest.mark.parametrize("damaged", DAMAGED_JSON)
def test_damaged_usage_reads_as_no_usage(store: Store, damaged: str) -> None:
    conversation = Conversation()
    conversation.add("user", "Hi")
    reply = conversation.add("assistant", "Hello", usage={"prompt_tokens": 1})
    store.save(conversation).result()
    _sql(store, "UPDATE messages SET usage = ? WHERE id = ?", damaged, reply.id)
    loaded = store.read_now(rows.load_conversation, conversation.id)
    assert loaded is not None
    assert (loaded.messages[-1].content, loaded.messages[-1].usage) == ("Hello", {})


@pytest.mark.parametrize("damaged", [d for d in DAMAGED_JSON if d])
def test_a_failed_reply_with_a_damaged_error_still_shows_as_failed(
    store: Store, damaged: str
) -> None:
    conversation = Conversation()
    conversation.add("user", "Hi")
    error = ReplyError("http", "The service answered HTTP 500: try again later.")
    reply = conversation.add("assistant", "Hel", state=MessageState.FAILED, error=error)
    store.save(conversation).result()
    _sql(store, "UPDATE messages SET error = ? WHERE id = ?", damaged, reply.id)
    loaded = store.read_now(rows.load_conversation, conversation.id)
    assert loaded is not None
    shown = loaded.messages[-1]
    assert (shown.state, shown.content) == (MessageState.FAILED, "Hel")
    assert shown.error is not None
    assert (shown.error.kind, shown.error.sentence) == ("unexpected", "")


@pytest.mark.parametrize("damaged", DAMAGED_JSON)
def test_damaged_options_read_as_no_options(store: Store, damaged: str) -> None:
    conversation = Conversation(options={"temperature": 0.5})
    store.save(conversation).result()
    _sql(store, "UPDATE conversations SET options = ? WHERE id = ?", damaged, conversation.id)
    loaded = store.read_now(rows.load_conversation, conversation.id)
    assert loaded is not None
    assert loaded.options == {}


def test_a_reply_whose_question_another_tool_removed_is_left_out(store: Store) -> None:
    conversation = Conversation()
    question = conversation.add("user", "First")
    conversation.add("assistant", "Answer to first")
    store.save(conversation).result()
    with closing(sqlite3.connect(store.path, isolation_level=None)) as tool:  # no foreign keys
        tool.execute("DELETE FROM messages WHERE id = ?", (question.id,))
    loaded = store.read_now(rows.load_conversation, conversation.id)
    assert loaded is not None
    assert loaded.all_messages() == []


# The list.


def _at(store: Store, title: str, when: float, *, pinned: bool = False) -> Conversation:
    conversation = Conversation(title=title, created=when, pinned=pinned)
    store.save(conversation).result()
    return conversation


def _titles(store: Store, **page: int) -> list[str]:
    return [s.title for s in store.read_now(rows.list_conversations, **page)]


def test_the_list_shows_pinned_first_then_the_latest_activity(store: Store) -> None:
    _at(store, "oldest", 100.0)
    _at(store, "older", 200.0)
    _at(store, "pinned long ago", 50.0, pinned=True)
    _at(store, "newest", 400.0)
    _at(store, "pinned lately", 300.0, pinned=True)
    assert _titles(store) == ["pinned lately", "pinned long ago", "newest", "older", "oldest"]


def test_a_conversation_with_a_new_message_moves_to_the_top(store: Store) -> None:
    old = _at(store, "old", 100.0)
    _at(store, "newer", 200.0)
    store.follow(old)
    old.add("user", "One more question", created=300.0)
    store.submit(lambda db: None).result()
    assert _titles(store) == ["old", "newer"]


def test_conversations_saved_at_the_same_moment_list_the_last_saved_first(store: Store) -> None:
    for title in ("first", "second", "third"):
        _at(store, title, 100.0)
    assert _titles(store) == ["third", "second", "first"]


def test_the_list_comes_in_pages(store: Store) -> None:
    for number in range(5):
        _at(store, f"c{number}", 100.0 + number)
    assert _titles(store, limit=2) == ["c4", "c3"]
    assert _titles(store, offset=2, limit=2) == ["c2", "c1"]
    assert _titles(store, offset=4, limit=2) == ["c0"]


def test_the_list_counts_every_message_of_every_branch(store: Store) -> None:
    conversation, _ = _branches()
    store.save(conversation).result()
    [summary] = store.read_now(rows.list_conversations)
    assert (summary.id, summary.title, summary.messages) == (conversation.id, "Name a colour", 5)


def test_the_list_shows_each_conversation_s_details_as_saved(store: Store) -> None:
    pinned = Conversation(title="Soup", created=100.0, pinned=True, provider="Ollama")
    pinned.add("user", "Which soup?")
    pinned.add("assistant", "Borscht.")
    plain = Conversation(title="Trains", created=50.0, provider="OpenAI", model="gpt-4o")
    for conversation in (pinned, plain):
        store.save(conversation).result()
    assert store.read_now(rows.list_conversations) == [
        rows.Summary(pinned.id, "Soup", 100.0, pinned.updated, True, "Ollama", None, 2),
        rows.Summary(plain.id, "Trains", 50.0, 50.0, False, "OpenAI", "gpt-4o", 0),
    ]
    assert pinned.updated > 100.0


def test_the_list_comes_in_pages_of_a_hundred_unless_asked(store: Store) -> None:
    store.submit(
        lambda db: [
            rows.save_conversation(db, rows.conversation_row(Conversation(created=n)))
            for n in range(101)
        ]
    ).result()
    assert len(store.read_now(rows.list_conversations)) == 100
    assert store.read_now(rows.count_conversations) == 101


def test_an_empty_store_has_no_last_conversation(store: Store) -> None:
    assert store.read_now(rows.last_conversation_id) is None


def test_an_id_with_wildcards_and_backslashes_is_found_by_its_typed_prefix(store: Store) -> None:
    odd = Conversation(id="a\\b%c_d")  # as another tool may have named one
    store.save(odd).result()
    store.save(Conversation(id="aXbYcZd")).result()
    for prefix in ("a\\", "a\\b%", "a\\b%c_", odd.id):
        assert store.read_now(rows.find_conversation_id, prefix) == [odd.id], prefix
    assert store.read_now(rows.find_conversation_id, "a_") == []


def test_the_last_conversation_and_a_typed_id_prefix_are_found(store: Store) -> None:
    _at(store, "earlier", 100.0)
    last = _at(store, "later", 200.0)
    assert store.read_now(rows.last_conversation_id) == last.id
    assert store.read_now(rows.find_conversation_id, last.id[:6]) == [last.id]
    assert store.read_now(rows.find_conversation_id, "%") == []  # typed, not a wildcard
    assert store.read_now(rows.find_conversation_id, "_") == []
    assert len(store.read_now(rows.find_conversation_id, "")) == 2


# Delete, undo, and removing for good.


def test_a_deleted_conversation_leaves_the_list_and_comes_back_whole(store: Store) -> None:
    kept = _at(store, "kept", 100.0)
    gone, _ = _branches()
    store.save(gone).result()
    assert store.delete(gone.id).result() == 1
    assert _titles(store) == ["kept"]
    assert store.read_now(rows.load_conversation, gone.id) is None
    assert store.read_now(rows.count_conversations) == 1
    assert store.read_now(rows.last_conversation_id) == kept.id
    assert store.restore(gone.id).result() == 1
    assert _shape(store.read_now(rows.load_conversation, gone.id)) == _shape(gone)


def test_removing_deleted_conversations_for_good_takes_their_messages_too(store: Store) -> None:
    kept, _ = _branches()
    gone, _ = _branches()
    for conversation in (kept, gone):
        store.save(conversation).result()
    store.delete(gone.id).result()
    assert store.purge_deleted().result() == 1
    assert store.restore(gone.id).result() == 0  # nothing to bring back
    left = store.read_now(
        lambda db: db.execute("SELECT DISTINCT conversation_id FROM messages").fetchall()
    )
    assert left == [(kept.id,)]
    assert _shape(store.read_now(rows.load_conversation, kept.id)) == _shape(kept)


def test_deleting_a_conversation_that_is_not_there_changes_nothing(store: Store) -> None:
    _at(store, "kept", 100.0)
    assert store.delete("no-such-id").result() == 0
    assert store.purge_deleted().result() == 0
    assert _titles(store) == ["kept"]


# Any conversation a person could make reads back the same.

_texts = st.text(max_size=40)
_floats = st.floats(allow_nan=False, allow_infinity=False, width=64)
_errors = st.none() | st.builds(
    ReplyError,
    kind=st.sampled_from(["http", "rate_limit", "auth", "network"]),
    sentence=_texts,
    provider=st.none() | _texts,
    status=st.none() | st.integers(100, 599),
    retry_after=st.none() | st.floats(0, 1e6),
)
_messages = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["user", "assistant", "system"]),
        "content": _texts,
        "created": _floats,
        "state": st.sampled_from(list(MessageState)),
        "provider": st.none() | _texts,
        "model": st.none() | _texts,
        "reasoning": _texts,
        "signature": _texts,
        "finish_reason": st.none() | _texts,
        "error": _errors,
        "note": _texts,
        "usage": st.dictionaries(_texts, st.none() | st.integers(-(2**63), 2**63 - 1)),
        "first_token_s": st.none() | _floats,
        "duration_s": st.none() | _floats,
    }
)


@st.composite
def _conversations(draw: st.DrawFn) -> Conversation:
    conversation = Conversation(
        title=draw(_texts),
        created=draw(_floats),
        system_prompt=draw(_texts),
        pinned=draw(st.booleans()),
        provider=draw(st.none() | _texts),
        model=draw(st.none() | _texts),
        options=draw(st.dictionaries(_texts, st.none() | _texts | st.integers() | _floats)),
        title_set=draw(st.booleans()),
    )
    added: list[Message] = []
    drawn: list[dict[str, Any]] = draw(st.lists(_messages, max_size=8))
    for fields in drawn:
        parent = draw(st.none() | st.sampled_from(added)) if added else None
        message = Message(**fields, parent_id=parent.id if parent else None)
        conversation.attach(message)
        added.append(message)
    if added:
        conversation.leaf_id = draw(st.sampled_from(added)).id
    return conversation


@settings(
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one store for every example: ids never repeat
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ]
)
@given(conversation=_conversations())
def test_any_conversation_reads_back_as_it_was_saved(
    store: Store, conversation: Conversation
) -> None:
    assert _shape(_saved_and_loaded(store, conversation)) == _shape(conversation)
