"""A conversation's own settings: the options its replies are asked with (those the provider
takes), and the saved system prompts (presets) a conversation can start from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .settings import OPTIONS, SettingsError

if TYPE_CHECKING:
    from providers.contract import Provider

    from .conversation import Conversation
    from .settings import Settings

PRESETS = "presets"
"""The settings file's section that holds the presets."""
NAME_CHARS = 80


@dataclass(frozen=True, slots=True)
class Preset:
    """A system prompt saved under a name."""

    name: str
    prompt: str


def presets(settings: Settings) -> list[Preset]:
    """The saved presets in the order they were saved (entries that are not a name and a
    prompt, as a hand-edited file may hold, are left out)."""
    found = settings.section(PRESETS)
    if not isinstance(found, list):
        return []
    kept = []
    for entry in found:
        if isinstance(entry, dict):
            name, prompt = entry.get("name"), entry.get("prompt")
            if isinstance(name, str) and isinstance(prompt, str) and name.strip():
                kept.append(Preset(name.strip(), prompt))
    return kept


def save_preset(settings: Settings, name: str, prompt: str) -> Preset:
    """Save ``prompt`` as ``name`` (replacing a preset of that name); the caller saves the
    settings file."""
    name = " ".join(name.split())
    if not name:
        raise SettingsError("A preset needs a name.")
    if len(name) > NAME_CHARS:
        raise SettingsError(f"A preset's name has at most {NAME_CHARS} characters.")
    preset = Preset(name, prompt)
    kept = [p for p in presets(settings) if p.name != name] + [preset]
    _write(settings, kept)
    return preset


def remove_preset(settings: Settings, name: str) -> None:
    _write(settings, [p for p in presets(settings) if p.name != name])


def _write(settings: Settings, kept: list[Preset]) -> None:
    settings.set_section(PRESETS, [{"name": p.name, "prompt": p.prompt} for p in kept] or None)


def checked_options(values: dict[str, Any]) -> dict[str, Any]:
    """The options among ``values`` that are valid (a stored conversation may hold others,
    written by hand or by a newer Parley)."""
    kept = {}
    for name, value in values.items():
        if name in OPTIONS and value is not None:
            try:
                kept[name] = OPTIONS[name].coerce(value)
            except SettingsError:
                continue
    return kept


def reply_options(
    conversation: Conversation, provider: Provider
) -> tuple[dict[str, Any], list[str]]:
    """The options to ask ``provider`` with for a reply in ``conversation``, and the names of
    the conversation's options it does not take (left out, so the reply still goes)."""
    wanted = checked_options(conversation.options)
    taken = {n: v for n, v in wanted.items() if n in provider.supported_options}
    return taken, sorted(set(wanted) - set(taken))
