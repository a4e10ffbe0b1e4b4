"""The conversation pane: user and assistant messages in one Qt text document."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QTextBlock,
    QTextCharFormat,
    QTextCursor,
    QTextFrame,
    QTextFrameFormat,
)
from PySide6.QtWidgets import QTextBrowser, QWidget

from chat.conversation import Conversation, Message, MessageState

if TYPE_CHECKING:
    from chat.session import Reply

TEXT = "#1f2328"
MUTED = "#5f6b7a"
USER_BACKGROUND = "#dbe8fb"
ASSISTANT_BACKGROUND = "#f3f4f6"
ERROR_BACKGROUND = "#fde7e7"
ERROR_BORDER = "#c62828"
ERROR_TEXT = "#8e1111"
INTERRUPTED = "Interrupted: Parley closed before this reply had finished; the text is what came."
CUT_OFF = "This reply is still arriving in another Parley window, or was cut off."
SIDE_GAP = 72  # a message leaves this much room on the far side, so the two roles stand apart


def _char(
    color: str, *, bold: bool = False, italic: bool = False, small: bool = False
) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QBrush(QColor(color)))
    if bold:
        fmt.setFontWeight(QFont.Weight.DemiBold)
    fmt.setFontItalic(italic)
    if small:
        fmt.setProperty(QTextCharFormat.Property.FontSizeAdjustment, -1)
    return fmt


def _frame(background: str, *, left: int = 0, right: int = 0, border: str = "") -> QTextFrameFormat:
    fmt = QTextFrameFormat()
    fmt.setBackground(QBrush(QColor(background)))
    fmt.setPadding(10)
    fmt.setTopMargin(6)
    fmt.setBottomMargin(6)
    fmt.setLeftMargin(left)
    fmt.setRightMargin(right)
    if border:
        fmt.setBorder(1)
        fmt.setBorderBrush(QBrush(QColor(border)))
        fmt.setBorderStyle(QTextFrameFormat.BorderStyle.BorderStyle_Solid)
    else:
        fmt.setBorder(0)
    return fmt


class ReplyBlock:
    """Where one assistant reply goes: its text, then an error or "Stopped" below it."""

    def __init__(self, view: ConversationView, frame: QTextFrame) -> None:
        self._view = view
        self._frame = frame
        heading = frame.firstCursorPosition().block()
        self._body_start = heading.position() + heading.length()
        """Where the reply's text starts (after its heading, notes and reasoning)."""
        self._reasoning_end: int | None = None
        """Where the next piece of reasoning goes; None until the first one."""

    def set_title(self, title: str) -> None:
        """Replace the reply's heading (the provider and model that really answered)."""
        cursor = self._frame.firstCursorPosition()
        if cursor.block().text() == title:
            return
        cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(title, self._view.header_format)

    def add_note(self, note: str) -> None:
        """A muted line under the heading: something to know about this reply."""
        with self._view.following():
            cursor = self._frame.firstCursorPosition()
            cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
            cursor.insertBlock()
            cursor.insertText(note, _char(MUTED, italic=True, small=True))
        self._body_start += len(note) + 1
        if self._reasoning_end is not None:
            self._reasoning_end += len(note) + 1

    def append_reasoning(self, text: str) -> None:
        """Add to the model's reasoning, shown muted above the answer."""
        with self._view.following():
            cursor = QTextCursor(self._view.document())
            if self._reasoning_end is None:
                cursor.setPosition(self._body_start)
                label = "Reasoning"
                cursor.insertText(label, _char(MUTED, bold=True, small=True))
                cursor.insertBlock()
                cursor.insertBlock()
                self._reasoning_end = self._body_start + len(label) + 1
                self._body_start += len(label) + 2
            cursor.setPosition(self._reasoning_end)
            cursor.insertText(text, _char(MUTED, italic=True))
        self._reasoning_end += len(text)
        self._body_start += len(text)

    def clear_text(self) -> None:
        """Take back the reply's text (it turned out to be the model's reasoning)."""
        cursor = QTextCursor(self._view.document())
        cursor.setPosition(self._body_start)
        cursor.setPosition(self._frame.lastPosition(), QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()

    def append(self, text: str) -> None:
        with self._view.following():
            self._frame.lastCursorPosition().insertText(text, self._view.body_format)

    def fail(self, error: str) -> None:
        """Show ``error`` in place of the rest of the reply, in the error style."""
        with self._view.following():
            cursor = self._frame.lastCursorPosition()
            body = cursor.block()
            error_frame = cursor.insertFrame(_frame(ERROR_BACKGROUND, border=ERROR_BORDER))
            cursor.insertText("Error  ", _char(ERROR_TEXT, bold=True))
            cursor.insertText(error, _char(ERROR_TEXT))
            # A frame sits between two blocks: hide the empty ones, not blank lines to the eye.
            if not body.text():
                _hide(body)
            _hide(error_frame.lastCursorPosition().block().next())

    def stop(self, text: str = "Stopped") -> None:
        """Mark the reply as stopped by the user (or cut off); its text stays."""
        with self._view.following():
            cursor = self._frame.lastCursorPosition()
            if cursor.block().text():
                cursor.insertBlock()
            cursor.insertText(text, _char(MUTED, italic=True))

    @property
    def position(self) -> int:
        return self._frame.firstPosition()


def _hide(block: QTextBlock) -> None:
    """Take an empty structural block (one a frame needs beside it) out of the layout."""
    if block.isValid() and not block.text() and block.isVisible():
        block.setVisible(False)
        block.document().markContentsDirty(block.position(), block.length())


class ConversationView(QTextBrowser):
    """A read-only transcript: each message a shaded frame, the user's and the assistant's
    on opposite sides; assistant text is appended as it streams."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenExternalLinks(True)
        self.setPlaceholderText("Start the conversation below.")
        self.document().setDocumentMargin(14)
        self.body_format = _char(TEXT)
        self.header_format = _char(MUTED, bold=True, small=True)
        self._positions: dict[str, int] = {}

    def show_conversation(
        self, conversation: Conversation, live: Reply | None = None
    ) -> ReplyBlock | None:
        """Replace the transcript with ``conversation``'s active branch. ``live`` is its reply
        still streaming, drawn as it stands; its block is returned, to go on in."""
        self.clear()
        self._positions = {}
        live_block = None
        for message in conversation.messages:
            if live is not None and message is live.message:
                live_block = self._show_live(live)
            else:
                self._show_message(message)
        return live_block

    def scroll_to(self, message_id: str) -> bool:
        """Bring ``message_id`` to the top of the view; False when it is not shown."""
        if message_id not in self._positions:
            return False
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._positions[message_id])
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())  # so that the message can come to the top, not the bottom
        self.setTextCursor(cursor)
        self.ensureCursorVisible()
        return True

    def _show_live(self, live: Reply) -> ReplyBlock:
        message = live.message
        block = self.begin_reply(reply_title(message.provider or "Assistant", message.model))
        if message.note:
            block.add_note(message.note)
        if live.reasoning:
            block.append_reasoning(live.reasoning)
        if live.text:
            block.append(live.text)
        self._positions[message.id] = block.position
        return block

    def _show_message(self, message: Message) -> None:
        if message.role == "user":
            self._positions[message.id] = self.add_user(message.content).firstPosition()
            return
        block = self.begin_reply(reply_title(message.provider or "Assistant", message.model))
        self._positions[message.id] = block.position
        if message.note:
            block.add_note(message.note)
        if message.reasoning:
            block.append_reasoning(message.reasoning)
        if message.content:
            block.append(message.content)
        if message.state is MessageState.FAILED:
            block.fail(str(message.error or "") or "The reply failed.")
        elif message.state is MessageState.CANCELLED:
            block.stop()
        elif message.state is MessageState.INTERRUPTED:
            block.stop(INTERRUPTED)
        elif message.state in (MessageState.PENDING, MessageState.STREAMING):
            block.stop(CUT_OFF)

    def add_user(self, text: str) -> QTextFrame:
        return self._add_frame("You", _frame(USER_BACKGROUND, left=SIDE_GAP), text)

    def begin_reply(self, title: str) -> ReplyBlock:
        """A new assistant message headed ``title``; its text arrives through the block."""
        frame = self._add_frame(title, _frame(ASSISTANT_BACKGROUND, right=SIDE_GAP), "")
        return ReplyBlock(self, frame)

    def _add_frame(self, title: str, fmt: QTextFrameFormat, text: str) -> QTextFrame:
        with self.following():
            cursor = QTextCursor(self.document())
            cursor.movePosition(QTextCursor.MoveOperation.End)
            frame = cursor.insertFrame(fmt)
            cursor.insertText(title, self.header_format)
            cursor.insertBlock()
            cursor.insertText(text, self.body_format)
            _hide(self.document().begin())  # the empty block before the first message
        return frame

    @contextmanager
    def following(self) -> Iterator[None]:
        """Keep the view scrolled to the bottom across a change if it was there before."""
        bar = self.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 4
        yield
        if at_bottom:
            bar.setValue(bar.maximum())


def reply_title(provider: str, model: str | None) -> str:
    return f"{provider} · {model}" if model else provider
