"""Inline ``<think>`` reasoning, chunk by chunk: the exact pieces a reply gives for each way
a server cuts its text (the tags split anywhere, blank lines after the block, a long answer)."""

from __future__ import annotations

import pytest

from providers.reasoning import LOOK_CHARS, ThinkSplitter
from providers.types import AnswerWasReasoning, Chunk, Reasoning

TAKEN = AnswerWasReasoning()


def run(pieces: list[str]) -> list[Chunk]:
    """Every chunk the splitter gives for ``pieces``, the end of the stream included."""
    splitter = ThinkSplitter()
    chunks = [chunk for piece in pieces for chunk in splitter.feed(piece)]
    return chunks + splitter.finish()


@pytest.mark.parametrize(
    ("pieces", "chunks"),
    [
        (["<think>", "plan", "</th", "ink>", "\n\nAnswer"], [Reasoning("plan"), "Answer"]),
        (["<think>plan</", "think>Answer"], [Reasoning("plan"), "Answer"]),
        (["<think>plan</think", ">Answer"], [Reasoning("plan"), "Answer"]),
        (["<think>plan<", "/think>A"], [Reasoning("plan"), "A"]),
        (["<thi", "nk>a</think>b"], [Reasoning("a"), "b"]),
        ([" ", "<think>a</think>b"], [Reasoning("a"), "b"]),
        (["  <think>a</think>\n\nb"], [Reasoning("a"), "b"]),
        (["<think>", "a", "b", "</think>c"], [Reasoning("a"), Reasoning("b"), "c"]),
    ],
)
def test_an_opened_block_is_reasoning_wherever_its_tags_are_cut(
    pieces: list[str], chunks: list[Chunk]
) -> None:
    assert run(pieces) == chunks


def test_a_closing_tag_after_the_block_is_answer_text() -> None:
    assert run(["<think>a</think>b</think>c"]) == [Reasoning("a"), "b</think>c"]


@pytest.mark.parametrize(
    ("pieces", "chunks"),
    [
        (["<think>a</think>", "\n\n", "b"], [Reasoning("a"), "b"]),
        (
            ["<think>", "plan", "</think>", "\r\n", "\n", "Answer", " more"],
            [Reasoning("plan"), "Answer", " more"],
        ),
        (["<think>", "plan", "</think>", "\n\nAnswer\n"], [Reasoning("plan"), "Answer\n"]),
        (["<think>", "plan", "</think>Answer\n\n"], [Reasoning("plan"), "Answer\n\n"]),
        (["<think>a</think> b"], [Reasoning("a"), " b"]),
        (["<think>a</think>", " b"], [Reasoning("a"), " b"]),
        (["<think>a</think>", "\n\nXenon"], [Reasoning("a"), "Xenon"]),
        (["<think>a</think>\nXenon"], [Reasoning("a"), "Xenon"]),
        (["<think>a</think>b", "\nc"], [Reasoning("a"), "b", "\nc"]),
    ],
)
def test_only_the_blank_lines_right_after_the_block_are_dropped(
    pieces: list[str], chunks: list[Chunk]
) -> None:
    assert run(pieces) == chunks


@pytest.mark.parametrize(
    ("pieces", "chunks"),
    [
        (["Hi", " there</think>x"], ["Hi", TAKEN, Reasoning(" there"), "x"]),
        (["Hi </", "think>x"], ["Hi ", TAKEN, "x"]),
        (["Hi", "</think>", "\n\nAnswer"], ["Hi", TAKEN, "Answer"]),
        (["Hi", " a</think>b</think>c"], ["Hi", TAKEN, Reasoning(" a"), "b</think>c"]),
        (["plan</think>Answer"], [Reasoning("plan"), "Answer"]),
    ],
)
def test_a_block_with_no_opening_tag_takes_back_what_was_shown(
    pieces: list[str], chunks: list[Chunk]
) -> None:
    assert run(pieces) == chunks


@pytest.mark.parametrize(
    ("pieces", "chunks"),
    [
        (["<thi", "s is text"], ["<this is text"]),
        (["Answer with a <b>tag</b>"], ["Answer with a <b>tag</b>"]),
        (["<thi"], ["<thi"]),
        (["Hi", " <"], ["Hi", " ", "<"]),
        (["Hi", "</", "b"], ["Hi", "</b"]),
        ([" "], []),
        (["<think>", "plan </thi"], [Reasoning("plan "), Reasoning("</thi")]),
    ],
)
def test_text_held_back_as_a_possible_tag_is_given_back_as_it_was(
    pieces: list[str], chunks: list[Chunk]
) -> None:
    assert run(pieces) == chunks


LONG = "x" * LOOK_CHARS


@pytest.mark.parametrize(
    "pieces",
    [[LONG], ["x", "x" * (LOOK_CHARS - 1)]],
    ids=["in-one-piece", "in-many-pieces"],
)
def test_a_closing_tag_within_the_watched_length_still_ends_the_reasoning(
    pieces: list[str],
) -> None:
    assert run([*pieces, "</think>tail"])[len(pieces) :] == [TAKEN, "tail"]


@pytest.mark.parametrize(
    "pieces",
    [[LONG + "x"], ["x", LONG]],
    ids=["in-one-piece", "in-many-pieces"],
)
def test_a_closing_tag_past_the_watched_length_is_answer_text(pieces: list[str]) -> None:
    assert run([*pieces, "</think>tail"])[len(pieces) :] == ["</think>tail"]


def test_a_long_answer_cut_around_angle_brackets_stops_being_watched() -> None:
    pieces = ["x" * 40000 + "<b", "y" * 30000 + "<b", "</think>t"]
    assert run(pieces)[-1:] == ["</think>t"]


def test_text_held_when_the_watched_length_runs_out_stays_in_place() -> None:
    from providers.reasoning import LOOK_CHARS, ThinkSplitter

    long = "x" * (LOOK_CHARS + 1)
    splitter = ThinkSplitter()
    out = splitter.feed(long + "</thi") + splitter.feed("s is it") + splitter.finish()
    assert "".join(c for c in out if isinstance(c, str)) == long + "</this is it"
