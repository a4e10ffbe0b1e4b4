"""Reasoning sent inline in the answer text, as ``<think>…</think>`` at its start."""

from __future__ import annotations

from .types import AnswerWasReasoning, Chunk, Reasoning

OPEN, CLOSE = "<think>", "</think>"
LOOK_CHARS = 65536
"""How much answer text is watched for a closing tag that had no opening one."""


class ThinkSplitter:
    """Splits answer text into reasoning and answer as it streams.

    LM Studio and many local models put their reasoning first, inside ``<think>…</think>``.
    Some chat templates write the opening tag into the prompt, so the reply starts inside
    the reasoning and only ``</think>`` arrives: then what was given out as answer so far
    is taken back as reasoning (``AnswerWasReasoning``). Only the start of a reply is
    looked at; a tag later in an answer is text.
    """

    def __init__(self) -> None:
        self._state = "start"  # start -> (thinking ->) after -> answer
        self._held = ""  # text that may be the start of a tag
        self._answered = 0  # characters given out as answer while no tag was seen

    def feed(self, text: str) -> list[Chunk]:
        if self._state == "answer":
            return [text]
        if self._state == "start" and self._answered and not self._held and "<" not in text:
            self._answered += len(text)  # no tag can start in it: the common case, made quick
            if self._answered > LOOK_CHARS:
                self._state = "answer"
            return [text]
        if self._state == "after":  # the blank lines after </think> are not the answer
            text = text.lstrip("\r\n")
            if text:
                self._state = "answer"
            return [text] if text else []
        text = self._held + text
        self._held = ""
        if self._state == "start":
            return self._at_start(text)
        return self._thinking(text)

    def _at_start(self, text: str) -> list[Chunk]:
        if self._answered == 0:
            body = text.lstrip()
            if body.startswith(OPEN):
                self._state = "thinking"
                return self._thinking(body[len(OPEN) :])
            if OPEN.startswith(body):  # "", or a part of "<think>": wait for more
                self._held = text
                return []
        close = text.find(CLOSE)
        if close != -1:  # reasoning with no opening tag: what came so far was reasoning
            taken: list[Chunk] = [AnswerWasReasoning()] if self._answered else []
            return [*taken, *self._closed(text[:close], text[close + len(CLOSE) :])]
        keep = _partial_tag(text, CLOSE)
        if self._answered + len(text) - keep > LOOK_CHARS:  # a long answer: a tag is text
            self._state = "answer"  # from here on, so nothing is held back out of order
            keep = 0
        self._held = text[len(text) - keep :] if keep else ""
        shown = text[: len(text) - keep]
        self._answered += len(shown)
        return [shown] if shown else []

    def _thinking(self, text: str) -> list[Chunk]:
        close = text.find(CLOSE)
        if close != -1:
            return self._closed(text[:close], text[close + len(CLOSE) :])
        keep = _partial_tag(text, CLOSE)
        self._held = text[len(text) - keep :] if keep else ""
        thought = text[: len(text) - keep]
        return [Reasoning(thought)] if thought else []

    def _closed(self, thought: str, rest: str) -> list[Chunk]:
        """The reasoning has ended: ``thought`` is its last piece, ``rest`` the answer's first."""
        rest = rest.lstrip("\r\n")
        self._state = "answer" if rest else "after"
        return _pieces(Reasoning(thought), rest)

    def finish(self) -> list[Chunk]:
        """What is still held back when the stream ends."""
        held, self._held = self._held, ""
        if not held:
            return []
        if self._state == "thinking":
            return [Reasoning(held)]
        return [held] if held.strip() or self._answered else []


def _partial_tag(text: str, tag: str) -> int:
    """How many characters at the end of ``text`` could begin ``tag``."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


def _pieces(reasoning: Reasoning, answer: str) -> list[Chunk]:
    pieces: list[Chunk] = [reasoning] if reasoning.text else []
    if answer:
        pieces.append(answer)
    return pieces
