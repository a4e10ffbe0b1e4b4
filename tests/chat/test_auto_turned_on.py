"""Auto chooses among the providers the user left on, in the window and on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from chat.auto import make_auto, turned_on
from chat.cli import main
from chat.settings import Settings
from providers.presets import GROQ, LM_STUDIO, OPENAI


def test_a_provider_turned_off_is_not_offered_to_auto(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "settings.json")
    settings.set_provider("Groq", "enabled", False)
    assert turned_on([OPENAI, GROQ, LM_STUDIO], settings) == [OPENAI, LM_STUDIO]
    assert turned_on([OPENAI, GROQ], None) == [OPENAI, GROQ]
    settings.set("auto_providers", "Groq, OpenAI")
    auto = make_auto(turned_on([OPENAI, GROQ], settings), str(settings.get("auto_providers")))
    assert [m.name for m in auto.members] == ["OpenAI"]


def test_parley_providers_says_what_auto_tries_without_the_ones_turned_off(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["config", "set", "auto_providers", "Groq, OpenAI"]) == 0
    assert main(["config", "set", "enabled", "false", "--provider", "Groq"]) == 0
    capsys.readouterr()
    assert main(["providers"]) == 0
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.startswith("Auto")]
    assert line.split("tries in turn: ")[1] == "OpenAI (setting auto_providers)"
