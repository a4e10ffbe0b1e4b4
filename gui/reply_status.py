"""The status line's account of the reply on screen: provider and model, time to the first
token, tokens per second, time taken, and the token usage when the service told it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget

if TYPE_CHECKING:
    from chat.conversation import Message
    from chat.session import Reply

TICK_MS = 250
CHARS_PER_TOKEN = 4.0
"""For a rate while the reply streams, before the service counts its tokens."""


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 60 else f"{int(value // 60)} min {int(value % 60)} s"


def figures(message: Message, *, text: str, elapsed: float | None, live: bool) -> str:
    """The line for ``message``: ``text`` is its answer so far and ``elapsed`` the seconds
    since it was asked for (None when unknown)."""
    parts = [" · ".join(filter(None, (message.provider, message.model))) or "Assistant"]
    first = message.first_token_s
    if first is not None:
        parts.append(f"first token {_seconds(first)}")
    completion = message.usage.get("completion_tokens") if not live else None
    streaming_s = (elapsed - first) if elapsed is not None and first is not None else None
    if streaming_s and streaming_s > 0.05:
        if completion:
            parts.append(f"{completion / streaming_s:.0f} tokens/s")
        elif text:
            parts.append(f"≈{len(text) / CHARS_PER_TOKEN / streaming_s:.0f} tokens/s")
    if elapsed is not None:
        parts.append(_seconds(elapsed) + (" so far" if live else ""))
    prompt = message.usage.get("prompt_tokens")
    if not live and (prompt or completion):
        parts.append(f"{prompt or 0:,} in, {completion or 0:,} out tokens")
    return " · ".join(parts)


class ReplyStatus(QLabel):
    """Shows the figures of the conversation's last reply, live while it streams."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Reply figures")
        self.setToolTip("The reply on screen: who answered, how fast, and the tokens it took")
        self._reply: Reply | None = None
        self._started = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)

    def follow(self, reply: Reply) -> None:
        """Show ``reply`` as it streams."""
        self._reply = reply
        self._started = time.monotonic()
        self._timer.start()
        self.tick()

    def show_message(self, message: Message | None) -> None:
        """Show the figures of a reply that has ended (None: nothing to show)."""
        self._reply = None
        self._timer.stop()
        if message is None or message.role != "assistant":
            self.clear()
            return
        self.setText(figures(message, text=message.content, elapsed=message.duration_s, live=False))

    def tick(self) -> None:
        if self._reply is None:
            return
        message = self._reply.message
        elapsed = time.monotonic() - self._started
        self.setText(figures(message, text=self._reply.text, elapsed=elapsed, live=True))
