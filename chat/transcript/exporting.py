"""Exports: conversations written to files, one per conversation, or all in one JSON file.

Every file is written beside its final name and moved into place when it is whole, so an
export that fails leaves no half file where a good one was.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from ..conversation import Conversation
from .errors import TranscriptError
from .names import file_name
from .options import SUFFIXES, ExportOptions, Format

PdfWriter = Callable[[Sequence[Conversation], Path, ExportOptions], None]
"""Writes conversations as a PDF (it needs Qt's text engine, so gui/ provides it)."""
Renderer = Callable[[Conversation, ExportOptions], str]


def export(
    conversations: Sequence[Conversation] | Iterable[Conversation],
    fmt: Format,
    out: Path,
    options: ExportOptions | None = None,
    *,
    count: int,
    pdf: PdfWriter | None = None,
) -> list[Path]:
    """Write ``count`` conversations as ``fmt`` to ``out``; returns the files written.

    JSON holds every conversation in one file: ``out`` is that file (or a folder to put it
    in). Other formats give one file per conversation: ``out`` is the file when there is one
    conversation (or a folder to put it in), and a folder (made if missing) when there are
    several, each file named from its title.

    Raises:
        TranscriptError: a file could not be written, or ``out`` does not suit.
    """
    options = options or ExportOptions()
    if fmt == "pdf" and pdf is None:
        raise TranscriptError(
            "PDF export needs Parley's window libraries: run it with the `parley` command."
        )
    if fmt == "json":
        return [_export_json(conversations, out)]
    if count == 1:
        (conversation,) = list(conversations)
        target = out / _name(conversation, fmt, set()) if out.is_dir() else out
        _write_one(conversation, fmt, target, options, pdf)
        return [target]
    folder = _folder(out)
    taken: set[str] = set()
    written = []
    for conversation in conversations:
        target = folder / _name(conversation, fmt, taken)
        _write_one(conversation, fmt, target, options, pdf)
        written.append(target)
    return written


def _name(conversation: Conversation, fmt: Format, taken: set[str]) -> str:
    return file_name(conversation.title, SUFFIXES[fmt], taken)


def _folder(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise TranscriptError(
            "Several conversations go into a folder, one file each: give a folder for --out.",
            where=str(out),
            detail="it is a file",
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _unwritable(out, error) from error
    return out


def _export_json(conversations: Iterable[Conversation], out: Path) -> Path:
    from .parley_json import dump

    if out.is_dir():
        out = out / f"Parley {datetime.date.today().isoformat()}.json"
    with _replacing(out) as stream:
        dump(conversations, stream)
    return out


def _write_one(
    conversation: Conversation,
    fmt: Format,
    target: Path,
    options: ExportOptions,
    pdf: PdfWriter | None,
) -> None:
    if fmt == "pdf":
        assert pdf is not None
        with _replaced_path(target) as temporary:
            pdf([conversation], temporary, options)
        return
    text = _renderer(fmt)(conversation, options)
    with _replacing(target) as stream:
        stream.write(text)


def _renderer(fmt: Format) -> Renderer:
    if fmt == "md":
        from .markdown import to_markdown

        return to_markdown
    if fmt == "txt":
        from .text import to_text

        return to_text
    from .html import to_html

    return to_html


@contextmanager
def _replacing(target: Path) -> Iterator[TextIO]:
    """A text stream that becomes ``target`` when the block ends without an error."""
    with _replaced_path(target) as temporary:
        try:
            with temporary.open("w", encoding="utf-8", newline="\n") as stream:
                yield stream
        except OSError as error:
            raise _unwritable(target, error) from error


@contextmanager
def _replaced_path(target: Path) -> Iterator[Path]:
    """A path beside ``target`` to write; moved onto ``target`` when the block succeeds."""
    # made by whoever writes it, so it gets the usual permissions (the umask's), not 0600
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        yield temporary
        os.replace(temporary, target)
    except OSError as error:
        raise _unwritable(target, error) from error
    finally:
        with contextlib.suppress(OSError):  # gone already, or its folder never was
            temporary.unlink(missing_ok=True)


def _unwritable(target: Path, error: OSError) -> TranscriptError:
    return TranscriptError(
        "Parley could not write the export: check that the folder exists, that you may write "
        "there and that the disk has room.",
        where=str(target),
        detail=error.strerror or type(error).__name__,
    )
