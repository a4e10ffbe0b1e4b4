"""The sentence that names every setting a loaded file held but Parley could not use."""

from __future__ import annotations

import json
from pathlib import Path

from chat.settings import Settings


def test_every_ignored_setting_is_named_once_in_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    long_value = ["X" * 300]  # quoted cut to 200 characters, so the reason ends in an X
    path.write_text(
        json.dumps(
            {
                "settings": {"connect_timeout": 0, "provider": long_value},
                "providers": {"Ollama": {"base_url": "ftp://h"}, "Groq": 5},
            }
        ),
        encoding="utf-8",
    )
    settings = Settings.load(path)
    assert settings.problem == (
        f"Some settings in {path} were ignored, so their defaults are used: "
        "connect_timeout: 0 is not a number of seconds above 0 and at most 3600; "
        f'provider takes a text, not ["{"X" * 198}; '
        "Ollama.base_url: 'ftp://h' is not an http:// or https:// URL; "
        "the entry for provider “Groq” is not an object. "
        "Set them again, or fix them in the file."
    )
    assert settings.get("connect_timeout") == 15.0
    assert settings.provider("Ollama", "base_url") == ""


def test_a_settings_section_that_is_a_list_is_named_and_ignored(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"settings": ["provider"], "providers": {}}), encoding="utf-8")
    settings = Settings.load(path)
    assert settings.problem == (
        f"Some settings in {path} were ignored, so their defaults are used: "
        "“settings” is not an object. Set them again, or fix them in the file."
    )
    assert settings.get("provider") == ""
