"""Which export a file is, told from what it holds (never from its name): a Parley
transcript, or the ``conversations.json`` of a ChatGPT or Claude data export, alone or in
the .zip the service sent. The zip is read as a stream, never unpacked."""

from __future__ import annotations

import itertools
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any, BinaryIO, Literal, NoReturn, cast

from ..conversation import Conversation
from . import parley_json
from .chatgpt import conversation_from_chatgpt
from .claude import conversation_from_claude
from .errors import TranscriptError
from .fields import kind_of
from .jsonstream import ArrayReader, Progress

ExportFormat = Literal["parley", "chatgpt", "claude", "empty"]
LABELS: dict[ExportFormat, str] = {
    "parley": "Parley transcript",
    "chatgpt": "ChatGPT export",
    "claude": "Claude export",
    "empty": "export with no conversations",
}
MEMBER = "conversations.json"
MAX_MEMBER_BYTES = 16 << 30
"""A conversations.json claiming more than this (16 GiB) is no chat export."""
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    RuntimeError,  # encrypted
    NotImplementedError,  # a compression Python lacks
    ValueError,
    OSError,
)
_FORMATS_READ = (
    "Parley imports its own JSON transcripts and the conversations.json of a ChatGPT or a "
    "Claude data export (or the .zip it came in): choose one of those."
)
Converter = Callable[..., Conversation]
_CONVERTERS: dict[str, Converter] = {
    "chatgpt": conversation_from_chatgpt,
    "claude": conversation_from_claude,
}


class ExportSource:
    """An export open for reading: its ``format``, its ``size`` in bytes (what progress
    counts up to), and its conversations, read once. Close it (or use ``with``)."""

    def __init__(
        self,
        format: ExportFormat,
        size: int,
        reader: ArrayReader,
        items: Iterator[Any],
        close: Callable[[], None],
    ) -> None:
        self.format: ExportFormat = format
        self.size = size
        self._reader = reader
        self._items = items
        self._close = close
        self._read = False

    @property
    def label(self) -> str:
        """The format in words ("ChatGPT export")."""
        return LABELS[self.format]

    def conversations(self, progress: Progress | None = None) -> Iterator[Conversation]:
        """The conversations, one at a time; ``progress(bytes_done)`` as the file is read.
        Raises only ``TranscriptError`` (naming the conversation that could not be read)."""
        if self._read:
            raise RuntimeError("an export's conversations are read once")
        self._read = True
        self._reader.progress = progress
        if progress is not None:
            progress(self._reader.bytes_done)  # what telling the format took
        if self.format == "parley":
            return parley_json.conversations_of(self._items)
        if self.format == "empty":
            return iter(())
        convert = _CONVERTERS[self.format]
        return (convert(item, index=index) for index, item in enumerate(self._items))

    def close(self) -> None:
        self._close()

    def __enter__(self) -> ExportSource:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def open_export(path: Path, *, max_member_bytes: int = MAX_MEMBER_BYTES) -> ExportSource:
    """Open ``path`` (a .json file, or a .zip holding one) and tell which export it is.
    Raises only ``TranscriptError``: it cannot be opened, or is of no format Parley reads."""
    stream, size, close = _open(path, max_member_bytes)
    try:
        return _detected(stream, size, close)
    except BaseException:
        close()
        raise


def _detected(stream: BinaryIO, size: int, close: Callable[[], None]) -> ExportSource:
    reader = ArrayReader(stream, key="conversations", head_check=_parley_or_nothing)
    if reader.head is not None:
        parley_json.check_head(reader.head)
        return ExportSource("parley", size, reader, iter(reader), close)
    items = iter(reader)
    first = next(items, _END)
    if first is _END:
        return ExportSource("empty", size, reader, items, close)
    format = _format_of(first)
    return ExportSource(format, size, reader, itertools.chain([first], items), close)


_END = object()


def _parley_or_nothing(head: dict[str, Any], ended: bool) -> None:
    if not parley_json.looks_like(head, ended):
        _unknown("an object that is not a Parley transcript (it has no “format”)")


def _format_of(first: Any) -> ExportFormat:
    if isinstance(first, dict) and "mapping" in first:
        return "chatgpt"
    if isinstance(first, dict) and "chat_messages" in first:
        return "claude"
    if isinstance(first, dict):
        _unknown("a list whose first item has neither “mapping” nor “chat_messages”")
    _unknown(f"a list whose first item is {kind_of(first)}")


def _unknown(found: str) -> NoReturn:
    raise TranscriptError(_FORMATS_READ, detail=f"the file holds {found}")


# -- files and zips


def _open(path: Path, max_member_bytes: int) -> tuple[BinaryIO, int, Callable[[], None]]:
    """The stream of the JSON in ``path``, its size, and what closes it."""
    try:
        file = path.open("rb")
    except OSError as error:
        raise _unopened(path, error) from None
    try:
        magic = file.read(4)
        file.seek(0)
    except OSError as error:  # a pipe cannot seek back, say
        file.close()
        raise _unopened(path, error) from None
    if magic not in _ZIP_MAGIC:
        return cast(BinaryIO, file), _size(file), file.close
    try:
        return _open_member(file, path, max_member_bytes)
    except BaseException:
        file.close()
        raise


def _unopened(path: Path, error: OSError) -> TranscriptError:
    return TranscriptError(
        "Parley could not open the file: check that it is there and that you may read it.",
        where=str(path),
        detail=error.strerror or type(error).__name__,
    )


def _size(file: IO[bytes]) -> int:
    file.seek(0, 2)
    size = file.tell()
    file.seek(0)
    return size


def _open_member(
    file: IO[bytes], path: Path, max_member_bytes: int
) -> tuple[BinaryIO, int, Callable[[], None]]:
    try:
        archive = zipfile.ZipFile(file)
        info = _member(archive, path, max_member_bytes)
        member = archive.open(info)
    except _ZIP_ERRORS as error:
        _damaged_zip(path, error)

    def close() -> None:
        member.close()
        archive.close()
        file.close()

    return cast(BinaryIO, _ZipStream(member, path)), info.file_size, close


def _member(archive: zipfile.ZipFile, path: Path, max_bytes: int) -> zipfile.ZipInfo:
    """The conversations.json of the zip (the one nearest the top), else its only .json."""
    files = [i for i in archive.infolist() if not i.is_dir() and "__MACOSX" not in i.filename]
    named = [i for i in files if i.filename.rsplit("/", 1)[-1] == MEMBER]
    found = named or [i for i in files if i.filename.lower().endswith(".json")]
    if not found or (not named and len(found) > 1):
        raise TranscriptError(
            f"This zip holds no {MEMBER}: choose the .zip of a ChatGPT or Claude data export, "
            "or a Parley transcript.",
            where=path.name,
        )
    chosen = min(found, key=lambda i: i.filename.count("/"))
    if chosen.file_size > max_bytes:
        raise TranscriptError(
            "This zip holds a file far too large to be a chat export: check the file.",
            where=f"{path.name}: {chosen.filename}",
            detail=f"{chosen.file_size} bytes",
        )
    return chosen


def _damaged_zip(path: Path, error: BaseException) -> NoReturn:
    raise TranscriptError(
        "This zip file is damaged, or packed in a way Parley cannot read: download the "
        "export again.",
        where=path.name,
        detail=str(error) or type(error).__name__,
    ) from None


class _ZipStream:
    """A zip member read as a stream, its damage (a bad checksum, a cut) a TranscriptError."""

    def __init__(self, member: IO[bytes], path: Path) -> None:
        self._member = member
        self._path = path

    def read(self, size: int = -1) -> bytes:
        try:
            return self._member.read(size)
        except _ZIP_ERRORS as error:
            _damaged_zip(self._path, error)
