"""Where one assistant reply goes in the pane: its heading and notes, its reasoning, its
answer rendered as Markdown as it streams, then an error or "Stopped" below it."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from PySide6.QtGui import QTextBlockFormat, QTextCursor, QTextFrame

from chat.conversation import Message

from .message_render import MarkdownBody, PieceWriter, hide
from .reasoning_section import ReasoningSection
from .styles import char_format, frame_format

if TYPE_CHECKING:
    from .conversation_view import ConversationView


def reasoning_seconds(message: Message) -> float | None:
    """How long the model reasoned: as measured, or else, for a reply that never got to its
    answer, from its times (replies saved before the measure was kept have only those)."""
    if message.reasoning_s is not None:
        return message.reasoning_s
    if message.content or message.duration_s is None or message.first_token_s is None:
        return None
    return max(0.0, message.duration_s - message.first_token_s)


class ReplyBlock:
    """One reply in the view, whether it streams now or comes from the store: both go
    through the same steps, so they look the same."""

    def __init__(self, view: ConversationView, frame: QTextFrame, key: str) -> None:
        self._view = view
        self._frame = frame
        self.key = key
        self._notes = 0
        """Positions the notes under the heading take."""
        self.reasoning = ReasoningSection(
            frame, self._notes_end, view.markdown, f"{key}r", view.clock
        )
        writer = PieceWriter(frame, self._answer_origin, segmented=True)
        self._answer = MarkdownBody(view.markdown, writer, key)

    def _notes_end(self) -> int:
        title = self._frame.firstCursorPosition().block()
        return title.position() + title.length() - 1 + self._notes

    def _answer_origin(self) -> int:
        return self._notes_end() + self.reasoning.length

    @property
    def position(self) -> int:
        return self._frame.firstPosition()

    @property
    def frame(self) -> QTextFrame:
        return self._frame

    def batch(self) -> AbstractContextManager[None]:
        """Changes to draw as one: the view follows the stream once, at the end."""
        return self._view.batch()

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
            cursor = QTextCursor(self._frame.document())
            start = self._notes_end()
            cursor.setPosition(start)
            muted = self._view.colours.muted
            cursor.insertBlock(QTextBlockFormat(), char_format(muted))
            cursor.insertText(note, char_format(muted, italic=True, small=True))
            self._notes += cursor.position() - start

    def append_reasoning(self, text: str) -> None:
        """Add to the model's reasoning, shown open above the answer while it streams."""
        with self._view.following():
            self.reasoning.append(text)

    def show_reasoning(self, text: str, seconds: float | None, *, expanded: bool) -> None:
        """Reasoning that has ended, as a stored reply has it."""
        self.reasoning.show(text, seconds, expanded=expanded)

    def clear_text(self) -> None:
        """Take back the reply's text (it turned out to be the model's reasoning)."""
        self._answer.clear()
        self.reasoning.resume()

    def append(self, text: str) -> None:
        """More of the answer arrived: the reasoning above folds away."""
        with self._view.following():
            self.reasoning.end(fold=True)
            self._answer.append(text)

    def finish(self) -> None:
        """The reply ended: render what is left of its text for good."""
        with self._view.following():
            self.reasoning.end(fold=False)
            self._answer.finish()

    def shown_text(self) -> str:
        """The answer as the pane shows it, in plain text (no reasoning, notes or error)."""
        cursor = QTextCursor(self._frame.document())
        cursor.setPosition(self._answer_origin())
        cursor.setPosition(self._answer.writer.end, QTextCursor.MoveMode.KeepAnchor)
        return cursor.selection().toPlainText().strip()

    def code(self, part: str, index: int) -> str | None:
        """The source of a code block: of the answer, or of the reasoning (``part`` "r")."""
        return self.reasoning.code(index) if part == "r" else self._answer.code(index)

    def fail(self, error: str) -> None:
        """Show ``error`` in place of the rest of the reply, in the error style."""
        self.finish()
        with self._view.following():
            cursor = QTextCursor(self._frame.document())
            cursor.setPosition(self._answer.writer.end)
            body = cursor.block()
            colours = self._view.colours
            error_format = frame_format(colours.error_background, border=colours.error_border)
            error_frame = cursor.insertFrame(error_format)
            cursor.insertText("Error  ", char_format(colours.error_text, bold=True))
            cursor.insertText(error, char_format(colours.error_text))
            # A frame sits between two blocks: hide the empty ones, not blank lines to the eye.
            if not body.text():
                hide(body)
            hide(error_frame.lastCursorPosition().block().next())

    def stop(self, text: str = "Stopped") -> None:
        """Mark the reply as stopped by the user (or cut off); its text stays."""
        self.finish()
        with self._view.following():
            cursor = QTextCursor(self._frame.document())
            cursor.setPosition(self._answer.writer.end)
            if cursor.block().text():
                cursor.insertBlock(QTextBlockFormat(), char_format(self._view.colours.muted))
            cursor.insertText(text, char_format(self._view.colours.muted, italic=True))
