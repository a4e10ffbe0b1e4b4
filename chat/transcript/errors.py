"""The one error an export or an import raises, saying what was wrong and where."""

from __future__ import annotations


class TranscriptError(Exception):
    """A file that cannot be imported or written. ``sentence`` says what to do; ``where``
    names the place (a file, a conversation, a byte offset) and ``detail`` what was found."""

    def __init__(self, sentence: str, *, where: str = "", detail: str = "") -> None:
        self.sentence = sentence
        self.where = where
        self.detail = detail
        super().__init__(str(self))

    def __str__(self) -> str:
        text = self.sentence
        if self.where:
            text += f" (at {self.where})"
        if self.detail:
            text += f": {self.detail}"
        return text
