"""Task lists: a list item starting ``[ ]`` or ``[x]`` shows a box, empty or ticked."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

UNCHECKED = "☐"
CHECKED = "☑"
_BOXES = {"[ ] ": False, "[x] ": True, "[X] ": True}


def _task_lists(state: StateCore) -> None:
    tokens = state.tokens
    for i in range(2, len(tokens)):
        inline = tokens[i]
        if (
            inline.type != "inline"
            or tokens[i - 1].type != "paragraph_open"
            or tokens[i - 2].type != "list_item_open"
            or not inline.children
        ):
            continue
        first = inline.children[0]
        checked = _BOXES.get(first.content[:4]) if first.type == "text" else None
        if checked is None:
            continue
        first.content = first.content[4:]
        box = Token("task_box", "", 0)
        box.meta = {"checked": checked}
        inline.children.insert(0, box)


def render_box(token: Token) -> str:
    return f"{CHECKED if token.meta['checked'] else UNCHECKED} "


def use_task_lists(md: MarkdownIt) -> None:
    """Teach ``md`` task lists (a ``task_box`` token first in the item's text)."""
    md.core.ruler.push("task_lists", _task_lists)
