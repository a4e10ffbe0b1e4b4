"""A conversation as plain text: the same things as the Markdown, without markup; every line
of a message kept as it is (nothing is wrapped)."""

from __future__ import annotations

from chat.conversation import Conversation, Message
from chat.transcript.branches import Section, departure, section_title, sections
from chat.transcript.labels import (
    EVERYDAY,
    REASONING,
    SYSTEM_PROMPT,
    clean,
    ending,
    header,
    note_of,
    title_of,
)
from chat.transcript.options import ExportOptions


def to_text(conversation: Conversation, options: ExportOptions = EVERYDAY) -> str:
    """The conversation as plain text: its title, the system prompt, then each message under
    an underlined header (role, local time, and for a reply its provider and model)."""
    parts = [_underlined(title_of(conversation), "=")]
    if conversation.system_prompt:
        parts.append(f"{_underlined(SYSTEM_PROMPT, '-')}\n{_body(conversation.system_prompt)}")
    shown = sections(conversation, options.all_branches)
    for section in shown:
        if section.total > 1:
            parts += _section_head(section)
        for message in section.messages:
            parts += _message(message, options)
    return "\n\n".join(part for part in parts if part) + "\n"


def _underlined(line: str, mark: str) -> str:
    return f"{line}\n{mark * max(len(line), 3)}"


def _body(text: str) -> str:
    return clean(text).rstrip("\r\n")


def _section_head(section: Section) -> list[str]:
    title = f"{'#' * 10} {section_title(section)} {'#' * 10}"
    return [f"{title}\n{departure(section)}"]


def _message(message: Message, options: ExportOptions) -> list[str]:
    lines = [_underlined(header(message), "-")]
    if options.reasoning and message.reasoning.strip():
        lines.append(f"[{REASONING}]\n{_body(message.reasoning)}\n[End of {REASONING.lower()}]\n")
    lines.append(_body(message.content))
    endings = [f"({line})" for line in (note_of(message), ending(message)) if line]
    return ["\n".join(line for line in lines if line), *endings]
