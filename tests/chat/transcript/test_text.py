"""The plain-text transcript: what the Markdown says, without markup, lines as they were."""

from __future__ import annotations

from chat.conversation import Conversation
from chat.transcript.options import ExportOptions
from chat.transcript.text import to_text
from chat.transcript.when import when
from tests.chat.transcript.render_samples import NOON, SECRET, branched, endings, odd, simple

EVERYTHING = ExportOptions(all_branches=True, reasoning=True)


def test_the_title_the_system_prompt_and_each_message_under_its_header() -> None:
    text = to_text(simple())
    assert text.startswith(
        "Sorting in Python\n=================\n\nSystem prompt\n-------------\nAnswer briefly.\n\n"
    )
    header = f"Assistant · {when(NOON + 60)} · OpenAI gpt-4o"
    assert f"You · {when(NOON)}\n----------------------\nHow do I sort a list?\n" in text
    assert f"\n\n{header}\n{'-' * len(header)}\nUse `sorted`:\n" in text


def test_each_text_is_kept_line_for_line_and_nothing_is_wrapped() -> None:
    conversation = Conversation(title="t")
    long = "word " * 400
    conversation.add("user", f"  indented\n{long}\n\n\ttab")
    conversation.add("assistant", "# not a heading here\n<b>not markup</b>")
    text = to_text(conversation)
    assert f"\n  indented\n{long}\n\n\ttab\n" in text
    assert "\n# not a heading here\n<b>not markup</b>\n" in text


def test_no_markup_of_our_own() -> None:
    text = to_text(simple(), EVERYTHING)
    for markup in ("<details>", "<summary>", "## ", "> *"):
        assert markup not in text


def test_reasoning_only_when_asked() -> None:
    assert "The user wants" not in to_text(simple())
    text = to_text(simple(), ExportOptions(reasoning=True))
    assert "[Reasoning]\nThe user wants **sorting**.\n\n- ascending\n- descending\n" in text
    assert "[End of reasoning]\n\nUse `sorted`" in text


def test_replies_that_did_not_end_well_say_so() -> None:
    text = to_text(endings())
    assert "(This reply failed: The service is busy: wait a minute, then try again.)" in text
    assert "Half an ans\n\n(This reply was stopped before its end" in text
    assert "interrupted: Parley closed while it arrived" in text
    assert "(This reply was still arriving when the transcript was made.)" in text
    assert "(Note: The model gpt-x replaced gpt-y.)" in text


def test_every_branch_when_asked_each_from_where_it_departs() -> None:
    conversation, _ = branched()
    assert "Answer one" not in to_text(conversation)
    text = to_text(conversation, EVERYTHING)
    assert "########## Branch 2 of 3 ##########\nIt starts from the beginning" in text
    assert (
        "########## Branch 3 of 3 ##########\n"
        "It continues after “First version of the question, with many more…”"
    ) in text
    assert text.count("First version of the question, with many more words\n") == 1


def test_nothing_of_the_options_is_written() -> None:
    assert SECRET not in to_text(simple(), EVERYTHING)


def test_text_that_utf8_cannot_hold_is_replaced_not_a_crash() -> None:
    conversation = Conversation(title="a\ud800b")
    conversation.add("user", "lone \udc00 surrogate")
    text = to_text(conversation)
    text.encode()
    assert "lone \ufffd surrogate" in text


def test_a_conversation_of_two_branches_reads_exactly_so() -> None:
    t, t1 = when(NOON), when(NOON + 1)
    assert to_text(odd(), EVERYTHING) == (
        "Hi\n===\n\n"
        "########## Branch 1 of 2 ##########\nThe branch open in Parley, in full.\n\n"
        f"You · {t}\n{'-' * 22}\n  \n\n"
        f"Assistant · {t}\n{'-' * 28}\nAgain\n\n"
        "(This reply failed: no reason was recorded.)\n\n"
        f"Tool · {t}\n{'-' * 23}\n\ndone\n\n"
        f'To"ol · {t}\n{"-" * 24}\nX\n\n'
        "(This reply was interrupted: Parley closed while it arrived; its text is kept.)\n\n"
        f"Message · {t}\n{'-' * 26}\ny\n\n"
        "########## Branch 2 of 2 ##########\n"
        f"It continues after (no text) (You, {t}).\n\n"
        f"Assistant · {t1} · P m\n{'-' * 34}\n\nFirst line  \n"
    )
