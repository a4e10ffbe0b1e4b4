"""A conversation as one self-contained HTML file: its own style sheet (light and dark), no
script, nothing fetched from anywhere, every text escaped."""

from __future__ import annotations

from html import escape

from chat.conversation import Conversation, Message
from chat.markdown.html import code_css, markdown_html
from chat.transcript.branches import Section, departure, section_title, sections
from chat.transcript.labels import (
    EVERYDAY,
    REASONING,
    SYSTEM_PROMPT,
    clean,
    ending,
    header_parts,
    note_of,
    title_of,
)
from chat.transcript.options import ExportOptions

CSP = "default-src 'none'; style-src 'unsafe-inline'"
"""A second guard: were anything active to slip through, the browser would still run and
fetch nothing."""
PLAIN_STYLE = "white-space: pre-wrap"

_CSS = """
:root { color-scheme: light dark; --text: #1f2328; --muted: #59636e; --line: #d1d9e0;
  --mine: #eef4fb; --reply: #ffffff; --page: #f6f8fa; --code: #f6f8fa; --link: #0969da;
  --bad: #b42318; }
@media (prefers-color-scheme: dark) {
  :root { --text: #e6edf3; --muted: #9198a1; --line: #3d444d; --mine: #1c2a3a;
    --reply: #151b23; --page: #0d1117; --code: #0d1117; --link: #4493f8; --bad: #ff7b72; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--page); color: var(--text); line-height: 1.55;
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", "Noto Sans", "DejaVu Sans",
  "Noto Sans CJK SC", "Hiragino Sans", "Microsoft YaHei", sans-serif; }
main { max-width: 50rem; margin: 0 auto; padding: 1.5rem 1rem 4rem; }
h1 { font-size: 1.7rem; line-height: 1.25; margin: 0 0 1.5rem; overflow-wrap: anywhere; }
.message { background: var(--reply); border: 1px solid var(--line); border-radius: 8px;
  padding: 0.75rem 1rem; margin: 0 0 1rem; overflow-wrap: anywhere; }
.message.user, .message.system { background: var(--mine); }
.meta { color: var(--muted); font-size: 0.85rem; margin-bottom: 0.4rem; }
.role { font-weight: 600; color: var(--text); }
.plain { white-space: pre-wrap; margin: 0; }
.ending, .note { color: var(--bad); font-style: italic; margin: 0.5rem 0 0; }
.note { color: var(--muted); }
.branch { border-top: 2px solid var(--line); margin-top: 2rem; padding-top: 0.5rem; }
.branch h2 { font-size: 1.2rem; margin: 0.5rem 0 0.25rem; }
.departure { color: var(--muted); margin: 0 0 1rem; }
a { color: var(--link); }
details.reasoning { border-left: 3px solid var(--line); padding-left: 0.75rem;
  margin: 0.25rem 0 0.75rem; color: var(--muted); }
details.reasoning summary { cursor: pointer; font-size: 0.9rem; }
.markdown > :first-child { margin-top: 0; }
.markdown > :last-child { margin-bottom: 0; }
.markdown table { border-collapse: collapse; display: block; overflow-x: auto; }
.markdown th, .markdown td { border: 1px solid var(--line); padding: 0.3rem 0.6rem; }
.markdown blockquote { margin: 0; padding-left: 1rem; border-left: 3px solid var(--line);
  color: var(--muted); }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono",
  "Noto Sans Mono", monospace; font-size: 0.9em; }
:not(pre) > code { background: var(--code); padding: 0.1em 0.3em; border-radius: 4px; }
.code-block { margin: 0.75rem 0; border: 1px solid var(--line); border-radius: 6px;
  overflow: hidden; }
.code-label { font-size: 0.75rem; color: var(--muted); padding: 0.2rem 0.6rem;
  border-bottom: 1px solid var(--line); background: var(--page); }
pre.code { margin: 0; padding: 0.6rem 0.8rem; overflow-x: auto; background: var(--code);
  white-space: pre-wrap; overflow-wrap: anywhere; }
"""


def to_html(conversation: Conversation, options: ExportOptions = EVERYDAY) -> str:
    """The conversation as an HTML document that shows the same in any browser, offline."""
    title = escape(title_of(conversation))
    body = [f"<h1>{title}</h1>"]
    if conversation.system_prompt:
        body.append(_system(conversation.system_prompt))
    shown = sections(conversation, options.all_branches)
    for section in shown:
        body += _section(section, options)
    return _page(title, "\n".join(body))


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_CSS}{code_css()}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _system(prompt: str) -> str:
    meta = f'<div class="meta"><span class="role">{SYSTEM_PROMPT}</span></div>'
    return f'<section class="message system">{meta}{_plain(prompt)}</section>'


def _section(section: Section, options: ExportOptions) -> list[str]:
    messages = [_article(message, options) for message in section.messages]
    if section.total == 1:
        return messages
    head = f"<h2>{escape(section_title(section))}</h2>"
    note = f'<p class="departure">{escape(departure(section))}</p>'
    return ['<section class="branch">', head, note, *messages, "</section>"]


def _article(message: Message, options: ExportOptions) -> str:
    parts = [meta_html(message)]
    if options.reasoning and message.reasoning.strip():
        parts.append(reasoning_html(message))
    parts.append(message_html(message))
    if note := note_of(message):
        parts.append(f'<p class="note">{escape(note)}</p>')
    if end := ending(message):
        parts.append(f'<p class="ending">{escape(end)}</p>')
    role = escape(message.role, quote=True)
    state = escape(message.state.value, quote=True)
    return f'<article class="message {role} {state}">{"".join(parts)}</article>'


def meta_html(message: Message) -> str:
    """The line above a message: its role, local time, and for a reply provider and model."""
    role, *rest = (escape(part) for part in header_parts(message))
    details = "".join(f" · {part}" for part in rest)
    return f'<div class="meta"><span class="role">{role}</span>{details}</div>'


def reasoning_html(message: Message, *, inline_styles: bool = False) -> str:
    """The model's reasoning, rendered, in a collapsed block."""
    inner = markdown_html(clean(message.reasoning), inline_styles=inline_styles)
    summary = f"<summary>{REASONING}</summary>"
    return f'<details class="reasoning">{summary}<div class="markdown">{inner}</div></details>'


def message_html(message: Message, *, inline_styles: bool = False) -> str:
    """A message's text as an HTML fragment: a reply's Markdown rendered, anything else
    (what the user typed, a system prompt) as escaped text with its line breaks kept.

    ``inline_styles``: styled by attributes rather than classes (for Qt's text engine).
    """
    if message.role == "assistant":
        rendered = markdown_html(clean(message.content), inline_styles=inline_styles)
        return f'<div class="markdown">{rendered}</div>'
    return _plain(message.content, inline_styles=inline_styles)


def _plain(text: str, *, inline_styles: bool = False) -> str:
    body = escape(clean(text).rstrip("\r\n"))
    if inline_styles:
        return f'<p style="{PLAIN_STYLE}">{body}</p>'
    return f'<p class="plain">{body}</p>'
