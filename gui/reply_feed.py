"""A reply's observer for the window: it buffers text, and the window's frame tick flushes it."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum

from chat.conversation import ReplyError
from chat.session import Reply, ReplyObserver

from .conversation_view import ReplyBlock, reply_title

FLUSH_BUDGET_S = 0.008
"""Drawing time per frame at most (a frame is 16 ms): the rest waits for the next frame, so
input and the stream are never held up behind a burst of text."""
STEP_CHARS = 600
"""Text drawn in one step of a frame's drawing."""


class Outcome(Enum):
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ReplyFeed(ReplyObserver):
    """Collects what a reply reports; ``flush`` (on the frame tick) puts it into the view.

    Writing each chunk into the document as it arrives starves Qt on a fast stream
    (../shared/TOOLCHAIN.md): text is only appended here and shown at most once a frame.
    ``on_end`` hears the outcome at once, before it is shown.
    """

    def __init__(
        self,
        block: ReplyBlock | None,
        on_end: Callable[[Outcome], None],
        on_status: Callable[[str], None] | None = None,
    ) -> None:
        self._block = block
        self._on_end = on_end
        self._on_status = on_status
        self._pending: list[str] = []
        self._pending_reasoning: list[str] = []
        self._reasoning_seen = 0
        self._outcome: Outcome | None = None
        self._error = ""
        self._reply: Reply | None = None
        self._shown_note = ""
        self._retract = False

    @property
    def outcome(self) -> Outcome | None:
        return self._outcome

    def attach(self, block: ReplyBlock | None) -> None:
        """Show the reply in ``block`` from now on (None: it is not on screen). A new block
        was drawn from the reply as it stands, so what waited is in it already."""
        self._block = block
        self._pending.clear()
        self._pending_reasoning.clear()
        self._retract = False
        if self._reply is not None:
            self._shown_note = self._reply.message.note

    def reply_started(self, reply: Reply) -> None:
        self._reply = reply

    def reply_text(self, reply: Reply, text: str) -> None:
        self._pending.append(text)

    def reply_reasoning(self, reply: Reply, text: str) -> None:
        self._pending_reasoning.append(text)
        self._reasoning_seen += len(text)

    def reply_text_was_reasoning(self, reply: Reply) -> None:
        moved = reply.reasoning[self._reasoning_seen :]  # the text shown as answer so far
        self._pending.clear()
        self._pending_reasoning.append(moved)
        self._reasoning_seen += len(moved)
        self._retract = True

    def reply_finished(self, reply: Reply) -> None:
        self._end(Outcome.FINISHED)

    def reply_failed(self, reply: Reply, error: ReplyError) -> None:
        self._end(Outcome.FAILED, str(error))

    def reply_retrying(self, reply: Reply, error: ReplyError, delay: float) -> None:
        if self._on_status is not None:
            self._on_status(f"{error} Trying once more in {delay:g} s.")

    def reply_cancelled(self, reply: Reply) -> None:
        self._end(Outcome.CANCELLED)

    def abort(self, error: str) -> None:
        """End the reply as failed with ``error`` unless it has already ended."""
        if self._outcome is None:
            self._end(Outcome.FAILED, error)

    def _end(self, outcome: Outcome, error: str = "") -> None:
        self._outcome = outcome
        self._error = error
        self._on_end(outcome)

    def _show_note(self, note: str) -> None:
        """Show what was added to the reply's note since the last tick."""
        if note == self._shown_note:
            return
        added = note.removeprefix(self._shown_note).strip()
        self._block.add_note(added or note)
        self._shown_note = note

    def flush(self) -> bool:
        """Show the text that arrived since the last tick; True once the outcome is shown."""
        if self._block is None:
            self._pending.clear()
            self._pending_reasoning.clear()
            return self._outcome is not None
        if self._reply is not None:  # the provider may say who really answered
            self._block.set_title(_title(self._reply))
            self._show_note(self._reply.message.note)
        if self._retract:
            self._block.clear_text()
            self._retract = False
        deadline = time.perf_counter() + FLUSH_BUDGET_S
        with self._block.batch():
            if self._pending_reasoning:
                self._pending_reasoning = _drawn(
                    self._pending_reasoning, self._block.append_reasoning, deadline
                )
            if self._pending and not self._pending_reasoning:
                self._pending = _drawn(self._pending, self._block.append, deadline)
        if self._pending or self._pending_reasoning:
            return False  # the rest, and then the outcome, in the next frames
        if self._outcome is Outcome.FAILED:
            self._block.fail(self._error)
        elif self._outcome is Outcome.CANCELLED:
            self._block.stop()
        elif self._outcome is Outcome.FINISHED:
            self._block.finish()
        return self._outcome is not None


def _drawn(pending: list[str], draw: Callable[[str], None], deadline: float) -> list[str]:
    """Draw ``pending`` text in steps until ``deadline``; what is left to draw."""
    text = "".join(pending)
    at = 0
    while at < len(text):
        draw(text[at : at + STEP_CHARS])
        at += STEP_CHARS
        if time.perf_counter() >= deadline:
            break
    return [text[at:]] if at < len(text) else []


def _title(reply: Reply) -> str:
    """The heading of ``reply``: the provider (its label) and the model that answered."""
    message, provider = reply.message, reply.current
    name = provider.get_label() if message.provider == provider.name else message.provider
    return reply_title(name or "Assistant", message.model)
