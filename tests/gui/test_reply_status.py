"""The status line's figures for a reply: while it streams and once it has ended."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from chat.conversation import Message
from gui.reply_status import ReplyStatus, figures


def ended() -> Message:
    return Message(
        "assistant",
        "x" * 400,
        provider="Ollama",
        model="llama3.1",
        first_token_s=0.5,
        duration_s=2.5,
        usage={"prompt_tokens": 1200, "completion_tokens": 100, "total_tokens": 1300},
    )


def test_an_ended_reply_shows_who_answered_how_fast_and_its_tokens() -> None:
    assert figures(ended(), text="x" * 400, elapsed=2.5, live=False) == (
        "Ollama · llama3.1 · first token 0.5 s · 50 tokens/s · 2.5 s · 1,200 in, 100 out tokens"
    )


def test_a_streaming_reply_shows_an_estimated_rate_and_the_time_so_far() -> None:
    message = Message("assistant", "", provider="OpenAI", model="gpt-4o", first_token_s=0.25)
    line = figures(message, text="y" * 800, elapsed=2.25, live=True)
    assert line == "OpenAI · gpt-4o · first token 0.2 s · ≈100 tokens/s · 2.2 s so far"


def test_a_reply_without_figures_shows_its_provider_only() -> None:
    message = Message("assistant", "hi", provider="Gone")
    assert figures(message, text="hi", elapsed=None, live=False) == "Gone"
    assert figures(Message("assistant", ""), text="", elapsed=75.0, live=False) == (
        "Assistant · 1 min 15 s"
    )


def test_the_label_shows_the_last_reply_and_clears_for_none(qtbot: QtBot) -> None:
    label = ReplyStatus()
    qtbot.addWidget(label)
    label.show_message(ended())
    assert label.text().startswith("Ollama · llama3.1 · first token 0.5 s")
    label.show_message(None)
    assert label.text() == ""
    label.show_message(Message("user", "a question"))
    assert label.text() == ""
