"""The line of actions under a message: copy, edit, regenerate, continue, delete, and the
‹ 2/3 › switcher between its versions, as links the pane handles itself."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import (
    QTextBlock,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
    QTextFrame,
)

from chat.conversation import Conversation, Message, MessageState

from .styles import LIGHT, Palette, char_format

ACTION_SCHEME = "parley-action"
FOOTER = QTextFormat.Property.UserProperty + 1
"""Set on the block format of an action line."""

TIPS = {
    "copy": "Copy the message as plain text",
    "markdown": "Copy the message as Markdown, as it was written",
    "edit": "Edit the message and send it again (the old version stays, ‹ › switches)",
    "regenerate": "Ask for another reply (Ctrl+R); the old one stays, ‹ › switches",
    "try": "Ask another provider or model for a reply",
    "retry": "Ask the same provider again",
    "continue": "Ask the model to go on from where the reply stopped",
    "delete": "Delete this message and what follows it",
    "previous": "Show the previous version",
    "next": "Show the next version",
}
"""What each action does, shown while the mouse rests on it."""


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    label: str


def cut_off(message: Message) -> bool:
    """A reply that stopped before its end: the user stopped it, Parley closed, or the
    service hit its length limit."""
    if message.role != "assistant" or not message.content:
        return False
    stopped = message.state in (MessageState.CANCELLED, MessageState.INTERRUPTED)
    return stopped or (message.state is MessageState.COMPLETE and message.finish_reason == "length")


def actions(conversation: Conversation, message: Message) -> list[Action]:
    """The actions a message offers, in the order they are shown."""
    if message.role == "user":
        found = [Action("copy", "Copy"), Action("edit", "Edit")]
    elif message.state is MessageState.FAILED:
        found = [Action("retry", "Retry"), Action("try", "Try with…")]
        if message.content:
            found.insert(0, Action("copy", "Copy"))
    else:
        found = [Action("copy", "Copy"), Action("markdown", "Copy Markdown")]
        if cut_off(message):
            found.append(Action("continue", "Continue"))
        found += [Action("regenerate", "Regenerate"), Action("try", "Try with…")]
    found.append(Action("delete", "Delete"))
    return found


def versions(conversation: Conversation, message: Message) -> tuple[int, int]:
    """Which version of its turn ``message`` is, and how many there are (1-based)."""
    siblings = conversation.siblings(message)
    return siblings.index(message) + 1, len(siblings)


def href(action: str, message_id: str) -> str:
    return f"{ACTION_SCHEME}:{action}/{message_id}"


def parse(path: str) -> tuple[str, str] | None:
    """(action, message id) from a link's path; None when it is not one of ours."""
    action, _, message_id = path.partition("/")
    if action not in TIPS or not message_id:
        return None
    return action, message_id


def add_footer(
    frame: QTextFrame, conversation: Conversation, message: Message, colours: Palette = LIGHT
) -> None:
    """Append the action line to the end of ``frame`` (a message's frame)."""
    cursor = frame.lastCursorPosition()
    spaced = QTextBlockFormat()
    spaced.setTopMargin(4)
    spaced.setProperty(FOOTER, True)
    plain = char_format(colours.muted, small=True)
    cursor.insertBlock(spaced, plain)
    index, count = versions(conversation, message)
    if count > 1:
        _link(cursor, "‹", href("previous", message.id), colours, enabled=index > 1)
        cursor.insertText(f" {index}/{count} ", plain)
        _link(cursor, "›", href("next", message.id), colours, enabled=index < count)
        cursor.insertText("   ", plain)
    for number, action in enumerate(actions(conversation, message)):
        if number:
            cursor.insertText("  ·  ", plain)
        _link(cursor, action.label, href(action.name, message.id), colours)


def is_footer(block: QTextBlock) -> bool:
    return bool(block.blockFormat().property(FOOTER))


def _link(
    cursor: QTextCursor, text: str, target: str, colours: Palette, *, enabled: bool = True
) -> None:
    fmt = char_format(colours.link if enabled else colours.muted, small=True)
    if enabled:
        fmt.setAnchor(True)
        fmt.setAnchorHref(target)
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.NoUnderline)
    cursor.insertText(text, fmt)
