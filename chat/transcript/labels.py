"""What every transcript format says about a message (who wrote it, when, with which model,
how a reply ended) and takes by default. One place for these sentences, so a translation
changes them once."""

from __future__ import annotations

import re

from chat.conversation import Conversation, Message, MessageState
from chat.transcript.options import ExportOptions
from chat.transcript.when import when

EVERYDAY = ExportOptions()
"""The options a plain export takes: the active branch, no reasoning."""
UNTITLED = "Conversation"
SYSTEM_PROMPT = "System prompt"
REASONING = "Reasoning"
_ROLES = {"user": "You", "assistant": "Assistant", "system": SYSTEM_PROMPT}
_SURROGATE = re.compile("[\ud800-\udfff]")
_QUOTE_WORDS = 8
_QUOTE_CHARS = 60


def clean(text: str) -> str:
    """``text`` with lone surrogates (a JSON import can carry them) made U+FFFD, so that the
    transcript can be written as UTF-8."""
    return _SURROGATE.sub("\ufffd", text)


def one_line(text: str) -> str:
    """``text`` on one line: every run of white space (line breaks too) one space."""
    return " ".join(clean(text).split())


def title_of(conversation: Conversation) -> str:
    return one_line(conversation.title) or UNTITLED


def role_name(role: str) -> str:
    """ "You", "Assistant", "System prompt"; another role (an imported "tool") as it is."""
    return _ROLES.get(role) or one_line(role).capitalize() or "Message"


def model_of(message: Message) -> str:
    """The provider and model that wrote a reply ("OpenAI gpt-4o"), or "" for none."""
    if message.role != "assistant":
        return ""
    return " ".join(one_line(part) for part in (message.provider, message.model) if part)


def header_parts(message: Message) -> list[str]:
    """What heads a message: its role, its local time and, for a reply, its provider and model."""
    parts = [role_name(message.role), when(message.created)]
    if model := model_of(message):
        parts.append(model)
    return parts


def header(message: Message) -> str:
    return " · ".join(header_parts(message))


def ending(message: Message) -> str:
    """A sentence saying how a reply ended when it did not end well, or "" when it did."""
    if message.state is MessageState.FAILED:
        sentence = message.error.sentence if message.error else "no reason was recorded."
        return f"This reply failed: {one_line(sentence)}"
    if message.state is MessageState.CANCELLED:
        return "This reply was stopped before its end; the text that arrived is kept."
    if message.state is MessageState.INTERRUPTED:
        return "This reply was interrupted: Parley closed while it arrived; its text is kept."
    if message.state in (MessageState.PENDING, MessageState.STREAMING):
        return "This reply was still arriving when the transcript was made."
    return ""


def note_of(message: Message) -> str:
    """The note a reply carries (the model was replaced, say), as a sentence, or ""."""
    return f"Note: {one_line(message.note)}" if message.note.strip() else ""


def first_words(text: str) -> str:
    """The first few words of ``text``, to quote it: at most eight words or sixty characters,
    with "…" when there was more."""
    words = one_line(text).split(" ")
    quote = " ".join(words[:_QUOTE_WORDS])
    if len(quote) > _QUOTE_CHARS:
        quote = quote[:_QUOTE_CHARS].rstrip()
    return quote + ("…" if quote != " ".join(words) else "")
