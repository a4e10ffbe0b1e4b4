"""The first start: when no provider is set up and no local server was found, the empty pane
shows a short welcome with the three ways to begin (a local server, an API key, a seed site)
instead of nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chat.settings import Settings
    from providers.contract import Provider

    from .styles import Palette

WELCOME_SCHEME = "parley-welcome"
WELCOME_TIPS = {
    "look": "Look for servers on this machine again",
    "key": "Open Settings at the provider's page to add its key",
    "seed": "Pick this provider",
}
KEY_SITES = (
    ("Anthropic", "https://console.anthropic.com/settings/keys"),
    ("OpenAI", "https://platform.openai.com/api-keys"),
    ("Gemini", "https://aistudio.google.com/app/apikey"),
)


def is_set_up(settings: Settings, providers: list[Provider]) -> bool:
    """Has the user chosen or set up a provider: picked one before, added an endpoint, stored
    a secret, or an API key in the environment? Reads a small file: off the window's thread."""
    from chat.credentials import environment_key_name
    from chat.stored_names import StoredNames

    if settings.get("provider") or settings.section("endpoints"):
        return True
    if StoredNames().read():
        return True
    return any(environment_key_name(p) for p in providers if not p.local)


def welcome_html(colours: Palette, seed: str) -> str:
    """The welcome, in the pane's colours; its choices are links of ``WELCOME_SCHEME``."""
    from html import escape  # here: html.entities is large, and the window paints first

    def action(name: str, text: str) -> str:
        return f'<a href="{WELCOME_SCHEME}:{name}" style="color: {colours.link}">{text}</a>'

    sites = ", ".join(
        f'<a href="{url}" style="color: {colours.link}">{escape(name)}</a>'
        for name, url in KEY_SITES
    )
    muted = f'style="color: {colours.muted}"'
    return (
        f'<div style="color: {colours.text}">'
        "<h2>Welcome to Parley</h2>"
        f"<p {muted}>Choose how to begin; the provider box above changes it at any time.</p>"
        "<h3>A model on this machine</h3>"
        "<p>Parley finds LM Studio, Ollama, llama.cpp and vLLM by itself while they run. "
        "Start one, for example <code>ollama serve</code> after "
        "<code>ollama pull llama3.2</code>, then "
        f"{action('look', 'look again')}.</p>"
        "<h3>An API key</h3>"
        f"<p>Get a key from {sites} or any OpenAI-compatible service, then "
        f"{action('key', 'add it')} in Settings → Providers. It is kept in your "
        "system's keyring, nowhere else.</p>"
        "<h3>A site that needs no account</h3>"
        f"<p>{action('seed', 'Try ' + escape(seed))}: it needs no key. Such sites change "
        "often, so it may not answer.</p>"
        "</div>"
    )


def site_needing_nothing(providers: list[Provider]) -> Provider | None:
    """The first provider that needs no account, no key and no server of one's own."""
    found = (p for p in providers if not (p.needs_auth or p.local or p.credential_kinds))
    return next((p for p in found if not p.delegates), None)


def key_provider(providers: list[Provider]) -> Provider | None:
    """The provider whose key the welcome offers to add first (of ``KEY_SITES``)."""
    names = {p.name: p for p in providers}
    return next((names[name] for name, _ in KEY_SITES if name in names), None)
