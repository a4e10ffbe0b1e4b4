"""``parley list``, ``parley show`` and ``parley search``: the saved conversations, read-only;
and the store as ``parley ask`` uses it (``--continue``)."""

from __future__ import annotations

import argparse
import datetime
from typing import TYPE_CHECKING, Any, TextIO

from .cli_input import UsageError
from .cli_providers import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from .conversation import Conversation, Message
    from .store import Store
    from .store.search import Hit


def add_parsers(commands: Any) -> None:
    listing = commands.add_parser(
        "list", help="list the saved conversations, the latest first (pinned ones on top)"
    )
    listing.add_argument("-n", "--limit", type=int, metavar="N", help="only the first N")
    show = commands.add_parser("show", help="print one saved conversation (its active branch)")
    show.add_argument("id", help="the conversation's id, or its first few characters")
    search = commands.add_parser(
        "search",
        help="search every saved message and title",
        description='Words must all match, in any case. "an exact phrase", prefix*, and the '
        "filters provider:NAME, model:NAME, before:2026-12-01 and after:2026-11 work too.",
    )
    search.add_argument("query", nargs="+", help="what to look for")
    search.add_argument("-n", "--limit", type=int, default=20, metavar="N", help="default 20")


def open_store(err: TextIO) -> Store | None:
    """The store, or None after saying on ``err`` why it cannot be used."""
    from .store import Store, StoreError

    try:
        store = Store.open(problem=lambda error: print(f"parley: {error}", file=err))
    except StoreError as error:
        print(f"parley: {error}", file=err)
        return None
    if store.notice:
        print(f"parley: {store.notice}", file=err)
    return store


def searchable(store: Store, err: TextIO) -> bool:
    """Wait until every message is in the search indexes (an import's go in after it, in
    the background); False when a write failed (``open_store``'s store said why on ``err``)."""
    from .store import StoreError
    from .store.indexing import waiting

    left = store.read_now(waiting)
    if not left:
        return True
    shown = err.isatty()
    if shown:
        err.write(f"Indexing {left:,} imported message{'' if left == 1 else 's'} for search…")
        err.flush()
    try:
        store.catch_up().result()
    except StoreError:
        return False
    finally:
        if shown:
            err.write("\r\x1b[K")
            err.flush()
    return True


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    store = open_store(err)
    if store is None:
        return EXIT_FAILED
    try:
        if args.command == "list":
            return _list(store, args.limit, out)
        if args.command == "show":
            return _show(store, find(store, args.id), out)
        return _search(store, " ".join(args.query), args.limit, out, err)
    finally:
        store.close()


def find(store: Store, given: str | None) -> Conversation:
    """The conversation whose id starts with ``given`` (the latest one for None)."""
    from .store import rows

    if given is None:
        found = store.read_now(rows.last_conversation_id)
        if found is None:
            raise UsageError("There is no saved conversation to continue yet.")
        ids = [found]
    else:
        ids = store.read_now(rows.find_conversation_id, given.strip()) if given.strip() else []
    if not ids:
        raise UsageError(f"No saved conversation has the id “{given}”: see `parley list`.")
    if len(ids) > 1:
        raise UsageError(f"Several conversations start with “{given}”: give more of the id.")
    conversation = store.read_now(rows.load_conversation, ids[0])
    if conversation is None:  # deleted in the window meanwhile
        raise UsageError(f"The conversation “{given}” has just been deleted.")
    return conversation


def _when(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M")


def _list(store: Store, limit: int | None, out: TextIO) -> int:
    from .store import rows

    summaries = store.read_now(rows.list_conversations, limit=limit if limit else -1)
    if not summaries:
        print("No saved conversations yet: `parley ask` and the window save theirs.", file=out)
        return EXIT_OK
    for summary in summaries:
        pin = "  [pinned]" if summary.pinned else ""
        title = summary.title or "(untitled)"
        print(
            f"{summary.id[:8]}  {_when(summary.updated)}  {summary.messages:>4}  {title}{pin}",
            file=out,
        )
    return EXIT_OK


_ROLES = {"user": "You", "assistant": "Assistant", "system": "System"}


def _show(store: Store, conversation: Conversation, out: TextIO) -> int:
    print(f"# {conversation.title or '(untitled)'}", file=out)
    print(f"conversation {conversation.id}, started {_when(conversation.created)}", file=out)
    if conversation.system_prompt:
        print(f"\nSystem prompt:\n{conversation.system_prompt}", file=out)
    for message in conversation.messages:
        print(f"\n{_heading(conversation, message)}", file=out)
        if message.reasoning:
            print(f"(reasoning, {len(message.reasoning)} characters, not shown)", file=out)
        print(message.content, file=out)
        if outcome := _outcome(message):
            print(outcome, file=out)
    return EXIT_OK


def _heading(conversation: Conversation, message: Message) -> str:
    who = _ROLES.get(message.role, message.role)
    by = " · ".join(filter(None, (message.provider, message.model)))
    versions = conversation.siblings(message)
    version = (
        f", version {versions.index(message) + 1} of {len(versions)}" if len(versions) > 1 else ""
    )
    return f"{who}{f' ({by})' if by else ''}, {_when(message.created)}{version}:"


def _outcome(message: Message) -> str:
    from .conversation import MessageState

    if message.state is MessageState.FAILED and message.error:
        return f"[failed: {message.error}]"
    if message.state is MessageState.INTERRUPTED:
        return "[interrupted: Parley ended while this reply was arriving; the text is what came]"
    if message.state is MessageState.CANCELLED:
        return "[stopped]"
    return f"[{message.note}]" if message.note else ""


def _search(store: Store, query: str, limit: int, out: TextIO, err: TextIO) -> int:
    from .store.search import QueryError, parse, search

    try:
        parsed = parse(query)
        if not searchable(store, err):
            return EXIT_FAILED
        hits = store.read_now(search, parsed, limit=max(limit, 1))
    except QueryError as error:
        raise UsageError(str(error)) from None
    if not hits:
        print(f"Nothing matches “{query}”.", file=out)
        return EXIT_OK
    bold = out.isatty()
    for hit in hits:
        print(f"{hit.conversation_id[:8]}  {hit.title or '(untitled)'}", file=out)
        print(f"          {_role_of(hit)}{_snippet(hit, bold)}", file=out)
    return EXIT_OK


def _role_of(hit: Hit) -> str:
    return "title: " if hit.message_id is None else f"{_ROLES.get(hit.role or '', hit.role)}: "


def _snippet(hit: Hit, bold: bool) -> str:
    text = "".join(
        f"\x1b[1m{piece}\x1b[0m" if matched and bold else piece for piece, matched in hit.parts
    )
    return " ".join(text.split())
