"""A conversation's options as a provider takes them, and the saved system prompts."""

from __future__ import annotations

import pytest

from chat.conversation import Conversation
from chat.conversation_settings import (
    Preset,
    checked_options,
    presets,
    remove_preset,
    reply_options,
    save_preset,
)
from chat.settings import Settings, SettingsError
from providers.anthropic import ANTHROPIC
from providers.presets import OPENAI


def test_presets_are_kept_in_the_settings_file_in_the_order_saved() -> None:
    settings = Settings.load()
    save_preset(settings, "Reviewer", "You review code.")
    save_preset(settings, " Translator ", "Translate into French.")
    save_preset(settings, "Reviewer", "You review Python code.")  # replaces, moves to the end
    settings.save()
    again = Settings.load()
    assert presets(again) == [
        Preset("Translator", "Translate into French."),
        Preset("Reviewer", "You review Python code."),
    ]
    remove_preset(again, "Translator")
    remove_preset(again, "Nobody")
    assert [p.name for p in presets(again)] == ["Reviewer"]
    remove_preset(again, "Reviewer")
    assert again.section("presets") is None


def test_a_preset_needs_a_short_name_and_odd_entries_are_skipped() -> None:
    settings = Settings.load()
    with pytest.raises(SettingsError, match="needs a name"):
        save_preset(settings, "  ", "x")
    with pytest.raises(SettingsError, match="at most 80"):
        save_preset(settings, "n" * 81, "x")
    settings.set_section("presets", [{"name": "ok", "prompt": "p"}, {"name": 3}, "junk", {}])
    assert presets(settings) == [Preset("ok", "p")]
    settings.set_section("presets", {"not": "a list"})
    assert presets(settings) == []


def test_a_reply_is_asked_with_the_options_its_provider_takes() -> None:
    conversation = Conversation(
        options={"temperature": 0.4, "reasoning_effort": "High", "max_tokens": 300}
    )
    assert reply_options(conversation, OPENAI) == (
        {"temperature": 0.4, "reasoning_effort": "high", "max_tokens": 300},
        [],
    )
    assert reply_options(conversation, ANTHROPIC) == (
        {"temperature": 0.4, "max_tokens": 300},
        ["reasoning_effort"],
    )


def test_options_that_are_not_valid_are_dropped() -> None:
    assert checked_options(
        {"temperature": 9, "max_tokens": "many", "reasoning_effort": "extreme", "nope": 1,
         "top_p": None, "seed": "7"}
    ) == {"seed": 7}  # fmt: skip
