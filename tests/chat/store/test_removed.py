"""Deleting messages and the conversation's own settings: what the store writes and reads back."""

from __future__ import annotations

from chat.conversation import Conversation
from chat.store import Store, StoreError
from chat.store.rows import load_conversation
from chat.store.search import search

from .test_search import integrity_checked, settled


def _followed(store: Store) -> Conversation:
    conversation = Conversation()
    store.follow(conversation)
    first = conversation.add("user", "Where is the zanzibar archive?")
    conversation.add("assistant", "In the quokka folder.")
    conversation.add("user", "And the zanzibar backup?", parent_id=first.parent_id)
    conversation.add("assistant", "Next to it.", reasoning="Think about quokka.")
    return conversation


def test_deleted_messages_are_gone_from_disk_and_from_search(
    store: Store, problems: list[StoreError]
) -> None:
    conversation = _followed(store)
    backup = conversation.messages[0]
    conversation.remove(backup)
    settled(store)
    loaded = store.read_now(load_conversation, conversation.id)
    assert loaded is not None
    assert [m.content for m in loaded.messages] == [
        "Where is the zanzibar archive?",
        "In the quokka folder.",
    ]
    assert len(loaded.all_messages()) == 2
    hits = store.read_now(lambda db: search(db, "backup"))
    assert hits == []
    assert [h.message_id for h in store.read_now(lambda db: search(db, "quokka"))] == [
        conversation.messages[1].id
    ]
    store.submit(integrity_checked).result()
    assert problems == []


def test_the_history_limit_and_the_reasoning_time_are_kept(store: Store) -> None:
    conversation = _followed(store)
    conversation.update(history_turns=4)
    reply = conversation.messages[-1]
    reply.reasoning_s = 2.5
    conversation.changed(reply)
    settled(store)
    loaded = store.read_now(load_conversation, conversation.id)
    assert loaded is not None
    assert loaded.history_turns == 4
    assert loaded.messages[-1].reasoning_s == 2.5
