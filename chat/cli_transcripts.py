"""``parley export`` and ``parley import``: transcripts of the saved conversations."""

from __future__ import annotations

import argparse
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .cli_input import UsageError
from .cli_providers import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from .transcript.options import FORMATS

if TYPE_CHECKING:
    from .conversation import Conversation
    from .store import Store
    from .transcript.exporting import PdfWriter


def add_parsers(commands: Any) -> None:
    export = commands.add_parser(
        "export",
        help="write saved conversations to Markdown, text, JSON, HTML or PDF",
        description="Without --conversation, every saved conversation is exported. Several "
        "conversations go into the folder --out, one file each named from its title; JSON "
        "puts them all in one file.",
    )
    export.add_argument("--format", required=True, choices=FORMATS, help="what to write")
    export.add_argument(
        "--conversation",
        action="extend",
        nargs="+",
        metavar="ID",
        help="the conversations to export: their ids, or the first few characters of each",
    )
    export.add_argument(
        "--all-branches",
        action="store_true",
        help="every branch, not only the active one (JSON always keeps every branch)",
    )
    export.add_argument(
        "--reasoning", action="store_true", help="the model's reasoning too, where it was kept"
    )
    export.add_argument("--out", required=True, type=Path, metavar="PATH", help="file or folder")
    imported = commands.add_parser(
        "import",
        help="import conversations from a Parley, ChatGPT or Claude export (.json or .zip)",
        description="The format is found from the file's content. Importing a file again "
        "adds only what is new; a damaged file imports nothing.",
    )
    imported.add_argument("path", type=Path, help="the export: conversations.json, or its .zip")


def run(args: argparse.Namespace, out: TextIO, err: TextIO, pdf: PdfWriter | None) -> int:
    from .cli_store import open_store

    store = open_store(err)
    if store is None:
        return EXIT_FAILED
    try:
        if args.command == "export":
            return _export(store, args, out, err, pdf)
        return _import(store, args.path, out, err)
    finally:
        store.close()


def _export(
    store: Store, args: argparse.Namespace, out: TextIO, err: TextIO, pdf: PdfWriter | None
) -> int:
    from .store import rows
    from .transcript.errors import TranscriptError
    from .transcript.exporting import export
    from .transcript.options import FORMAT_NAMES, ExportOptions

    if args.conversation:
        ids = list(dict.fromkeys(_found(store, given) for given in args.conversation))
    else:
        ids = [s.id for s in store.read_now(rows.list_conversations, limit=-1)]
    if not ids:
        raise UsageError("There are no saved conversations to export yet.")
    options = ExportOptions(all_branches=args.all_branches, reasoning=args.reasoning)
    try:
        written = export(
            _loaded(store, ids), args.format, args.out, options, count=len(ids), pdf=pdf
        )
    except TranscriptError as error:
        print(f"parley: {error}", file=err)
        return EXIT_FAILED
    what = f"{len(ids)} conversations" if len(ids) > 1 else "1 conversation"
    where = written[0] if len(written) == 1 else args.out
    print(f"Exported {what} as {FORMAT_NAMES[args.format]} to {where}", file=out)
    return EXIT_OK


def _found(store: Store, given: str) -> str:
    from .cli_store import find

    return find(store, given).id


def _loaded(store: Store, ids: list[str]) -> Iterator[Conversation]:
    """Each conversation read when its turn comes: a JSON export of thousands never holds
    them all at once."""
    from .store import rows

    for conversation_id in ids:
        conversation = store.read_now(rows.load_conversation, conversation_id)
        if conversation is not None:  # deleted in the window meanwhile
            yield conversation


def _import(store: Store, path: Path, out: TextIO, err: TextIO) -> int:
    from .store import StoreError
    from .transcript.errors import TranscriptError
    from .transcript.importing import ImportCancelled, import_file

    shown = _Progress(err) if err.isatty() else None
    cancel = threading.Event()
    try:
        report = import_file(store, path, progress=shown, cancel=cancel)
    except KeyboardInterrupt:
        print("\nparley: the import was cancelled: nothing of it was kept.", file=err)
        return EXIT_INTERRUPTED
    except ImportCancelled:
        print("parley: the import was cancelled: nothing of it was kept.", file=err)
        return EXIT_INTERRUPTED
    except (TranscriptError, StoreError) as error:
        if shown:
            shown.clear()
        print(f"parley: {error}", file=err)
        return EXIT_FAILED
    if shown:
        shown.clear()
    print(report.sentence(), file=out)
    from .cli_store import searchable

    if not searchable(store, err):
        print(
            "parley: the conversations are imported, but not all of their messages could be "
            "indexed for search yet: Parley goes on with that the next time it starts.",
            file=err,
        )
        return EXIT_FAILED
    return EXIT_OK


class _Progress:
    """``Importing… 45% (135 of 300 MB)`` on a terminal, written over itself."""

    def __init__(self, err: TextIO) -> None:
        self._err = err
        self._shown = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        if percent == self._shown:
            return
        self._shown = percent
        self._err.write(f"\rImporting… {percent}% ({done / 1e6:,.0f} of {total / 1e6:,.0f} MB)")
        self._err.flush()

    def clear(self) -> None:
        if self._shown >= 0:
            self._err.write("\r\x1b[K")
            self._err.flush()
