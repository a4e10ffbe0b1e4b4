"""The sentence that names every setting a loaded file held but Parley could not use."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
import time
from pathlib import Path

import pytest

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


async def test_a_cancelled_save_holds_the_next_until_its_write_is_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Closing the window cancels a save that is running, then saves once more: the last
    # values must be the ones on disk, however slow the disk was with the first.
    replaced: list[str] = []

    def slow_first_replace(source: str, target: str) -> None:
        replaced.append(target)
        slow = len(replaced) == 1
        if slow:
            time.sleep(0.3)
        os_replace(source, target)
        if slow:
            first_done.set()

    first_done = threading.Event()

    os_replace = os.replace
    monkeypatch.setattr(os, "replace", slow_first_replace)
    settings = Settings.load(tmp_path / "settings.json")
    settings.set("provider", "VoiGpt")
    first = asyncio.ensure_future(settings.save_in_background())
    await asyncio.sleep(0)  # its thread has started writing
    first.cancel()
    settings.set("provider", "Aichat")
    await settings.save_in_background()
    with contextlib.suppress(asyncio.CancelledError):
        await first
    await asyncio.to_thread(first_done.wait, 10)  # the slow first write is over, however it went
    assert Settings.load(tmp_path / "settings.json").get("provider") == "Aichat"
