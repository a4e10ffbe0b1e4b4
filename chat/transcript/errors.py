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
        """The sentence, then where and what: "… choose one of those. At byte 12: a list"."""
        place = f"At {self.where}" if self.where else ""
        said = ": ".join(filter(None, (place, self.detail)))
        return f"{self.sentence} {said[:1].upper()}{said[1:]}" if said else self.sentence
