"""CHANGELOG.md: Keep a Changelog's form, newest release first, and the newest is the version."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from chat.version import VERSION

CHANGELOG = Path(__file__).resolve().parents[1] / "CHANGELOG.md"
RELEASE = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", re.MULTILINE)
SECTIONS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def releases() -> list[tuple[tuple[int, ...], date]]:
    found = RELEASE.findall(CHANGELOG.read_text(encoding="utf-8"))
    return [(tuple(map(int, v.split("."))), date.fromisoformat(d)) for v, d in found]


def test_the_newest_release_is_the_version_in_chat_version() -> None:
    newest, _ = releases()[0]
    assert ".".join(map(str, newest)) == VERSION, "add the release to CHANGELOG.md"


def test_releases_go_newest_first_in_version_and_date() -> None:
    found = releases()
    assert len(found) >= 2
    assert found == sorted(found, reverse=True)
    assert [d for _, d in found] == sorted((d for _, d in found), reverse=True)


def test_unreleased_comes_first_and_sections_are_keep_a_changelogs() -> None:
    text = CHANGELOG.read_text(encoding="utf-8")
    headings = re.findall(r"^## (.*)$", text, re.MULTILINE)
    assert headings[0] == "[Unreleased]"
    assert set(re.findall(r"^### (.*)$", text, re.MULTILINE)) <= SECTIONS
