"""The Markdown transcript: a heading per message, each text exactly as it was, and no text
that can swallow the headings after it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from chat.conversation import Conversation
from chat.transcript.markdown import closed, escape, to_markdown
from chat.transcript.options import ExportOptions
from chat.transcript.when import when
from tests.chat.transcript.render_samples import NOON, SECRET, branched, endings, odd, simple
from tests.support.fuzz import ends_within

EVERYTHING = ExportOptions(all_branches=True, reasoning=True)
VIEWER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
"""How a Markdown viewer (GitHub, an editor's preview) reads the file: raw HTML on."""


def headings(markdown: str) -> list[str]:
    """The text of each top-level heading, as a viewer reads it."""
    tokens = VIEWER.parse(markdown)
    return [
        VIEWER.renderer.renderInlineAsText(tokens[i + 1].children or [], VIEWER.options, {})
        for i, token in enumerate(tokens)
        if token.type == "heading_open" and token.level == 0
    ]


def test_the_title_then_the_system_prompt_then_each_message_under_a_heading() -> None:
    markdown = to_markdown(simple())
    assert markdown.startswith("# Sorting in Python\n\n## System prompt\n\nAnswer briefly.\n")
    assert headings(markdown) == [
        "Sorting in Python",
        "System prompt",
        f"You · {when(NOON)}",
        f"Assistant · {when(NOON + 60)} · OpenAI gpt-4o",
    ]


def test_each_text_is_kept_exactly_code_fences_and_all() -> None:
    conversation = simple()
    markdown = to_markdown(conversation)
    for message in conversation.messages:
        assert f"\n\n{message.content}\n" in markdown
    assert "```python\nsorted(items, reverse=True)\n```" in markdown


def test_nothing_of_the_options_is_written() -> None:
    assert SECRET not in to_markdown(simple(), EVERYTHING)


def test_reasoning_only_when_asked_in_a_details_block_that_stays_markdown() -> None:
    assert "The user wants" not in to_markdown(simple())
    markdown = to_markdown(simple(), ExportOptions(reasoning=True))
    block = (
        "<details><summary>Reasoning</summary>\n\n"
        "The user wants **sorting**.\n\n- ascending\n- descending\n\n</details>"
    )
    assert block in markdown
    tokens = VIEWER.parse(markdown)
    assert any(t.type == "bullet_list_open" for t in tokens)  # the list is still a list
    assert markdown.index("The user wants") < markdown.index("Use `sorted`")


def test_replies_that_did_not_end_well_say_so() -> None:
    markdown = to_markdown(endings())
    assert "> *This reply failed: The service is busy: wait a minute, then try again.*" in markdown
    assert "stopped before its end" in markdown
    assert "interrupted: Parley closed while it arrived" in markdown
    assert "still arriving" in markdown
    assert "> *Note: The model gpt-x replaced gpt-y.*" in markdown


def test_other_branches_only_when_asked_each_from_where_it_departs() -> None:
    conversation, _ = branched()
    assert "Answer one" not in to_markdown(conversation)
    markdown = to_markdown(conversation, EVERYTHING)
    assert [h for h in headings(markdown) if h.startswith("Branch ")] == [
        "Branch 1 of 3",
        "Branch 2 of 3",
        "Branch 3 of 3",
    ]
    assert markdown.count("First version of the question, with many more words\n") == 1
    assert "It continues after “First version of the question, with many more…”" in markdown
    assert markdown.count("Answer one, again") == 1


@pytest.mark.parametrize(
    "text",
    [
        "```python\nunclosed = True",
        "~~~~\nunclosed tilde fence",
        "  ````\nindented, long fence\n```\nnot the end",
        "<!-- a comment never closed",
        "<pre>\nraw and open",
        "<?php not closed",
        "<![CDATA[ never",
        "<!DOCTYPE",
        "<script>\nalert(1)",
        "> ```\n> quoted fence",
        "- ```\n  in a list",
        "```\r\rold Mac line ends\r",
        "\u2028\u2028```\u2028not a line break for Markdown",
    ],
)
def test_a_text_left_open_cannot_swallow_the_headings_after_it(text: str) -> None:
    conversation = Conversation(title="Open", created=NOON)
    conversation.add("user", text, created=NOON)
    conversation.add("assistant", text, created=NOON, provider="P", reasoning=text)
    markdown = to_markdown(conversation, EVERYTHING)
    assert headings(markdown) == ["Open", f"You · {when(NOON)}", f"Assistant · {when(NOON)} · P"]
    assert text.rstrip("\r\n") in markdown  # unchanged, but for line breaks at its end


def test_closing_adds_a_line_only_when_something_is_open() -> None:
    assert closed("fine\n\n") == "fine"
    assert closed("```\ncode\n```") == "```\ncode\n```"
    assert closed("````js\ncode") == "````js\ncode\n````"
    assert closed("<!--\nx") == "<!--\nx\n-->"


def test_an_indented_raw_html_block_is_closed_by_its_own_closer() -> None:
    assert closed("   <!-- open") == "   <!-- open\n-->"
    assert closed("Intro\n\n  <![CDATA[ x") == "Intro\n\n  <![CDATA[ x\n]]>"


@pytest.mark.parametrize(
    "title", ["Learn C #", "*not bold* and _not_ `code`", "[a](http://x) <b>x</b> &amp;", "~~x~~"]
)
def test_a_title_reads_as_written(title: str) -> None:
    conversation = Conversation(title=title)
    assert headings(to_markdown(conversation)) == [title]
    assert headings(f"# {escape(title)}") == [title]


def test_an_untitled_conversation_is_called_conversation() -> None:
    assert to_markdown(Conversation()) == "# Conversation\n"


MARKUP = st.sampled_from(
    ["```", "~~~", "````", "<!--", "-->", "<pre>", "</pre>", "<?", "<![CDATA[", "<!X", "# ",
     "## You", "\n", "\n\n", "    ", "> ", "- ", "1. ", "<details>", "</details>", "|", "---",
     "*", "_", "`", "[", "](", ")", "\\", "&", "<", ">", "===", "\t", "\r\n", "\r", "\u2028"]
)  # fmt: skip
TEXTS = st.lists(MARKUP | st.text(max_size=8), max_size=40).map("".join)


@pytest.mark.fuzz
@given(texts=st.lists(TEXTS, min_size=1, max_size=4), title=st.text(max_size=30))
def test_whatever_the_texts_every_heading_we_add_stays_a_heading(
    texts: list[str], title: str
) -> None:
    conversation = Conversation(title=title, created=NOON)
    for i, text in enumerate(texts):
        conversation.add("user" if i % 2 == 0 else "assistant", text, created=NOON)
        conversation.messages[-1].reasoning = text
    with ends_within():
        markdown = to_markdown(conversation, EVERYTHING)
    ours = [f"{'You' if i % 2 == 0 else 'Assistant'} · {when(NOON)}" for i in range(len(texts))]
    found = iter(headings(markdown))
    assert all(heading in found for heading in ours)  # in order, whatever else is between
    for text in texts:
        assert closed(text.rstrip("\r\n")) in markdown


def test_one_branch_reads_exactly_so_with_its_messages_under_second_level_headings() -> None:
    t = when(NOON)
    assert to_markdown(odd()) == (
        f"# Hi\n\n## You · {t}\n\n  \n\n## Assistant · {t}\n\nAgain\n\n"
        "> *This reply failed: no reason was recorded.*\n\n"
        f"## Tool · {t}\n\n\ndone\n\n"
        f'## To"ol · {t}\n\nX\n\n'
        "> *This reply was interrupted: Parley closed while it arrived; its text is kept.*\n\n"
        f"## Message · {t}\n\ny\n"
    )


def test_two_branches_read_exactly_so_with_a_rule_between_them() -> None:
    t, t1 = when(NOON), when(NOON + 1)
    assert to_markdown(odd(), EVERYTHING) == (
        "# Hi\n\n## Branch 1 of 2\n\n*The branch open in Parley, in full.*\n\n"
        f"### You · {t}\n\n  \n\n### Assistant · {t}\n\nAgain\n\n"
        "> *This reply failed: no reason was recorded.*\n\n"
        f"### Tool · {t}\n\n\ndone\n\n"
        f'### To"ol · {t}\n\nX\n\n'
        "> *This reply was interrupted: Parley closed while it arrived; its text is kept.*\n\n"
        f"### Message · {t}\n\ny\n\n"
        "---\n\n## Branch 2 of 2\n\n"
        f"*It continues after (no text) (You, {t}).*\n\n"
        f"### Assistant · {t1} · P m\n\n\nFirst line  \n"
    )
