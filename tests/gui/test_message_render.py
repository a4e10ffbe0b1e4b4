"""Replies rendered as Markdown in the pane: streamed or reopened they look the same, and
every element shows as it should."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QTextBlock, QTextCharFormat, QTextFormat, QTextTable
from pytestqt.qtbot import QtBot

from chat.conversation import Conversation, MessageState
from gui.conversation_view import ConversationView
from gui.message_render import SEGMENT_HTML

REPLY = """# Sorting

Use **`sorted`** for a *new* list. ~~Never bubble sort.~~

1. Pick a key
   - a function, or
   - `itemgetter`
2. Sort

| Method | In place |
|---|:-:|
| `sorted` | no |

```python
def by_age(people):
    return sorted(people, key=lambda p: p["age"])
```

> Stable: equal items keep their order.

Costs $O(n \\log n)$, not $5 or $10.

$$
\\sum_i i
$$

- [x] read the [docs](https://docs.python.org/3/)
- [ ] try it 🙂

---
中文也可以。 ![a chart](https://example.com/chart.png)
"""


def view_of(qtbot: QtBot) -> ConversationView:
    view = ConversationView()
    view.clock = lambda: 100.0
    qtbot.addWidget(view)
    return view


def sample(content: str, reasoning: str = "", reasoning_s: float | None = None) -> Conversation:
    """The conversation both views show, with the same ids (the action links name them)."""
    conversation = Conversation()
    conversation.add("user", "Sort?", id="q")
    conversation.add(
        "assistant",
        content,
        id="a",
        provider="Alpha",
        model="m",
        reasoning=reasoning,
        reasoning_s=reasoning_s,
    )
    return conversation


def reopened(
    qtbot: QtBot, content: str, reasoning: str = "", reasoning_s: float | None = None
) -> ConversationView:
    view = view_of(qtbot)
    view.show_conversation(sample(content, reasoning, reasoning_s))
    return view


def streamed(qtbot: QtBot, content: str, size: int, reasoning: str = "") -> ConversationView:
    conversation = sample(content, reasoning)
    question, answer = conversation.messages
    view = view_of(qtbot)
    view.add_user("Sort?", conversation, question)
    block = view.begin_reply("Alpha · m")
    view.attach_reply(block, answer)
    for start in range(0, len(reasoning), size):
        block.append_reasoning(reasoning[start : start + size])
    for start in range(0, len(content), size):
        block.append(content[start : start + size])
    block.finish()
    view.reply_ended(conversation, answer)
    return view


def long_reply() -> str:
    section = "## Part\n\nSome text with `code` and *emphasis*.\n\n- one\n- two\n\n"
    code = "```python\n" + "".join(f"x_{i} = {i}\n" + "\n" * (i % 9 == 0) for i in range(900))
    return section * 100 + code + "```\n\n" + section * 50


@pytest.mark.parametrize("size", [1, 7, 64, 100_000])
def test_a_streamed_reply_looks_as_it_does_reopened(qtbot: QtBot, size: int) -> None:
    assert streamed(qtbot, REPLY, size).toHtml() == reopened(qtbot, REPLY).toHtml()


@pytest.mark.parametrize("size", [33, 1000])
def test_a_long_reply_looks_the_same_too_across_its_frames(qtbot: QtBot, size: int) -> None:
    text = long_reply()
    view = streamed(qtbot, text, size)
    assert view.toHtml() == reopened(qtbot, text).toHtml()
    (_, reply) = view.document().rootFrame().childFrames()
    assert len(reply.childFrames()) >= len(text) * 2 // SEGMENT_HTML
    assert "x_899 = 899" in view.toPlainText()


def test_with_reasoning_too_and_how_long_it_took(qtbot: QtBot) -> None:
    thinking = "The user wants **sorting**.\n\n```\nsketch\n```\n"
    live = streamed(qtbot, REPLY, 5, reasoning=thinking).toHtml()
    assert "Thought for 0 s · 44 characters" in live
    assert live == reopened(qtbot, REPLY, reasoning=thinking, reasoning_s=0.2).toHtml()
    older = reopened(qtbot, REPLY, reasoning=thinking).toHtml()  # saved before it was timed
    assert older == live.replace("Thought for 0 s", "Reasoning")


def char_formats(block: QTextBlock) -> list[QTextCharFormat]:
    found = []
    it = block.begin()
    while not it.atEnd():
        found.append(it.fragment().charFormat())
        it += 1
    return found


def formats(view: ConversationView) -> list[tuple[str, int, bool, str]]:
    """Each block's text, heading level, whether it is in a list, and its first anchor."""
    found = []
    for block in iter_blocks(view):
        hrefs = [f.anchorHref() for f in char_formats(block) if f.isAnchor()]
        level = block.blockFormat().headingLevel()
        found.append((block.text(), level, block.textList() is not None, "".join(hrefs[:1])))
    return found


def test_the_elements_of_a_reply(qtbot: QtBot) -> None:
    view = reopened(qtbot, REPLY)
    blocks = formats(view)
    assert ("Sorting", 1, False, "") in blocks
    assert ("a function, or", 0, True, "") in blocks
    assert ("☑ read the docs", 0, True, "https://docs.python.org/3/") in blocks
    assert ("☐ try it 🙂", 0, True, "") in blocks
    assert ("\\sum_i i", 0, False, "") in blocks
    assert ("python\xa0\xa0\xa0Copy", 0, False, "parley-copy:0/0") in blocks
    image = "中文也可以。 Image: a chart (https://example.com/chart.png)"
    assert (image, 0, False, "https://example.com/chart.png") in blocks
    text = view.toPlainText()
    assert "Costs O(n \\log n), not $5 or $10." in text
    assert "**" not in text
    tables = [f for f in view.document().rootFrame().childFrames()[1].childFrames()]
    assert any(isinstance(table, QTextTable) for table in tables)
    rules = [
        block
        for block in iter_blocks(view)
        if block.blockFormat().hasProperty(QTextFormat.Property.BlockTrailingHorizontalRulerWidth)
    ]
    assert len(rules) == 1


def iter_blocks(view: ConversationView) -> list[QTextBlock]:
    found = []
    block = view.document().begin()
    while block.isValid():
        found.append(block)
        block = block.next()
    return found


def test_code_is_monospace_and_wraps(qtbot: QtBot) -> None:
    view = reopened(qtbot, "```python\nx = 1\n```")
    (line,) = [b for b in iter_blocks(view) if b.text() == "x = 1"]
    families = [" ".join(f.fontFamilies() or []) for f in char_formats(line)]
    assert families
    assert all("DejaVu Sans Mono" in family for family in families)
    assert line.blockFormat().nonBreakableLines() is False


def test_what_the_user_typed_is_plain_text_with_its_line_breaks(qtbot: QtBot) -> None:
    view = view_of(qtbot)
    view.add_user("**not bold**\n# not a heading\n<b>x</b>")
    assert view.toPlainText().split("\n")[2:5] == ["**not bold**", "# not a heading", "<b>x</b>"]
    assert all(level == 0 for _, level, _, _ in formats(view))


def test_a_cut_off_reply_renders_what_came(qtbot: QtBot) -> None:
    conversation = Conversation()
    conversation.add("assistant", "```py\nunfinished(", state=MessageState.INTERRUPTED)
    view = view_of(qtbot)
    view.show_conversation(conversation)
    text = view.toPlainText()
    assert text.index("unfinished(") < text.index("Interrupted")


def test_headings_keep_their_size_however_the_text_came(qtbot: QtBot) -> None:
    view = streamed(qtbot, "# One\n## Two\npara\n", 1)
    levels = {text: level for text, level, _, _ in formats(view)}
    assert levels["One"] == 1
    assert levels["Two"] == 2
    assert re.search(r"font-size:\s*xx-large|font-size:[^;]*\d", view.toHtml())


def test_a_list_streamed_item_by_item_is_spaced_as_one_list(qtbot: QtBot) -> None:
    text = "Steps:\n\n1. one\n1. two\n1. three\n\nEnd.\n"
    view = streamed(qtbot, text, 3)
    assert view.toHtml() == reopened(qtbot, text).toHtml()
    items = {}
    block = view.document().begin()
    while block.isValid():
        if block.textList() is not None:
            fmt = block.blockFormat()
            items[block.text()] = (
                fmt.topMargin(),
                fmt.bottomMargin(),
                block.textList().itemText(block),
            )
        block = block.next()
    assert items == {
        "one": (12.0, 0.0, "1."),
        "two": (0.0, 0.0, "2."),
        "three": (0.0, 12.0, "3."),
    }  # as Qt spaces and numbers one list


def test_a_long_table_streamed_in_parts_looks_as_it_does_reopened(qtbot: QtBot) -> None:
    rows = "".join(f"| model-{n} | {n * 37 % 100} | notes on it |\n" for n in range(45))
    text = f"Results:\n\n| Model | Score | Notes |\n|---|--:|---|\n{rows}\nAfter.\n"
    view = streamed(qtbot, text, 9)
    assert view.toHtml() == reopened(qtbot, text).toHtml()
    (_, reply) = view.document().rootFrame().childFrames()
    tables = [f for f in reply.childFrames() if isinstance(f, QTextTable)]
    assert [t.rows() for t in tables] == [21, 20, 5]  # the header, then parts of 20 rows
    widths = {tuple(c.rawValue() for c in t.format().columnWidthConstraints()) for t in tables}
    assert len(widths) == 1  # one set of column widths: the parts read as one table
    assert sum(next(iter(widths))) == 100
