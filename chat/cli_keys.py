"""``parley keys set|remove|list|forget-all``: a secret from stdin into the keyring, never argv."""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING, TextIO

from .cli_input import UsageError, text_from
from .cli_providers import resolve_provider

if TYPE_CHECKING:
    from providers.contract import Provider

EXIT_OK, EXIT_FAILED = 0, 1


async def keys(args: argparse.Namespace, stdin: TextIO, err: TextIO, out: TextIO) -> int:
    """``parley keys set|remove PROVIDER [KIND]`` and ``parley keys list``: a secret comes
    from stdin (or hidden input), never argv, and is never printed.

    Like ``ask`` and the window, a base URL saved for the provider decides the site the
    secret belongs to, so ``ask`` finds it there.
    """
    from .secrets import encode_cookies, open_secret_store

    if args.action == "list":
        return await _list(out, err)
    if args.action == "forget-all":
        return await _forget_all(args.yes, stdin, err)
    from .settings import Settings

    settings = Settings.load()
    provider = resolve_provider(args.provider, args.base_url, settings).provider
    kind = args.kind or _only_kind(provider)
    if kind == "proxy_password":
        name = _proxy_password_name(args.proxy or settings.proxy_for(provider.name), provider)
    elif args.proxy:
        raise UsageError(f"--proxy names the proxy of a proxy_password, not of {kind}.")
    else:
        name = _secret_name(provider, kind)
    if args.action == "set" and kind != "proxy_password":
        _check_kind(provider, kind)  # a wrong one stored by mistake can still be removed
    store = await open_secret_store()
    if not store.persistent:
        print(f"parley: {store.notice} Nothing was stored.", file=err)
        return EXIT_FAILED
    if args.action in ("remove", "delete"):
        await store.delete(name)
        print(f"parley: forgot {kind} for {provider.get_name()}.", file=err)
        return EXIT_OK
    value = _read_secret(kind, stdin, err)
    if kind == "cookies":
        value = encode_cookies(_parse_cookies(value, provider))
    await store.set(name, value)
    print(f"parley: stored {kind} for {provider.get_name()} in the keyring.", file=err)
    return EXIT_OK


def _only_kind(provider: Provider) -> str:
    """The one kind of secret ``provider`` takes (else a usage error that names them)."""
    kinds = [*provider.credential_kinds, *(f"header:{h}" for h in provider.secret_headers)]
    if len(kinds) == 1:
        return kinds[0]
    name = provider.get_name()
    if not kinds:
        raise UsageError(f"{name} needs no credentials, so none is stored.")
    raise UsageError(
        f"{name} takes {' or '.join(kinds)}: say which, as in parley keys set {name} {kinds[0]}."
    )


async def _list(out: TextIO, err: TextIO) -> int:
    """Print the secrets stored, one a line (provider, kind, site), never a value."""
    from .secrets import open_secret_store
    from .stored_names import StoredNames

    store = await open_secret_store()
    if not store.persistent:
        print(f"parley: {store.notice} Nothing is stored.", file=err)
        return EXIT_FAILED
    names = StoredNames().read()  # taken from the keyring as it opened
    if names is None:
        print(
            "parley: this keyring cannot list its items (the Secret Service, which GNOME "
            "Keyring provides, can), so Parley cannot say which secrets it holds; "
            "`parley keys set` and `parley keys remove` still work.",
            file=err,
        )
        return EXIT_FAILED
    rows = sorted(_row(name) for name in names)
    if not rows:
        print("parley: no secrets are stored.", file=err)
        return EXIT_OK
    width = max(len(provider) for provider, _, _ in rows)
    kinds = max(len(kind) for _, kind, _ in rows)
    for provider, kind, site in rows:
        print(f"{provider:<{width}}  {kind:<{kinds}}  {site}".rstrip(), file=out)
    return EXIT_OK


FORGET_ALL = (
    "This removes every secret Parley keeps in the keyring: the API keys, tokens, cookies, "
    "secret headers and proxy passwords of every provider (other programs' items stay)."
)


async def _forget_all(confirmed: bool, stdin: TextIO, err: TextIO) -> int:
    """Remove every secret of Parley's from the keyring, once the user said yes."""
    from .secrets import open_secret_store

    if not confirmed:
        if not stdin.isatty():
            raise UsageError(
                f"{FORGET_ALL} Standard input is not a terminal to confirm it on: run "
                "`parley keys forget-all --yes` to go ahead."
            )
        print(f"{FORGET_ALL}\nType yes to remove them: ", end="", file=err, flush=True)
        if stdin.readline().strip().lower() != "yes":
            print("parley: nothing was removed.", file=err)
            return EXIT_FAILED
    store = await open_secret_store()
    if not store.persistent:
        print(f"parley: {store.notice} Nothing is stored, so nothing was removed.", file=err)
        return EXIT_FAILED
    removed = await store.forget_all()
    counted = {0: "no secrets", 1: "1 secret"}.get(removed, f"{removed} secrets")
    print(f"parley: removed {counted} from the keyring; Parley keeps none now.", file=err)
    return EXIT_OK


def _row(name: str) -> tuple[str, str, str]:
    """``provider/kind@site`` as its three parts (a proxy's password: ``proxy``, its URL)."""
    head, _, site = name.partition("@")
    provider, _, kind = head.partition("/")
    return provider, kind, site


def _secret_name(provider: Provider, kind: str) -> str:
    from .credentials import credential_name, header_secret_name

    if kind in ("api_key", "access_token", "cookies"):
        return credential_name(provider, kind)
    header = kind.removeprefix("header:")
    if kind.startswith("header:") and re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}", header):
        return header_secret_name(provider, header)
    raise UsageError(
        f"{kind!r} is not a kind of secret: use api_key, access_token, cookies, "
        "header:NAME for an endpoint's secret header, or proxy_password."
    )


def _proxy_password_name(proxy: str | None, provider: Provider) -> str:
    """The keyring name of the password of ``proxy`` (given, else the provider's saved one),
    which must name its user and leave the password out."""
    from .credentials import proxy_secret_name
    from .settings import split_proxy_password

    name = provider.get_name()
    if not proxy:
        raise UsageError(
            f"{name} has no proxy saved: say which proxy the password is for, as in "
            f"parley keys set {name} proxy_password --proxy http://user@host:3128."
        )
    bare, password = split_proxy_password(proxy)
    if password is not None:
        raise UsageError(
            "The proxy URL holds a password: give it without one, as --proxy "
            f"{bare}; the password is read from stdin or asked for, hidden."
        )
    from urllib.parse import urlsplit

    try:
        user = urlsplit(proxy).username
    except ValueError:
        user = None
    if not user:
        raise UsageError(
            f"The proxy {proxy} names no user, so it takes no password: write it as "
            "http://user@host:port."
        )
    return proxy_secret_name(proxy)


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
