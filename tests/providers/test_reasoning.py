"""Inline ``<think>`` reasoning split off the answer, however the text is cut into chunks."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from providers.reasoning import LOOK_CHARS, ThinkSplitter
from providers.types import AnswerWasReasoning, Chunk, Reasoning

texts = st.text(alphabet=st.sampled_from("ab <>/thinkTHINK\n"), max_size=40)


def split(text: str, cuts: list[int]) -> list[str]:
    points = sorted({min(c, len(text)) for c in cuts})
    pieces, start = [], 0
    for point in [*points, len(text)]:
        pieces.append(text[start:point])
        start = point
    return pieces


def run(pieces: list[str]) -> tuple[str, str]:
    """The reasoning and the answer, as a reply that applies AnswerWasReasoning ends up."""
    splitter = ThinkSplitter()
    chunks: list[Chunk] = [c for piece in pieces for c in splitter.feed(piece)]
    chunks += splitter.finish()
    answer: list[str] = []
    reasoning: list[str] = []
    for chunk in chunks:
        if isinstance(chunk, AnswerWasReasoning):
            reasoning.append("".join(answer))
            answer.clear()
        elif isinstance(chunk, Reasoning):
            reasoning.append(chunk.text)
        else:
            assert isinstance(chunk, str)
            answer.append(chunk)
    return "".join(reasoning), "".join(answer)


@given(st.text(max_size=60).filter(lambda t: "<think>" not in t and "</think>" not in t),
       st.lists(st.integers(0, 60), max_size=6))  # fmt: skip
def test_text_without_tags_is_all_answer(text: str, cuts: list[int]) -> None:
    thought, answer = run(split(text, cuts))
    assert thought == ""
    assert answer == (text if text.strip() else "")


@given(texts.filter(lambda t: "</think>" not in t), texts, st.lists(st.integers(0, 99), max_size=8))
def test_an_opened_block_is_reasoning_and_the_rest_is_the_answer(
    thought: str, answer: str, cuts: list[int]
) -> None:
    text = f"  <think>{thought}</think>\n\n{answer}"
    got_thought, got_answer = run(split(text, cuts))
    assert got_thought == thought
    assert got_answer == answer.lstrip("\r\n")


@given(texts.filter(lambda t: "</think>" not in t and not t.lstrip().startswith("<think>")
                    and "<think>".startswith(t.lstrip()) is False),
       texts, st.lists(st.integers(0, 99), max_size=8))  # fmt: skip
def test_a_block_with_no_opening_tag_is_taken_back_as_reasoning(
    thought: str, answer: str, cuts: list[int]
) -> None:
    got_thought, got_answer = run(split(f"{thought}</think>{answer}", cuts))
    assert got_thought == thought
    assert got_answer == answer.lstrip("\r\n")


def test_a_tag_deep_in_a_long_answer_is_text() -> None:
    text = "x" * (LOOK_CHARS + 10) + "</think>tail"
    thought, answer = run([text[: LOOK_CHARS + 5], text[LOOK_CHARS + 5 :]])
    assert (thought, answer) == ("", text)
