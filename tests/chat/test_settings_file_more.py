"""Saving the settings file where its folders do not exist yet."""

from __future__ import annotations

import json
from pathlib import Path

from chat.settings import Settings


def test_a_first_save_makes_the_missing_config_folders(tmp_path: Path) -> None:
    path = tmp_path / "home" / ".config" / "parley" / "settings.json"
    settings = Settings.load(path)
    settings.set("provider", "Anthropic")
    settings.save()
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "providers": {},
        "settings": {"provider": "Anthropic"},
    }
    assert Settings.load(path).get("provider") == "Anthropic"
