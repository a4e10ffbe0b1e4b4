"""The branches of a conversation, and how a transcript shows them all readably: the active
branch in full, then each other one from the message where it departs."""

from __future__ import annotations

from dataclasses import dataclass

from chat.conversation import Conversation, Message
from chat.transcript.labels import first_words, role_name
from chat.transcript.when import when


@dataclass(frozen=True, slots=True)
class Section:
    """A part of a transcript: branch ``number`` of ``total``, the ``messages`` not shown
    before it, and ``after``, the message already shown that they follow (None: they start
    the conversation). ``active``: the branch open in Parley, shown in full."""

    number: int
    total: int
    messages: list[Message]
    after: Message | None
    active: bool = False


def branches(conversation: Conversation) -> list[list[Message]]:
    """Every path from a first message to a last one, the active branch first (even when it
    ends before a last message), then the others depth first, older versions first."""
    active = conversation.messages
    others = [
        conversation.path_to(leaf)
        for leaf in _leaves(conversation)
        if leaf.id != conversation.leaf_id
    ]
    return [active, *others] if active else others


def _leaves(conversation: Conversation) -> list[Message]:
    """The messages nothing follows, depth first (no recursion: a thread can be deep)."""
    leaves: list[Message] = []
    stack = list(reversed(conversation.children(None)))
    while stack:
        message = stack.pop()
        children = conversation.children(message)
        if children:
            stack.extend(reversed(children))
        else:
            leaves.append(message)
    return leaves


def sections(conversation: Conversation, all_branches: bool) -> list[Section]:
    """What a transcript shows: the active branch alone, or with ``all_branches`` every
    branch, each after the first from where it departs from those already shown."""
    paths = branches(conversation) if all_branches else [conversation.messages]
    shown: set[str] = set()
    result: list[Section] = []
    for number, path in enumerate(paths, 1):
        start = next((i for i, m in enumerate(path) if m.id not in shown), len(path))
        after = path[start - 1] if start else None
        active = number == 1 and bool(conversation.messages)
        result.append(Section(number, len(paths), path[start:], after, active))
        shown.update(m.id for m in path[start:])
    return result


def section_title(section: Section) -> str:
    """ "Branch 2 of 3"."""
    return f"Branch {section.number} of {section.total}"


def departure(section: Section) -> str:
    """A sentence saying where a branch departs from those shown above it."""
    if section.active:
        return "The branch open in Parley, in full."
    if section.after is None and section.number == 1:
        return "The first branch, in full."
    if section.after is None:
        return "It starts from the beginning, with another version of the first message."
    quote = first_words(section.after.content)
    what = f"“{quote}”" if quote else "(no text)"
    who = role_name(section.after.role)
    return f"It continues after {what} ({who}, {when(section.after.created)})."
