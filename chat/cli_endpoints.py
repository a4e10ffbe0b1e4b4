"""``parley endpoints add|list|remove``: the user's own OpenAI-compatible endpoints."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from .cli_input import UsageError

EXIT_OK = 0


def add_parser(commands: Any) -> None:
    endpoints = commands.add_parser(
        "endpoints",
        help="add, list or remove your own OpenAI-compatible endpoints",
        description="Your own endpoints join the provider list under their names. Their keys "
        "and secret header values go to the keyring: `parley keys set NAME api_key`.",
    )
    actions = endpoints.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add or replace an endpoint")
    add.add_argument("name", help="its name in the provider list, e.g. 'My vLLM'")
    add.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8000/v1")
    add.add_argument(
        "--header", action="append", default=[], metavar="NAME=VALUE", help="an extra header"
    )
    add.add_argument(
        "--secret-header",
        action="append",
        default=[],
        metavar="NAME",
        help="a header whose value is a secret: set it with `parley keys set ENDPOINT "
        "header:NAME` (it goes to the keyring)",
    )
    actions.add_parser("list", help="list them")
    remove = actions.add_parser("remove", help="remove one and forget its secrets")
    remove.add_argument("name")


async def endpoints(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .endpoints import endpoints as listed
    from .settings import Settings

    settings = Settings.load()
    if args.action == "list":
        found, problems = listed(settings)
        for problem in problems:
            print(f"parley: {problem}", file=err)
        for endpoint in found:
            extra = [*endpoint.headers, *(f"{h} (secret)" for h in endpoint.secret_headers)]
            headers = f"  headers: {', '.join(extra)}" if extra else ""
            print(f"{endpoint.name}\t{endpoint.base_url}{headers}", file=out)
        return EXIT_OK
    if args.action == "add":
        return _add(args, settings, err)
    return await _remove(args, settings, err)


def _add(args: argparse.Namespace, settings: Any, err: TextIO) -> int:
    from providers.registry import ProviderRegistry

    from .endpoints import Endpoint, checked_name, endpoints, parse, save_endpoint
    from .settings import SettingsError

    own = {e.name.casefold() for e in endpoints(settings)[0]}
    taken = [n for n in ProviderRegistry.from_entry_points().names() if n.casefold() not in own]
    headers: dict[str, str] = {}
    for pair in args.header:
        key, sep, value = pair.partition("=")
        if not sep:
            raise UsageError(f"--header {pair!r}: write NAME=VALUE.")
        headers[key.strip()] = value.strip()
    try:
        name = checked_name(args.name, taken)
        raw = Endpoint(name, args.base_url, headers, tuple(args.secret_header)).to_json()
        endpoint = parse(name, raw)
    except SettingsError as error:
        raise UsageError(str(error)) from None
    save_endpoint(settings, endpoint)
    settings.save()
    print(f"parley: added the endpoint {endpoint.name} at {endpoint.base_url}.", file=err)
    if endpoint.secret_headers:
        first = endpoint.secret_headers[0]
        print(
            f"parley: give its secret header: parley keys set '{endpoint.name}' header:{first}",
            file=err,
        )
    return EXIT_OK


async def _remove(args: argparse.Namespace, settings: Any, err: TextIO) -> int:
    from .credentials import names_for
    from .endpoints import remove_endpoint

    endpoint = remove_endpoint(settings, args.name)
    if endpoint is None:
        raise UsageError(f"No endpoint named {args.name!r}; see `parley endpoints list`.")
    settings.save()
    if endpoint.base_url:
        from .secrets import open_secret_store

        store = await open_secret_store()
        for name in names_for(endpoint.provider()).values():
            await store.delete(name)
    print(f"parley: removed the endpoint {endpoint.name} and forgot its secrets.", file=err)
    return EXIT_OK
