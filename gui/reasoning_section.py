"""A reply's reasoning in the pane: a "Thinking…" header that folds it away, open while it
streams and folded once the answer starts, saying how long and how much it was."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QBrush, QColor, QFont, QTextBlockFormat, QTextCharFormat, QTextCursor

from .message_render import MarkdownBody, PieceWriter

if TYPE_CHECKING:
    from PySide6.QtGui import QTextFrame

    from chat.markdown.pane import PaneMarkdown

REASONING_SCHEME = "parley-reasoning"
"""The header's link: ``parley-reasoning:<key>`` folds or unfolds that reply's reasoning."""


def seconds_text(seconds: float) -> str:
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    return f"{whole // 60} min {whole % 60} s"


def header_text(*, chars: int, seconds: float | None, done: bool, expanded: bool) -> str:
    """What the header says, e.g. "▸ Thought for 12 s · 1,234 characters"."""
    arrow = "▾" if expanded else "▸"
    size = f"{chars:,} character{'' if chars == 1 else 's'}"
    if not done:
        took = f" {seconds_text(seconds)}" if seconds is not None and seconds >= 1 else ""
        return f"{arrow} Thinking…{took} · {size}"
    if seconds is None:
        return f"{arrow} Reasoning · {size}"
    return f"{arrow} Thought for {seconds_text(seconds)} · {size}"


class ReasoningSection:
    """The reasoning of one reply, after ``origin()`` in its frame."""

    def __init__(
        self,
        frame: QTextFrame,
        origin: Callable[[], int],
        markdown: PaneMarkdown,
        key: str,
        clock: Callable[[], float],
    ) -> None:
        self._frame = frame
        self._origin = origin
        self._markdown = markdown
        self.key = key
        self._clock = clock
        self._parts: list[str] = []
        self._chars = 0
        self._header = 0
        """Positions the header takes (0: no reasoning yet)."""
        self._body: MarkdownBody | None = None
        self._started: float | None = None
        self.seconds: float | None = None
        self.done = False
        self.expanded = True

    @property
    def length(self) -> int:
        """The positions it takes in the frame."""
        return self._header + (self._body.writer.length if self._body is not None else 0)

    @property
    def shown(self) -> bool:
        return self._header > 0

    def append(self, text: str) -> None:
        """More reasoning arrived (open unless folded by hand)."""
        if self._started is None:
            self._started = self._clock()
        self._parts.append(text)
        self._chars += len(text)
        if not self._header:
            self._insert_header()
            self._body = self._new_body()
        if self._body is not None:
            self._body.append(text)
        self._update_header()

    def show(self, text: str, seconds: float | None, *, expanded: bool) -> None:
        """Reasoning that has ended (a reply from the store), open or folded."""
        self._parts, self._chars = [text], len(text)
        self.done, self.seconds, self.expanded = True, seconds, expanded
        self._insert_header()
        if expanded:
            self._expand()
        self._update_header()

    def end(self, *, fold: bool) -> None:
        """The reasoning ended (the answer started, or the reply ended); ``fold`` it away."""
        if not self._header or self.done:
            return
        self.done = True
        if self._started is not None:
            self.seconds = self._clock() - self._started
        if self._body is not None:
            self._body.finish()
        if fold:
            self._fold()
        self._update_header()

    def resume(self) -> None:
        """It goes on after all (the answer so far was reasoning): open again."""
        if self._header and self.done:
            self.done = False
            if not self.expanded:
                self._expand()
            self._update_header()

    def toggle(self) -> None:
        if not self._header:
            return
        if self.expanded:
            self._fold()
        else:
            self._expand()
        self._update_header()

    def code(self, index: int) -> str | None:
        return self._body.code(index) if self._body is not None else None

    def _new_body(self) -> MarkdownBody:
        writer = PieceWriter(
            self._frame,
            lambda: self._origin() + self._header,
            segmented=False,
            wrap=functools.partial(_muted, colour=self._markdown.theme.muted),
        )
        return MarkdownBody(self._markdown, writer, self.key)

    def _fold(self) -> None:
        if self._body is not None:
            self._body.clear()
            self._body = None
        self.expanded = False

    def _expand(self) -> None:
        self._body = self._new_body()
        self._body.append("".join(self._parts))
        if self.done:
            self._body.finish()
        self.expanded = True

    def _format(self) -> QTextCharFormat:
        fmt = QTextCharFormat()
        fmt.setForeground(QBrush(QColor(self._markdown.theme.muted)))
        fmt.setFontWeight(QFont.Weight.DemiBold)
        fmt.setProperty(QTextCharFormat.Property.FontSizeAdjustment, -1)
        fmt.setAnchor(True)
        fmt.setAnchorHref(f"{REASONING_SCHEME}:{self.key}")
        fmt.setToolTip("Show or hide the model's reasoning")
        return fmt

    def _insert_header(self) -> None:
        cursor = QTextCursor(self._frame.document())
        cursor.setPosition(self._origin())
        block = QTextBlockFormat()
        block.setTopMargin(4)
        start = self._origin()
        cursor.insertBlock(block, QTextCharFormat())
        cursor.insertText(self._text(), self._format())
        self._header = cursor.position() - start

    def _update_header(self) -> None:
        text = self._text()
        start = self._origin() + 1
        cursor = QTextCursor(self._frame.document())
        cursor.setPosition(start)
        cursor.setPosition(start + self._header - 1, QTextCursor.MoveMode.KeepAnchor)
        if cursor.selectedText() != text:
            cursor.insertText(text, self._format())
            self._header = cursor.position() - start + 1

    def _text(self) -> str:
        seconds = self.seconds
        if not self.done and self._started is not None:
            seconds = self._clock() - self._started
        return header_text(
            chars=self._chars, seconds=seconds, done=self.done, expanded=self.expanded
        )


def _muted(html: str, colour: str) -> str:
    return f'<div style="color: {colour}; margin-left: 14px">{html}</div>'
