"""Every branch of a conversation, and how a transcript shows them all."""

from __future__ import annotations

from chat.conversation import Conversation
from chat.transcript.branches import branches, departure, section_title, sections
from chat.transcript.labels import first_words
from chat.transcript.when import when
from tests.chat.transcript.render_samples import NOON, branched


def ids(paths: list[list]) -> list[list[str]]:  # type: ignore[type-arg]
    return [[m.content for m in path] for path in paths]


def test_a_conversation_without_branches_has_one() -> None:
    conversation = Conversation()
    conversation.add("user", "q")
    conversation.add("assistant", "a")
    assert ids(branches(conversation)) == [["q", "a"]]
    [section] = sections(conversation, all_branches=True)
    assert (section.number, section.total, section.after, section.active) == (1, 1, None, True)


def test_the_active_branch_comes_first_then_the_others_depth_first() -> None:
    conversation, _ = branched()
    assert ids(branches(conversation)) == [
        ["Second version", "Answer two"],
        ["First version of the question, with many more words", "Answer one"],
        ["First version of the question, with many more words", "Answer one, again"],
    ]


def test_the_order_is_the_same_whichever_branch_was_open() -> None:
    conversation, m = branched()
    conversation.switch_to(m["a1"])
    assert ids(branches(conversation))[1:] == [
        ["First version of the question, with many more words", "Answer one, again"],
        ["Second version", "Answer two"],
    ]


def test_each_other_branch_starts_where_it_departs_from_those_shown() -> None:
    conversation, m = branched()
    first, second, third = sections(conversation, all_branches=True)
    assert [x.id for x in first.messages] == [m["q2"].id, m["a2"].id]
    assert [x.id for x in second.messages] == [m["q1"].id, m["a1"].id]
    assert second.after is None
    assert [x.id for x in third.messages] == [m["a1b"].id]
    assert third.after is m["q1"]
    assert [section_title(s) for s in (first, second, third)] == [
        "Branch 1 of 3",
        "Branch 2 of 3",
        "Branch 3 of 3",
    ]


def test_a_departure_says_after_which_message_it_continues() -> None:
    conversation, _ = branched()
    first, second, third = sections(conversation, all_branches=True)
    assert departure(first) == "The branch open in Parley, in full."
    assert "beginning" in departure(second)
    assert departure(third) == (
        f"It continues after “First version of the question, with many more…” (You, {when(NOON)})."
    )


def test_without_all_branches_only_the_active_one_is_shown() -> None:
    conversation, m = branched()
    [only] = sections(conversation, all_branches=False)
    assert [x.id for x in only.messages] == [m["q2"].id, m["a2"].id]
    assert only.total == 1


def test_an_active_branch_cut_short_still_comes_first() -> None:
    conversation, m = branched()
    conversation.truncate_to(m["q1"])  # the next message will be a new version of a1
    paths = branches(conversation)
    assert ids(paths)[0] == ["First version of the question, with many more words"]
    assert len(paths) == 4  # the cut branch, then all three that reach a last message
    shown = sections(conversation, all_branches=True)
    assert [x.content for x in shown[1].messages] == ["Answer one"]
    assert shown[1].after is m["q1"]
    assert [x.content for x in shown[3].messages] == ["Second version", "Answer two"]
    assert shown[3].after is None


def test_an_empty_conversation_has_no_branch() -> None:
    assert branches(Conversation()) == []
    assert sections(Conversation(), all_branches=True) == []
    [empty] = sections(Conversation(), all_branches=False)
    assert empty.messages == []


def test_nothing_active_still_shows_every_branch_from_the_first() -> None:
    conversation, _ = branched()
    conversation.truncate_to(None)
    shown = sections(conversation, all_branches=True)
    assert len(shown) == 3
    assert not shown[0].active
    assert departure(shown[0]) == "The first branch, in full."


def test_a_deep_thread_needs_no_recursion() -> None:
    conversation = Conversation()
    for i in range(5000):
        conversation.add("user" if i % 2 == 0 else "assistant", str(i))
    assert len(branches(conversation)[0]) == 5000


def test_a_quote_is_the_first_words_on_one_line() -> None:
    assert first_words("one\ntwo   three") == "one two three"
    assert first_words("a b c d e f g h i j") == "a b c d e f g h…"
    assert first_words("x" * 100) == "x" * 60 + "…"
    assert first_words("") == ""
    assert first_words("a" * 59 + " bbbb") == "a" * 59 + "…"  # cut after a space: no space kept
