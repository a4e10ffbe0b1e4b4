"""The settings file on disk: read whatever a person or an editor left there, write atomically.

Reading never raises. A file that is not a JSON object is set aside (``settings.json.damaged``)
so nothing in it is lost; a file that cannot be opened (permissions) or that is not a regular
file (a FIFO, a folder) is left alone, and Parley does not overwrite it. A symlinked file is
written through its link, so dotfile managers keep working.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_BYTES = 1 << 20
"""A settings file is a few hundred bytes; anything over a MiB is not one of ours."""

_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)


@dataclass(slots=True)
class FileContents:
    """What reading the settings file gave: its object, or why there is none."""

    data: dict[str, Any] = field(default_factory=dict)
    problem: str = ""
    """A sentence for the user when the file could not be used; "" when it could."""
    writable: bool = True
    """False when writing would destroy a file the user still has (unreadable, not a file)."""


class _Damaged(ValueError):
    """The file's bytes are not a JSON object; the message says what is wrong."""


def read_file(path: Path) -> FileContents:
    """The JSON object in ``path``; a missing file gives an empty one."""
    try:
        raw = _read_regular_file(path)
    except (FileNotFoundError, NotADirectoryError):  # no file (saving says why if it cannot)
        return FileContents()
    except _NotAFile as error:
        return FileContents(problem=_left_alone(path, str(error)), writable=False)
    except OSError as error:
        return FileContents(problem=_unreadable(path, error), writable=False)
    try:
        if len(raw) > MAX_BYTES:
            raise _Damaged(f"it is larger than {MAX_BYTES // 1024} KiB")
        return FileContents(data=parse(raw))
    except _Damaged as error:
        return _set_aside(path, str(error))


def parse(raw: bytes) -> dict[str, Any]:
    """The JSON object in ``raw`` (UTF-8, UTF-16 or UTF-32, with or without a BOM)."""
    text = _decode(raw)
    try:
        value = json.loads(text, parse_int=_parse_int)
    except RecursionError:
        raise _Damaged("it is nested too deeply to be a settings file") from None
    except ValueError as error:
        raise _Damaged(f"it is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise _Damaged(f"it holds a JSON {type(value).__name__}, not an object")
    return value


def _parse_int(digits: str) -> int | float:
    """An integer as JSON gives it; one too long for Python's ``int`` limits is read as a
    float (an infinity), which every setting's check then refuses."""
    return int(digits) if len(digits) <= 300 else float(digits)


def _decode(raw: bytes) -> str:
    encoding = _encoding(raw)
    bom = next((mark for mark, name in _BOMS if name == encoding and raw.startswith(mark)), b"")
    try:
        return raw[len(bom) :].decode(encoding)
    except UnicodeDecodeError as error:
        raise _Damaged(f"it is not text in {encoding.upper()} (byte {error.start})") from None


def _encoding(raw: bytes) -> str:
    """The text encoding of ``raw``: its byte-order mark, else the pattern of zero bytes that
    JSON text in UTF-16 or UTF-32 starts with (RFC 4627, section 3), else UTF-8."""
    for mark, name in _BOMS:
        if raw.startswith(mark):
            return name
    head = raw[:4]
    if len(head) == 4 and head[:3] == b"\x00\x00\x00":
        return "utf-32-be"
    if len(head) == 4 and head[1:] == b"\x00\x00\x00":
        return "utf-32-le"
    if len(head) >= 2 and head[0] == 0:
        return "utf-16-be"
    if len(head) >= 2 and head[1] == 0:
        return "utf-16-le"
    return "utf-8"


class _NotAFile(OSError):
    """The path exists but is no regular file; the message names what it is."""


def _read_regular_file(path: Path) -> bytes:
    """The file's bytes. Opened without blocking, so a FIFO in its place cannot hang us."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _NotAFile(_kind(mode))
        with os.fdopen(fd, "rb") as file:
            fd = -1  # the file owns it now
            return file.read(MAX_BYTES + 1)
    finally:
        if fd >= 0:
            os.close(fd)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "device"


def _left_alone(path: Path, kind: str) -> str:
    return (
        f"Parley's settings file {path} is a {kind}, not a file, so Parley uses the default "
        "settings and does not save changes. Remove it or put a settings file there."
    )


def _unreadable(path: Path, error: OSError) -> str:
    reason = (error.strerror or type(error).__name__).lower()
    return (
        f"Parley cannot open its settings file {path} ({reason}), so it uses the default "
        f"settings and does not save changes. Give yourself read and write access to it "
        f"(chmod u+rw '{path}')."
    )


def _set_aside(path: Path, why: str) -> FileContents:
    """Move the damaged file out of the way, under a name no earlier copy holds."""
    try:
        aside = _free_name(path)
        os.replace(path, aside)
    except OSError as error:
        reason = (error.strerror or type(error).__name__).lower()
        problem = (
            f"Parley could not read its settings file {path} and could not set it aside, so it "
            "uses the default settings and leaves the file as it is: fix or remove it. "
            f"({_capital(why)}; setting it aside failed: {reason}.)"
        )
        return FileContents(problem=problem, writable=False)
    problem = (
        "Parley could not read its settings file, so it uses the default settings. The file "
        f"was kept as {aside}: fix it and move it back, or delete it. ({_capital(why)}.)"
    )
    return FileContents(problem=problem)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _free_name(path: Path) -> Path:
    for number in range(1, 1000):
        suffix = ".damaged" if number == 1 else f".damaged-{number}"
        candidate = path.with_name(path.name + suffix)
        if not os.path.lexists(candidate):
            return candidate
    raise FileExistsError(17, "too many damaged copies are kept beside it")


def write_file(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` atomically: a crash leaves the old file or the new one, never half.

    A symlink is followed, and the file it points at is replaced, not the link.
    """
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".settings-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2, sort_keys=True)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, target)
    except BaseException:
        _remove_quietly(tmp)
        raise


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
