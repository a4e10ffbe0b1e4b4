""" "Test connection": ask a provider, set up as a form has it, for its models or for a
one-word reply, and say in a sentence whether it works."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from providers.contract import Context, Provider

    from .session import ChatSession

PROMPT = "Reply with the one word: ready"
LONGEST_ANSWER = 200
"""Characters of a one-word reply kept: a test needs no more."""


async def check_connection(
    session: ChatSession,
    provider: Provider,
    proxy: str | None,
    typed: Mapping[str, Any] | None = None,
) -> str:
    """A sentence saying that ``provider`` answers: its model list when it can list its
    models, else a one-word reply. ``typed``: credentials typed in the form and not stored
    yet, sent instead of the stored ones (``headers``: added to the ones stored). Raises
    ``ProviderError`` (the service's failure, worded for the user) or ``SecretStoreError``
    (the keyring's)."""
    context = await session.context(provider, proxy)
    if typed:
        given = dict(typed)
        if "headers" in given:  # the form's headers, with the stored secret ones not retyped
            given["headers"] = {**context.credentials.headers, **given["headers"]}
        credentials = dataclasses.replace(context.credentials, **given)
        context = dataclasses.replace(context, credentials=credentials)
    label = provider.get_label()
    if provider.lists_models:
        models = await provider.list_models(context)
        count = len(models)
        return f"{label} works: it offers {count} model{'' if count == 1 else 's'}."
    return await _one_word(provider, context, label)


async def _one_word(provider: Provider, context: Context, label: str) -> str:
    from providers.contract import Request

    model = provider.get_model("")
    request = Request(model, ({"role": "user", "content": PROMPT},))
    answer = ""
    stream = provider.stream(request, context)
    try:
        async for chunk in stream:
            if isinstance(chunk, str):
                answer += chunk
                if len(answer) >= LONGEST_ANSWER:
                    break
    finally:
        if (close := getattr(stream, "aclose", None)) is not None:
            await close()
    answer = " ".join(answer.split())[:LONGEST_ANSWER]
    if not answer:
        return f"{label} answered, with an empty reply."
    return f"{label} works: asked for one word, it said “{answer}”."
