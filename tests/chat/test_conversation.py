"""Conversations and the history a reply sends: what goes, in what words, and what never does."""

from __future__ import annotations

import itertools
import re

import pytest

from chat.conversation import (
    BranchSwitched,
    Change,
    Conversation,
    DetailsChanged,
    Message,
    MessageChanged,
    MessagesRemoved,
    MessageState,
    ReplyError,
)


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


def _branched() -> tuple[Conversation, list[Message]]:
    """Q1 → A1 → Q2, with Q2 asked in three versions (b, c the newest), each answered."""
    conversation = Conversation()
    q1 = conversation.add("user", "Q1")
    a1 = conversation.add("assistant", "A1")
    versions = []
    for name in "abc":
        versions.append(conversation.add("user", f"Q2{name}", parent_id=a1.id))
        versions.append(conversation.add("assistant", f"A2{name}"))
    return conversation, [q1, a1, *versions]


def test_removing_a_message_takes_what_follows_it_and_tells_the_listeners() -> None:
    conversation, (_q1, _a1, qa, _aa, qb, _ab, qc, ac) = _branched()
    heard: list[Change] = []
    conversation.listen(lambda _, change: heard.append(change))
    gone = conversation.remove(qc)
    assert gone == [qc, ac]
    assert heard == [MessagesRemoved((qc, ac))]
    assert conversation.get(qc.id) is None
    assert conversation.get(ac.id) is None
    assert [m.content for m in conversation.messages] == ["Q1", "A1", "Q2b", "A2b"]
    assert conversation.siblings(qb) == [qa, qb]


def test_removing_the_first_version_shows_the_one_after_it() -> None:
    conversation, (_q1, _a1, qa, _aa, *_) = _branched()
    conversation.switch_to(qa)
    conversation.remove(qa)
    assert [m.content for m in conversation.messages] == ["Q1", "A1", "Q2b", "A2b"]


def test_removing_an_only_version_ends_the_branch_at_the_message_before() -> None:
    conversation, (q1, a1, *_) = _branched()
    assert conversation.remove(a1)[0] is a1
    assert conversation.messages == [q1]
    assert conversation.all_messages() == [q1]
    assert conversation.remove(q1) == [q1]
    assert conversation.messages == []
    assert conversation.leaf_id is None
    conversation.add("user", "again")  # the emptied conversation goes on
    assert [m.content for m in conversation.messages] == ["again"]


def test_removing_a_message_off_the_active_branch_leaves_the_branch_alone() -> None:
    conversation, (q1, a1, qa, _aa, _qb, _ab, qc, ac) = _branched()
    conversation.remove(qa)
    assert conversation.messages == [q1, a1, qc, ac]


def test_the_history_limit_sends_only_the_last_questions_with_their_replies() -> None:
    conversation = Conversation(system_prompt="Be brief.")
    for n in range(1, 5):
        conversation.add("user", f"Q{n}")
        conversation.add("assistant", f"A{n}")
    conversation.add("user", "Q5")
    conversation.update(history_turns=2)
    assert conversation.history() == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Q4"},
        {"role": "assistant", "content": "A4"},
        {"role": "user", "content": "Q5"},
    ]
    conversation.update(history_turns=1)
    assert [m["content"] for m in conversation.history()] == ["Be brief.", "Q5"]
    conversation.update(history_turns=9)
    assert len(conversation.history()) == 10
    conversation.update(history_turns=0)  # no limit
    assert len(conversation.history()) == 10


def _heard(conversation: Conversation) -> list[Change]:
    changes: list[Change] = []
    conversation.listen(lambda _, change: changes.append(change))
    return changes


def test_each_message_lists_what_follows_it_and_none_lists_the_first_versions() -> None:
    conversation = Conversation()
    question = conversation.add("user", "Hi")
    other = conversation.edit(question, "Hello")
    reply = conversation.add("assistant", "Hello to you")
    assert conversation.children(None) == [question, other]
    assert conversation.children(other) == [reply]
    assert conversation.children(reply) == []


def test_an_edited_later_question_is_a_version_beside_it_after_the_same_reply() -> None:
    conversation = Conversation()
    conversation.add("user", "Hi")
    reply = conversation.add("assistant", "Hello")
    later = conversation.add("user", "How are you?")
    edited = conversation.edit(later, "How is it going?")
    assert edited.parent_id == reply.id
    assert conversation.siblings(edited) == [later, edited]
    assert [m.content for m in conversation.messages] == ["Hi", "Hello", "How is it going?"]


def test_a_listener_that_unsubscribed_hears_nothing_more() -> None:
    conversation = Conversation()
    heard: list[Change] = []
    stop = conversation.listen(lambda _, change: heard.append(change))
    conversation.rename("First")
    stop()
    conversation.rename("Second")
    assert len(heard) == 1


def test_details_and_a_rename_are_told_as_details_changed() -> None:
    conversation = Conversation()
    changes = _heard(conversation)
    conversation.rename("Soup")
    conversation.update(pinned=True)
    assert changes == [DetailsChanged(), DetailsChanged()]


def test_a_detail_no_conversation_has_is_refused_by_its_name() -> None:
    with pytest.raises(TypeError, match=r"^not a detail of a conversation: colour$"):
        Conversation().update(colour="red")


def test_a_message_whose_parent_is_not_there_yet_is_refused_saying_so() -> None:
    orphan = Message("assistant", "Hello", parent_id="p1")
    with pytest.raises(ValueError, match=f"^message {re.escape(orphan.id)} follows p1, not yet"):
        Conversation().attach(orphan)


def test_cutting_the_branch_back_tells_where_it_now_ends() -> None:
    conversation = Conversation()
    question = conversation.add("user", "Hi")
    conversation.add("assistant", "Hello")
    changes = _heard(conversation)
    conversation.truncate_to(question)
    assert (conversation.leaf_id, conversation.messages) == (question.id, [question])
    conversation.truncate_to(None)
    assert (conversation.leaf_id, conversation.messages) == (None, [])
    assert changes == [BranchSwitched(question), BranchSwitched(None)]


def test_a_change_is_told_as_not_restreamed_unless_said() -> None:
    conversation = Conversation()
    reply = conversation.add("assistant", "Hello")
    changes = _heard(conversation)
    conversation.changed(reply)
    assert changes == [MessageChanged(reply, restreamed=False)]
