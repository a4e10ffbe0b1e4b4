"""A conversation as Markdown: a heading per message, its text exactly as it was."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

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

_INLINE_MARKUP = re.compile(r"([\\`*_\[\]<&~]|#$)")
_SENTINEL = "# parley-sentinel"
_HTML_CLOSERS = (("<!--", "-->"), ("<?", "?>"), ("<![CDATA[", "]]>"), ("<!", ">"))
_RAW_CLOSER = "</script></pre></style></textarea>"
_CHECKER = MarkdownIt("commonmark", {"html": True})
"""Parses a message's text as a Markdown viewer would (raw HTML on), to see what it leaves open."""


def to_markdown(conversation: Conversation, options: ExportOptions = EVERYDAY) -> str:
    """The conversation as a Markdown document: its title, the system prompt, then each
    message under a heading (role, local time, and for a reply its provider and model)."""
    parts = [f"# {escape(title_of(conversation))}"]
    if conversation.system_prompt:
        parts += [f"## {SYSTEM_PROMPT}", closed(clean(conversation.system_prompt))]
    shown = sections(conversation, options.all_branches)
    level = "##" if len(shown) == 1 else "###"
    for section in shown:
        if section.total > 1:
            parts += _section_head(section)
        for message in section.messages:
            parts += _message(message, level, options)
    return "\n\n".join(part for part in parts if part) + "\n"


def _section_head(section: Section) -> list[str]:
    rule = ["---"] if section.number > 1 else []
    return [*rule, f"## {section_title(section)}", f"*{escape(departure(section))}*"]


def _message(message: Message, level: str, options: ExportOptions) -> list[str]:
    parts = [f"{level} {escape(header(message))}"]
    if options.reasoning and message.reasoning.strip():
        reasoning = closed(clean(message.reasoning))
        parts.append(f"<details><summary>{REASONING}</summary>\n\n{reasoning}\n\n</details>")
    parts.append(closed(clean(message.content)))
    parts += [f"> *{escape(line)}*" for line in (note_of(message), ending(message)) if line]
    return parts


def escape(text: str) -> str:
    """``text`` (one line of our own: a title, a model's name) with its Markdown markup
    escaped, so that it reads as written."""
    return _INLINE_MARKUP.sub(r"\\\1", text)


def closed(text: str) -> str:
    """``text`` unchanged, with its trailing line breaks dropped and, when it leaves a code
    fence or a raw HTML block open (which would swallow every heading after it), the line
    that closes it added."""
    text = text.rstrip("\r\n")
    for _ in range(3):
        closer = _closer(text)
        if closer is None:
            return text
        text = f"{text}\n{closer}"
    return text


def _closer(text: str) -> str | None:
    """What closes the block ``text`` leaves open, or None when it leaves none."""
    tokens = _CHECKER.parse(f"{text}\n\n{_SENTINEL}\n")
    last = [t for t in tokens if t.level == 0 and t.nesting != -1][-1]
    breaks = text.replace("\r\n", "\n").replace("\r", "\n").count("\n")  # as the parser counts
    if last.type == "heading_open" and last.map and last.map[0] > breaks:
        return None
    if last.type == "fence":
        return last.markup
    if last.type == "html_block":
        start = last.content.lstrip()
        return next((c for opener, c in _HTML_CLOSERS if start.startswith(opener)), _RAW_CLOSER)
    return None  # no other CommonMark block runs past a blank line
