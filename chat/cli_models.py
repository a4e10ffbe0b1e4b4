"""``parley models``: the models a provider offers now, one per line."""

from __future__ import annotations

import argparse
from functools import partial
from typing import TextIO

from .cli_input import refuse_proxy_password
from .cli_providers import EXIT_FAILED, EXIT_OK, choose_provider, secrets_for


async def models(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Print the provider's models: its service's list (cached for a day; ``--refresh``
    asks again), else the last one fetched, else the built-in list, with the reason."""
    from providers.http import Timeouts, new_client_session

    from .models import ModelCache, model_list
    from .session import ChatSession
    from .settings import Settings

    settings = Settings.load()
    if settings.problem:
        print(f"parley: {settings.problem}", file=err)
    name = args.provider or settings.get("provider") or None
    target = await choose_provider(name, args.base_url, settings, args.proxy, err)
    refuse_proxy_password(args.proxy, target.provider.name)
    secrets, put_off = await secrets_for(target.provider, target.proxy, err)
    if put_off is not None:  # a listing is not retried with a key: read it now
        secrets = await put_off()
    async with new_client_session() as http:
        timeouts = Timeouts(settings.get("connect_timeout"), settings.get("idle_timeout"))
        session = ChatSession(
            secrets, http, timeouts=timeouts, ca_bundle=str(settings.get("ca_bundle"))
        )
        context = partial(session.context, target.provider, target.proxy)
        listed = await model_list(target.provider, context, ModelCache(), refresh=args.refresh)
    if listed.problem:
        shown = "no list" if not listed.models else f"the {listed.source} list"
        print(f"parley: {listed.problem} Showing {shown}.", file=err)
    for model in listed.models:
        print(model, file=out)
    return EXIT_OK if listed.models else EXIT_FAILED
