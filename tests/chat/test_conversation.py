"""Conversations and the history a reply sends: what goes, in what words, and what never does."""

from __future__ import annotations

import itertools

from chat.conversation import Conversation, MessageState, ReplyError


def _chat() -> Conversation:
    conversation = Conversation(system_prompt="Be brief.")
    conversation.add("user", "What is 2+2?")
    conversation.add("assistant", "4", state=MessageState.COMPLETE)
    conversation.add("user", "And 3+3?")
    conversation.add("assistant", "Partial 6", state=MessageState.CANCELLED)
    conversation.add("user", "Why?")
    conversation.add(
        "assistant",
        "half an answer",
        state=MessageState.FAILED,
        error=ReplyError("http", "HTTP 500"),
    )
    conversation.add("assistant", "", state=MessageState.COMPLETE)
    conversation.add("user", "Try again")
    return conversation


def test_the_history_holds_every_kept_turn_with_its_words() -> None:
    assert _chat().history() == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "And 3+3?"},
        {"role": "assistant", "content": "Partial 6"},  # stopped by the user: what came is kept
        {"role": "user", "content": "Try again"},  # "Why?" got no reply: it is not sent
    ]


def test_a_user_turn_whose_reply_failed_is_not_sent_as_a_second_one_in_a_row() -> None:
    roles = [m["role"] for m in _chat().history()]
    assert all(a != b for a, b in itertools.pairwise(roles)), roles


def test_alternating_joins_turns_of_one_role_and_starts_with_a_user_turn() -> None:
    conversation = Conversation()
    conversation.add("assistant", "Hello! How can I help?")
    conversation.add("user", "one")
    conversation.add("assistant", "first", state=MessageState.COMPLETE)
    conversation.add("assistant", "second", state=MessageState.CANCELLED)
    conversation.add("user", "two")
    assert conversation.history(alternating=True) == [
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "first\n\nsecond"},
        {"role": "user", "content": "two"},
    ]
    assert [m["role"] for m in conversation.history()] == [
        "assistant", "user", "assistant", "assistant", "user"
    ]  # fmt: skip


def test_a_reasoning_signature_goes_back_with_its_reply() -> None:
    conversation = Conversation()
    conversation.add("user", "q")
    conversation.add("assistant", "a", reasoning="because", signature="sig")
    conversation.add("user", "next")
    assert conversation.history()[1] == {
        "role": "assistant",
        "content": "a",
        "reasoning": "because",
        "signature": "sig",
    }


def test_a_failed_reply_is_never_sent_back_even_with_text() -> None:
    sent = [m["content"] for m in _chat().history()]
    assert "half an answer" not in sent
    assert "" not in sent  # nor an empty one


def test_the_history_ends_before_the_reply_being_made() -> None:
    conversation = _chat()
    pending = conversation.add("assistant", "", state=MessageState.PENDING)
    conversation.add("user", "later")
    history = conversation.history(until=pending)
    assert history[-1] == {"role": "user", "content": "Try again"}


def test_without_history_only_the_last_user_message_goes() -> None:
    assert _chat().history(with_history=False) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Try again"},
    ]


def test_without_a_system_role_the_prompt_leads_the_first_message() -> None:
    history = _chat().history(with_history=False, with_system=False)
    assert history == [{"role": "user", "content": "Be brief.\n\nTry again"}]


def test_the_title_comes_from_the_first_user_message_in_one_line() -> None:
    conversation = Conversation()
    conversation.add("assistant", "Hello")
    conversation.add("user", "  Plan a\n trip   to Lisbon " + "x" * 100)
    conversation.add("user", "Another")
    assert conversation.title == ("Plan a trip to Lisbon " + "x" * 100)[:60]


def test_messages_and_conversations_have_their_own_ids() -> None:
    first, second = Conversation(), Conversation()
    assert first.id != second.id
    a, b = first.add("user", "a"), first.add("user", "b")
    assert a.id != b.id
    assert a.to_provider() == {"role": "user", "content": "a"}
