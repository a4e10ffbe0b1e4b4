"""The transcript error in words: its sentence alone, with a place, a detail, or both."""

from __future__ import annotations

from chat.transcript.errors import TranscriptError


def test_a_sentence_alone_is_the_whole_message() -> None:
    error = TranscriptError("Choose another file.")
    assert str(error) == "Choose another file."
    assert (error.where, error.detail) == ("", "")


def test_a_detail_alone_follows_the_sentence_capitalised() -> None:
    assert str(TranscriptError("Choose another file.", detail="found a list")) == (
        "Choose another file. Found a list"
    )


def test_a_place_and_a_detail_follow_the_sentence_after_at() -> None:
    error = TranscriptError("Export it again.", where="byte 12", detail="found a list")
    assert str(error) == "Export it again. At byte 12: found a list"
    assert str(TranscriptError("Export it again.", where="byte 12")) == (
        "Export it again. At byte 12"
    )


def test_the_error_s_args_hold_its_whole_message() -> None:
    error = TranscriptError("Export it again.", where="byte 12", detail="found a list")
    assert error.args == ("Export it again. At byte 12: found a list",)
    assert repr(error) == "TranscriptError('Export it again. At byte 12: found a list')"
