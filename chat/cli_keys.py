"""``parley keys set|delete``: a secret from standard input into the keyring, never argv."""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING, TextIO

from .cli_input import UsageError, text_from
from .cli_providers import resolve_provider

if TYPE_CHECKING:
    from providers.contract import Provider

EXIT_OK, EXIT_FAILED = 0, 1


async def keys(args: argparse.Namespace, stdin: TextIO, err: TextIO) -> int:
    """``parley keys set|delete PROVIDER KIND``: the secret comes from stdin, never argv.

    Like ``ask`` and the window, a base URL saved for the provider decides the site the
    secret belongs to, so ``ask`` finds it there.
    """
    from .settings import Settings

    provider = resolve_provider(args.provider, args.base_url, Settings.load()).provider
    name = _secret_name(provider, args.kind)
    if args.action == "set":
        _check_kind(provider, args.kind)  # a wrong one stored by mistake can still be deleted
    from .secrets import encode_cookies, open_secret_store

    store = await open_secret_store()
    if not store.persistent:
        print(f"parley: {store.notice} Nothing was stored.", file=err)
        return EXIT_FAILED
    if args.action == "delete":
        await store.delete(name)
        print(f"parley: forgot {args.kind} for {provider.get_name()}.", file=err)
        return EXIT_OK
    value = _read_secret(args.kind, stdin, err)
    if args.kind == "cookies":
        value = encode_cookies(_parse_cookies(value, provider))
    await store.set(name, value)
    print(f"parley: stored {args.kind} for {provider.get_name()} in the keyring.", file=err)
    return EXIT_OK


def _secret_name(provider: Provider, kind: str) -> str:
    from .credentials import credential_name, header_secret_name

    if kind in ("api_key", "access_token", "cookies"):
        return credential_name(provider, kind)
    header = kind.removeprefix("header:")
    if kind.startswith("header:") and re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}", header):
        return header_secret_name(provider, header)
    raise UsageError(
        f"{kind!r} is not a kind of secret: use api_key, access_token, cookies, or "
        "header:NAME for an endpoint's secret header."
    )


def _check_kind(provider: Provider, kind: str) -> None:
    """Refuse a secret the provider would never read."""
    kinds = [*provider.credential_kinds, *(f"header:{h}" for h in provider.secret_headers)]
    if kind in kinds or kind.lower() in (k.lower() for k in kinds if k.startswith("header:")):
        return
    name = provider.get_name()
    if not kinds:
        raise UsageError(f"{name} uses no {kind}: it needs no credentials, so none is stored.")
    raise UsageError(
        f"{name} uses no {kind}; it takes {' or '.join(kinds)}: parley keys set {name} {kinds[0]}."
    )


def _read_secret(kind: str, stdin: TextIO, err: TextIO) -> str:
    if stdin.isatty():
        import getpass

        value = getpass.getpass(f"{kind} (input hidden): ", stream=err)
    else:
        value = text_from(stdin, kind)
    value = value.strip()
    if not value:
        raise UsageError(f"No {kind} given on stdin.")
    return value


def _parse_cookies(text: str, provider: Provider) -> dict[str, str]:
    from urllib.parse import urlsplit

    from providers.cookies import parse_cookies

    try:
        return parse_cookies(text, domain=urlsplit(provider.url).hostname)
    except ValueError as error:
        raise UsageError(str(error)) from error
