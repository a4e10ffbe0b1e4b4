"""The elements of a huge JSON array, read one at a time from a binary stream.

An export of a few hundred megabytes is one JSON array (or an object holding one): it is read
in chunks and decoded element by element, so memory holds about one element and one chunk.
An element cut by a chunk's end is decoded again only once the text after its start has at
least doubled, so even a single element of 100 MB costs linear time.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, NoReturn

from .errors import TranscriptError

CHUNK_SIZE = 1 << 20
Progress = Callable[[int], None]
"""Called with how many bytes of the file are read and decoded, after each element of the
array and at its end (where it is the whole). Counting the undecoded rest as one byte a
character, it never goes back and never passes the bytes read."""
HeadCheck = Callable[[dict[str, Any], bool], None]
"""Called with the members read so far before the array, after each one and once more
(``ended``) when the object ends without the array: raises when the file is not of its kind."""

_BOM = b"\xef\xbb\xbf"
_SLACK = 16
"""A value ending (or failing) this close to the text's end may go on in the next chunk:
a number, or a literal or an escape cut short (``-Infinit`` is the longest)."""
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_AGAIN = "Export it again, or check that you chose the right file."


class _NotJson(ValueError):
    """``NaN`` or ``Infinity``: Python reads them, JSON has no such thing."""


def _no_constant(name: str) -> NoReturn:
    raise _NotJson(name)


def iter_array(
    stream: BinaryIO,
    *,
    key: str | None = None,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[Any]:
    """The elements of the top-level array of ``stream`` (with ``key``: of the array under
    that key of a top-level object), one at a time. Raises only ``TranscriptError``."""
    yield from ArrayReader(stream, key=key, progress=progress, chunk_size=chunk_size)


class ArrayReader:
    """A JSON array read element by element; iterate over it once.

    With ``key`` the top level may be an object: ``head`` then holds its members that come
    before ``key`` (members after the array are checked and left out), and the elements are
    those of the array under ``key``. ``head`` is None when the top level is an array.
    ``head_check`` sees the head as it is read, so a file of another kind fails early.
    Reading up to the array happens here, so a file of the wrong shape fails at once.
    Every problem with the input is a ``TranscriptError`` naming its byte offset.
    """

    def __init__(
        self,
        stream: BinaryIO,
        *,
        key: str | None = None,
        progress: Progress | None = None,
        chunk_size: int = CHUNK_SIZE,
        head_check: HeadCheck | None = None,
    ) -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        self.progress = progress
        self.head: dict[str, Any] | None = None
        self._stream = stream
        self._key = key
        self._head_check = head_check
        self._chunk_size = chunk_size
        self._text = ""
        self._pos = 0
        self._read = 0
        self._fed = 0
        self._lead = b""
        self._started = False
        self._eof = False
        self._iterated = False
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._json = json.JSONDecoder(parse_constant=_no_constant)
        self._open()

    @property
    def bytes_read(self) -> int:
        """The bytes read from the stream (a chunk ahead of what is decoded)."""
        return self._read

    @property
    def bytes_done(self) -> int:
        """About how many bytes are decoded (see ``Progress``)."""
        undecoded = len(self._lead) + len(self._utf8.getstate()[0])
        return max(0, self._read - (len(self._text) - self._pos) - undecoded)

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.bytes_done)

    def __iter__(self) -> Iterator[Any]:
        if self._iterated:
            raise RuntimeError("an ArrayReader is read once")
        self._iterated = True
        return self._elements()

    # -- the shape around the array

    def _open(self) -> None:
        first = self._next_char()
        if first == "[":
            self._pos += 1
        elif first == "{" and self._key is not None:
            self._pos += 1
            self.head = {}
            self._find_key(self.head)
        else:
            self._fail(_wrong_top(first, self._key), self._pos, _describe(first))

    def _find_key(self, head: dict[str, Any]) -> None:
        if self._next_char() == "}":
            self._no_key(head)
        while True:
            name = self._member_name()
            if name == self._key:
                if self._next_char() != "[":
                    self._fail(f"The “{name}” in this file is not a list.", self._pos)
                self._pos += 1
                return
            head[name] = self._value()
            if self._head_check is not None:
                self._head_check(head, False)
            if self._separator("}") == "}":
                self._no_key(head)

    def _no_key(self, head: dict[str, Any]) -> NoReturn:
        if self._head_check is not None:
            self._head_check(head, True)
        self._fail(f"This file holds no “{self._key}” list.", self._pos, "the object ends here")

    def _member_name(self) -> str:
        if self._next_char() != '"':
            self._invalid(self._pos, "expected a name in quotes")
        name = self._value()
        if self._next_char() != ":":
            self._invalid(self._pos, "expected “:” after a name")
        self._pos += 1
        return str(name)

    def _separator(self, closing: str) -> str:
        """Past a ``,`` or ``closing``; which one it was."""
        found = self._next_char()
        if not found:
            self._cut_short(f"the file ends where “,” or “{closing}” should be")
        if found not in (",", closing):
            self._invalid(self._pos, f"expected “,” or “{closing}”")
        self._pos += 1
        return found

    def _elements(self) -> Iterator[Any]:
        if self._next_char() == "]":
            self._pos += 1
        else:
            while True:
                value = self._value()
                self._report()
                yield value
                if self._separator("]") == "]":
                    break
        self._close()
        self._report()

    def _close(self) -> None:
        if self.head is not None:
            while self._separator("}") == ",":
                self._member_name()
                self._value()
        if self._next_char():
            self._fail(f"The file goes on after its JSON ends. {_AGAIN}", self._pos, "extra data")

    # -- values

    def _value(self) -> Any:
        """The JSON value at the next character (after whitespace)."""
        self._next_char()
        while True:
            available = len(self._text) - self._pos
            try:
                value, end = self._json.raw_decode(self._text, self._pos)
            except json.JSONDecodeError as error:
                if self._eof or not self._may_go_on(error):
                    self._bad_json(error)
            except RecursionError:
                self._fail("The file nests lists or objects too deeply to read.", self._pos)
            except _NotJson as error:
                self._invalid(self._pos, f"found {error}")
            except (ValueError, OverflowError):
                self._fail("The file holds a number too large to read.", self._pos)
            else:
                if self._eof or len(self._text) - end > _SLACK:
                    self._pos = end
                    return value
            self._fill(2 * available)

    def _may_go_on(self, error: json.JSONDecodeError) -> bool:
        return error.msg.startswith("Unterminated string") or error.pos >= len(self._text) - _SLACK

    def _bad_json(self, error: json.JSONDecodeError) -> NoReturn:
        if error.msg.startswith("Unterminated string") or error.pos >= len(self._text):
            self._cut_short(self._decoder_said(error))
        self._invalid(error.pos, f"{error.msg}, found {_excerpt(self._text, error.pos)}")

    def _decoder_said(self, error: json.JSONDecodeError) -> str:
        """The decoder's reason; for a text never closed, with the byte where it opens (the
        decoder's own words end in "starting at")."""
        if error.msg.endswith(" starting at"):
            return f"{error.msg} byte {self._offset(error.pos)}"
        return error.msg

    def _next_char(self) -> str:
        """The next character that is not whitespace, or "" at the end of the stream."""
        while True:
            spaces = _WHITESPACE.match(self._text, self._pos)
            self._pos = spaces.end() if spaces else self._pos
            if self._pos < len(self._text):
                return self._text[self._pos]
            if self._eof:
                return ""
            self._fill(1)

    # -- bytes to text

    def _fill(self, need: int) -> None:
        """Read until ``need`` characters follow the position (or the stream ends)."""
        have = len(self._text) - self._pos
        pieces = [self._text[self._pos :]]
        while have < need and not self._eof:
            piece = self._decoded(self._read_chunk())
            pieces.append(piece)
            have += len(piece)
        self._text = "".join(pieces)
        self._pos = 0

    def _read_chunk(self) -> bytes:
        try:
            data = self._stream.read(self._chunk_size)
        except OSError as error:
            raise TranscriptError(
                "Parley could not read the file: check that it is still there.",
                where=f"byte {self._read}",
                detail=error.strerror or type(error).__name__,
            ) from None
        self._read += len(data)
        return data

    def _decoded(self, data: bytes) -> str:
        final = not data
        if not self._started:
            data = self._lead + data
            if len(data) < len(_BOM) and not final:
                self._lead = data
                return ""
            self._started = True
            self._lead = b""
            if data.startswith(_BOM):
                self._fed = len(_BOM)
                data = data[len(_BOM) :]
        before = self._fed - len(self._utf8.getstate()[0])
        self._eof = final
        try:
            text = self._utf8.decode(data, final)
        except UnicodeDecodeError as error:
            raise TranscriptError(
                f"The file is not UTF-8 text, as JSON must be. {_AGAIN}",
                where=f"byte {before + error.start}",
                detail=f"found byte 0x{error.object[error.start]:02x}",
            ) from None
        self._fed += len(data)
        return text

    # -- errors

    def _offset(self, pos: int) -> int:
        """The byte offset in the stream of the character at ``pos`` of the text."""
        end = self._fed - len(self._utf8.getstate()[0])
        return end - len(self._text[pos:].encode("utf-8", "surrogatepass"))

    def _cut_short(self, detail: str) -> NoReturn:
        raise TranscriptError(
            "The file ends too soon: it may have been cut short while it downloaded. "
            "Download or export it again.",
            where=f"byte {self._read}",
            detail=detail,
        )

    def _invalid(self, pos: int, detail: str) -> NoReturn:
        self._fail(f"The file is not valid JSON. {_AGAIN}", pos, detail)

    def _fail(self, sentence: str, pos: int, detail: str = "") -> NoReturn:
        raise TranscriptError(sentence, where=f"byte {self._offset(pos)}", detail=detail)


def _wrong_top(first: str, key: str | None) -> str:
    if not first:
        return "The file is empty: there is nothing in it to import."
    wanted = "a list" if key is None else f"a list, or an object with a “{key}” list"
    return f"The file does not hold {wanted}. {_AGAIN}"


def _describe(first: str) -> str:
    kinds = {"{": "an object", "[": "a list", '"': "text", "t": "true", "f": "false", "n": "null"}
    if first in kinds:
        return f"found {kinds[first]}"
    if first in "-0123456789" and first:
        return "found a number"
    return f"found {first!r}" if first else ""


def _excerpt(text: str, pos: int) -> str:
    found = text[pos : pos + 24]
    return repr(found) if found else "the end of the file"
