"""Rendered Markdown in the pane's document: finished pieces of HTML written once, the
unfinished tail rewritten on each update, and a long message spread over frames of its own
(Qt lays out a whole frame again when anything in it changes, so no frame may grow long)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtGui import (
    QBrush,
    QTextBlock,
    QTextCursor,
    QTextDocument,
    QTextFrame,
    QTextFrameFormat,
)

if TYPE_CHECKING:
    from chat.markdown.pane import PaneMarkdown
    from chat.markdown.stream import MarkdownStream, Update

SEGMENT_HTML = 24_000
"""A frame of a message takes finished pieces until they hold this much HTML (about 8,000
positions of text; counted in HTML, so that where a frame ends depends only on the pieces,
never on how the text was cut). Measured (PySide6 6.11): an update costs the same at
20,000 characters in one frame and at 600,000 in frames of 8,000 positions, but 2.7 times
as much at 150,000 in one frame."""
GROUP_HTML = 4_000
"""Finished pieces are inserted together up to this much HTML: one insertion costs about
0.08 ms more than its HTML (measured, PySide6 6.11), and an update may hold a few dozen."""
_ZERO_WIDTH_PARAGRAPH = "<p>&#8203;</p>"


def insert_piece(document: QTextDocument, at: int, html: str) -> int:
    """Insert ``html`` as blocks of their own after ``at`` (the end of a block's text);
    the number of positions it took."""
    # WORKAROUND for Qt's QTextCursor::insertHtml: the fragment's first block is merged into
    # the block at the cursor, losing its block format (a heading its size and margins, a
    # paragraph its spacing). A zero-width paragraph is merged instead, then taken out.
    cursor = QTextCursor(document)
    cursor.setPosition(at)
    before = cursor.block()
    kept = before.blockFormat() if not before.text() else None  # an empty block takes the
    # fragment's block format: a rule (<hr>) would lose its line
    cursor.insertHtml(_ZERO_WIDTH_PARAGRAPH + html.rstrip())  # a last "\n" would be a space
    end = cursor.position()
    cursor.setPosition(at)
    cursor.setPosition(at + 1, QTextCursor.MoveMode.KeepAnchor)
    cursor.removeSelectedText()
    if kept is not None and cursor.blockFormat() != kept:
        cursor.setBlockFormat(kept)
    return end - 1 - at


def remove(document: QTextDocument, start: int, length: int) -> None:
    """Take out ``length`` positions from ``start``; the block at ``start`` keeps its format
    (Qt would give it the format of the last block taken out)."""
    cursor = QTextCursor(document)
    cursor.setPosition(start)
    kept = cursor.blockFormat()
    cursor.setPosition(start + length, QTextCursor.MoveMode.KeepAnchor)
    cursor.removeSelectedText()
    if cursor.blockFormat() != kept:
        cursor.setBlockFormat(kept)


def hide(block: QTextBlock) -> None:
    """Take an empty structural block (one a frame needs beside it) out of the layout."""
    if block.isValid() and not block.text() and block.isVisible():
        block.setVisible(False)
        block.document().markContentsDirty(block.position(), block.length())


class PieceWriter:
    """Writes a message's pieces after ``origin()`` in ``frame``; with ``segmented``, past
    ``SEGMENT_HTML`` of finished pieces the next pieces go into a frame of their own at
    the end of ``frame`` (no border, no padding: they read as one message)."""

    def __init__(
        self,
        frame: QTextFrame,
        origin: Callable[[], int],
        *,
        segmented: bool,
        wrap: Callable[[str], str] | None = None,
    ) -> None:
        self._frame = frame
        self._origin = origin
        self._segmented = segmented
        self._wrap = wrap
        self._segments: list[QTextFrame] = []
        self._frozen = 0
        """Positions of the finished pieces in the current frame."""
        self._frozen_html = 0
        """Their HTML's length."""
        self._tail = 0

    @property
    def length(self) -> int:
        """The positions taken in ``frame`` itself, before any frame of its own."""
        return self._frozen + self._tail if not self._segments else -1

    @property
    def end(self) -> int:
        """Where the last piece ends."""
        return self._start() + self._frozen + self._tail

    @property
    def segments(self) -> int:
        return len(self._segments)

    def _start(self) -> int:
        return self._segments[-1].firstPosition() if self._segments else self._origin()

    def apply(self, update: Update) -> None:
        """Write an update: its finished pieces and its new tail, in one edit of the
        document (Qt lays the changed part out once, not once per piece)."""
        edit = QTextCursor(self._frame.document())
        edit.beginEditBlock()
        try:
            self._apply(update)
        finally:
            edit.endEditBlock()

    def _apply(self, update: Update) -> None:
        document = self._frame.document()
        if self._wrap is not None:
            wrap = self._wrap
            update = replace(
                update,
                frozen=tuple(wrap(piece) for piece in update.frozen),
                tail=update.tail and wrap(update.tail),
            )
        if self._tail:
            remove(document, self._start() + self._frozen, self._tail)
            self._tail = 0
        for group, new_frame in self._groups(update.frozen):
            if new_frame:
                self._add_segment()
            self._frozen += insert_piece(document, self._start() + self._frozen, group)
        if update.tail:
            self._tail = insert_piece(document, self._start() + self._frozen, update.tail)

    def clear(self) -> None:
        """Take every piece out (the frames of its own too)."""
        start = self._origin()
        end = self._frame.lastPosition() if self._segments else self.end
        remove(self._frame.document(), start, end - start)
        self._segments.clear()
        self._frozen = self._frozen_html = self._tail = 0

    def _add_segment(self) -> None:
        cursor = QTextCursor(self._frame.document())
        cursor.setPosition(
            self.end if not self._segments else self._segments[-1].lastPosition() + 1
        )
        fmt = QTextFrameFormat()
        fmt.setBorder(0)
        fmt.setPadding(0)
        fmt.setMargin(0)
        fmt.setBackground(QBrush())
        segment = cursor.insertFrame(fmt)
        hide(segment.firstCursorPosition().block())
        hide(segment.lastCursorPosition().block().next())  # the block a frame needs after it
        self._segments.append(segment)
        self._frozen = 0

    def _groups(self, pieces: tuple[str, ...]) -> list[tuple[str, bool]]:
        """``pieces`` joined in runs of about GROUP_HTML characters, each with whether it
        starts a frame of its own (a piece is whole blocks, so a run of them inserts as
        they do one by one)."""
        groups: list[tuple[str, bool]] = []
        run: list[str] = []
        size, new_frame = 0, False
        for piece in pieces:
            if self._segmented and self._frozen_html >= SEGMENT_HTML:
                if run:
                    groups.append(("".join(run), new_frame))
                run, size, new_frame = [], 0, True
                self._frozen_html = 0
            run.append(piece)
            size += len(piece)
            self._frozen_html += len(piece)
            if size >= GROUP_HTML:
                groups.append(("".join(run), new_frame))
                run, size, new_frame = [], 0, False
        if run:
            groups.append(("".join(run), new_frame))
        return groups


class MarkdownBody:
    """A message's Markdown, streamed or whole, written into the document by a writer."""

    def __init__(self, markdown: PaneMarkdown, writer: PieceWriter, key: str) -> None:
        self._markdown = markdown
        self._key = key
        self.writer = writer
        self._stream = _stream(markdown, key)
        self.finished = False

    def append(self, text: str) -> None:
        self.writer.apply(self._stream.feed(text))

    def finish(self) -> None:
        if not self.finished:
            self.finished = True
            self.writer.apply(self._stream.finish())

    def clear(self) -> None:
        self.writer.clear()
        self._stream = _stream(self._markdown, self._key)
        self.finished = False

    def code(self, index: int) -> str | None:
        return self._stream.code(index)


def _stream(markdown: PaneMarkdown, key: str) -> MarkdownStream:
    from chat.markdown.stream import MarkdownStream  # with the parser: once it is needed

    return MarkdownStream(markdown, key)
