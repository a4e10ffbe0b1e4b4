"""Conversations the renderers' tests share: built as the app builds them, with ``add``."""

from __future__ import annotations

from chat.conversation import Conversation, Message, MessageState, ReplyError

NOON = 1_780_000_000.0
"""A fixed moment (2026-05-28), so that headers are the same on every run."""
SECRET = "sk-live-do-not-export-1234"
POLYGLOT = (
    "English, Русский: съешь же ещё этих мягких французских булок, "
    "中文：我能吞下玻璃而不伤身体, 马车门见风, 日本語：私はガラスを食べられます, 🎉"
)
LONG_LINE = "0123456789" * 200
"""2,000 characters with no break: a code block must wrap it, not let it run off."""


def simple() -> Conversation:
    """A question, a reply with code, a system prompt, and options holding a secret."""
    conversation = Conversation(title="Sorting in Python", created=NOON)
    conversation.update(
        system_prompt="Answer briefly.",
        options={"headers": {"Authorization": f"Bearer {SECRET}"}, "api_key": SECRET},
    )
    conversation.add("user", "How do I sort a list?\nDescending, too.", created=NOON)
    conversation.add(
        "assistant",
        "Use `sorted`:\n\n```python\nsorted(items, reverse=True)\n```\n\nThat is all.",
        created=NOON + 60,
        provider="OpenAI",
        model="gpt-4o",
        reasoning="The user wants **sorting**.\n\n- ascending\n- descending",
    )
    return conversation


def branched() -> tuple[Conversation, dict[str, Message]]:
    """A question asked twice (edited), the first answered twice (regenerated):

    q1 ─ a1      (the oldest path)
       └ a1b
    q2 ─ a2      (the active branch: the edit)
    """
    conversation = Conversation(title="Branches", created=NOON)
    q1 = conversation.add(
        "user", "First version of the question, with many more words", created=NOON
    )
    a1 = conversation.add("assistant", "Answer one", created=NOON + 1, provider="P", model="m")
    a1b = conversation.add(
        "assistant", "Answer one, again", parent_id=q1.id, created=NOON + 2, provider="P"
    )
    q2 = conversation.edit(q1, "Second version")
    a2 = conversation.add("assistant", "Answer two", created=NOON + 3, model="m2")
    return conversation, {"q1": q1, "a1": a1, "a1b": a1b, "q2": q2, "a2": a2}


def endings() -> Conversation:
    """Replies that did not end well: failed, stopped, interrupted, still arriving."""
    conversation = Conversation(title="Endings", created=NOON)
    conversation.add("user", "Go", created=NOON)
    error = ReplyError("rate_limit", "The service is busy: wait a minute, then try again.")
    conversation.add("assistant", "", state=MessageState.FAILED, error=error, created=NOON)
    conversation.add("assistant", "Half an ans", state=MessageState.CANCELLED, created=NOON)
    conversation.add("assistant", "Cut", state=MessageState.INTERRUPTED, created=NOON)
    conversation.add("assistant", "Stre", state=MessageState.STREAMING, created=NOON)
    conversation.add("assistant", "ok", note="The model gpt-x replaced gpt-y.", created=NOON)
    return conversation


def odd() -> Conversation:
    """Two branches and what is rare in them: a short title, a blank question, a reply whose
    text starts and ends with blank lines, a failure with no reason, roles of an import.

    q ─ a2 (failed) ─ tool ─ to"ol ─ (blank role)   (the active branch: a regenerated reply)
      └ a1
    """
    conversation = Conversation(title="Hi", created=NOON)
    question = conversation.add("user", "  ", created=NOON)
    conversation.add("assistant", "\nFirst line  \n\n", created=NOON + 1, provider="P", model="m")
    conversation.add(
        "assistant", "Again", parent_id=question.id, state=MessageState.FAILED, created=NOON
    )
    conversation.add("tool", "\ndone", created=NOON)
    conversation.add('to"ol', "X", state=MessageState.INTERRUPTED, created=NOON)
    conversation.add(" ", "y", created=NOON)
    return conversation
