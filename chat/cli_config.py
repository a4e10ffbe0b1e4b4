"""``parley config get|set|unset|list``: the settings that are not secret, each checked by the
settings table (``chat.settings``) as the window checks it."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

from .cli_input import UsageError

if TYPE_CHECKING:
    from .settings import Setting, Settings

EXIT_OK = 0


def add_config(commands: Any) -> None:
    config = commands.add_parser(
        "config", help="show or change a setting (never a secret: those go to `parley keys`)"
    )
    actions = config.add_subparsers(dest="action", metavar="ACTION", required=True)
    scope = "a provider's own setting (base_url, proxy, model) instead of a global one"
    listing = actions.add_parser("list", help="every setting, its value and what it does")
    listing.add_argument("--provider", metavar="NAME", help=scope)
    getting = actions.add_parser("get", help="a setting's value")
    setting = actions.add_parser("set", help="change a setting (checked before it is saved)")
    unsetting = actions.add_parser("unset", help="put a setting back to its default")
    for action in (getting, setting, unsetting):
        action.add_argument("name")
    setting.add_argument("value")
    for action in (getting, setting, unsetting):
        action.add_argument("--provider", metavar="NAME", help=scope)


def config(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .settings import GLOBAL, PER_PROVIDER, Settings

    settings = Settings.load()
    if settings.problem:
        print(f"parley: {settings.problem}", file=err)
    provider = _provider_name(args.provider, settings) if args.provider else None
    table = PER_PROVIDER if provider else GLOBAL
    if args.action == "list":
        for entry in table.values():
            value = _value(settings, provider, entry.name)
            print(f"{entry.name} = {_text(value)}", file=out)
            print(f"    {entry.description} Default: {_text(entry.default)}.", file=out)
        return EXIT_OK
    entry = _entry(table, args.name, provider)
    if args.action == "get":
        print(_text(_value(settings, provider, entry.name)), file=out)
        return EXIT_OK
    value = entry.default if args.action == "unset" else args.value
    if entry.name == "provider" and not provider and value:
        value = _provider_name(str(value), settings)  # one that exists, named as it is
    _store(settings, provider, entry, value)
    try:
        settings.save()
    except OSError as error:
        raise UsageError(
            f"The settings could not be saved to {settings.path}: check that its folder can "
            f"be written, then try again. ({error.strerror or error})"
        ) from None
    shown = _text(_value(settings, provider, entry.name))
    where = f" for {provider}" if provider else ""
    print(f"parley: {entry.name}{where} is {shown} now.", file=err)
    return EXIT_OK


def _provider_name(name: str, settings: Settings) -> str:
    """The provider's name as the settings file keeps it (any case given)."""
    from .cli_providers import resolve_provider

    return resolve_provider(name, None, settings).provider.name


def _entry(table: dict[str, Setting], name: str, provider: str | None) -> Setting:
    from .settings import GLOBAL, PER_PROVIDER

    if name in table:
        return table[name]
    if not provider and name in PER_PROVIDER:
        hint = f" It is a provider's own: parley config … {name} --provider NAME."
    elif provider and name in GLOBAL:
        hint = " It is a global setting: leave out --provider."
    else:
        hint = ""
    raise UsageError(f"No setting named {name!r}; known: {', '.join(table)}.{hint}")


def _value(settings: Settings, provider: str | None, name: str) -> Any:
    return settings.provider(provider, name) if provider else settings.get(name)


def _store(settings: Settings, provider: str | None, entry: Setting, value: Any) -> None:
    from .settings import SettingsError

    try:
        if provider:
            settings.set_provider(provider, entry.name, value)
        else:
            settings.set(entry.name, value)
    except SettingsError as error:
        raise UsageError(f"{error} Nothing was changed.") from None


def _text(value: Any) -> str:
    """A value as a person types it: text as it is, a number without a needless ``.0``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return '""' if value == "" else str(value)
