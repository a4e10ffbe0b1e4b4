"""The streaming JSON reader's edges: each error word for word, and how far it reads ahead."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from chat.transcript.errors import TranscriptError
from chat.transcript.jsonstream import ArrayReader, iter_array

_AGAIN = "Export it again, or check that you chose the right file."
_INVALID = f"The file is not valid JSON. {_AGAIN}"
_CUT = (
    "The file ends too soon: it may have been cut short while it downloaded. "
    "Download or export it again."
)
_NOT_A_LIST = f"The file does not hold a list. {_AGAIN}"


def _said(data: bytes, **kwargs: Any) -> str:
    with pytest.raises(TranscriptError) as caught:
        list(iter_array(io.BytesIO(data), **kwargs))
    return str(caught.value)


def test_an_empty_file_says_only_that_it_is_empty() -> None:
    assert _said(b"") == "The file is empty: there is nothing in it to import. At byte 0"
    assert _said(b" \n ") == "The file is empty: there is nothing in it to import. At byte 3"


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b"  {}", "At byte 2: found an object"),
        (b'"text"', "At byte 0: found text"),
        (b" true", "At byte 1: found true"),
        (b"false", "At byte 0: found false"),
        (b"null", "At byte 0: found null"),
        (b"-1", "At byte 0: found a number"),
        (b"x", "At byte 0: found 'x'"),
        (b"X", "At byte 0: found 'X'"),
    ],
)
def test_a_top_level_that_is_no_list_says_what_it_found(data: bytes, found: str) -> None:
    assert _said(data) == f"{_NOT_A_LIST} {found}"


def test_with_a_key_the_wrong_top_level_names_the_key() -> None:
    assert _said(b"tru", key="k") == (
        f"The file does not hold a list, or an object with a “k” list. {_AGAIN} "
        "At byte 0: found true"
    )


def test_a_missing_key_says_where_the_object_ends() -> None:
    assert _said(b'{"a": 1}', key="conversations") == (
        "This file holds no “conversations” list. At byte 8: the object ends here"
    )
    assert _said(b" {}", key="c") == "This file holds no “c” list. At byte 2: the object ends here"


def test_a_key_that_is_no_list_names_its_byte() -> None:
    assert _said(b'  {"c": {}}', key="c") == "The “c” in this file is not a list. At byte 8"


def test_an_object_after_spaces_is_read_with_its_head() -> None:
    reader = ArrayReader(io.BytesIO(b'  {"a": 1, "k": [2]}'), key="k")
    assert reader.head == {"a": 1}
    assert list(reader) == [2]


def test_a_compact_object_is_read_with_its_head() -> None:
    reader = ArrayReader(io.BytesIO(b'{"a":1,"k":[2],"z":3}'), key="k")
    assert reader.head == {"a": 1}
    assert list(reader) == [2]


def test_a_member_without_a_quoted_name_or_a_colon_is_named() -> None:
    assert _said(b"  {1: 2}", key="k") == f"{_INVALID} At byte 3: expected a name in quotes"
    assert _said(b' {"a" 1}', key="k") == f"{_INVALID} At byte 6: expected “:” after a name"


def test_a_head_check_sees_an_empty_head_when_the_object_is_empty() -> None:
    seen: list[tuple[dict[str, Any], bool]] = []

    def check(head: dict[str, Any], ended: bool) -> None:
        seen.append((head, ended))

    with pytest.raises(TranscriptError):
        ArrayReader(io.BytesIO(b"{}"), key="k", head_check=check)
    assert seen == [({}, True)]


def test_nan_and_infinity_are_named_with_their_byte() -> None:
    assert _said(b"[NaN]") == f"{_INVALID} At byte 1: found NaN"
    assert _said(b" [1, -Infinity]") == f"{_INVALID} At byte 5: found -Infinity"


def test_a_list_cut_between_elements_says_what_should_follow() -> None:
    assert _said(b"[1, 2") == f"{_CUT} At byte 5: the file ends where “,” or “]” should be"


def test_an_element_cut_short_gives_the_decoders_reason() -> None:
    assert _said(b"[[1, 2") == f"{_CUT} At byte 6: Expecting ',' delimiter"


def test_data_after_the_array_is_extra_data() -> None:
    assert _said(b"[1] x") == (
        f"The file goes on after its JSON ends. {_AGAIN} At byte 4: extra data"
    )


def test_deep_nesting_and_huge_numbers_name_their_byte() -> None:
    assert _said(b"[" * 100_000) == "The file nests lists or objects too deeply to read. At byte 1"
    assert _said(b" [1" + b"0" * 5000 + b"]") == (
        "The file holds a number too large to read. At byte 2"
    )


@pytest.mark.parametrize("chunk", range(1, 41))
def test_bad_json_shows_at_least_the_17_characters_kept_ahead_of_an_error(chunk: int) -> None:
    data = '["жжж", [1 2345678901234567890123456789012345], "ж"]'.encode()
    said = _said(data, chunk_size=chunk)
    start = f"{_INVALID} At byte {data.index(b'2345')}: Expecting ',' delimiter, found '"
    assert said.startswith(start)
    assert said.endswith("'")
    assert "234567890123456789012345".startswith(said[len(start) : -1])
    assert len(said) - len(start) - 1 >= 17


@pytest.mark.parametrize("chunk", range(1, 30))
def test_bad_json_after_many_byte_characters_names_its_byte(chunk: int) -> None:
    data = '["жжжжжжж", 1 2, "жжжжжжжжжжжжжжжжж"]'.encode()
    assert _said(data, chunk_size=chunk) == (
        f"{_INVALID} At byte {data.index(b'2,')}: expected “,” or “]”"
    )


def test_a_byte_order_mark_inside_the_text_is_kept() -> None:
    bom = "\ufeff".encode()
    for chunk in range(1, 8):
        assert list(iter_array(io.BytesIO(b'["ab' + bom + b'c"]'), chunk_size=chunk)) == [
            "ab\ufeffc"
        ]


def test_opening_a_reader_reads_only_up_to_its_list() -> None:
    assert ArrayReader(io.BytesIO(b"   [1, 2]"), chunk_size=1).bytes_read == 4
    assert ArrayReader(io.BytesIO(b"[1, 2, 3]"), chunk_size=3).bytes_read == 3


def test_the_elements_are_read_a_chunk_at_a_time() -> None:
    data = json.dumps(list(range(10_000))).encode()
    stream = io.BytesIO(data)
    elements = iter_array(stream, chunk_size=8)
    assert next(elements) == 0
    assert stream.tell() <= 64
    reader = ArrayReader(io.BytesIO(data), chunk_size=8)
    assert next(iter(reader)) == 0
    assert reader.bytes_read <= 64


def test_a_stream_that_cannot_be_read_names_its_error(tmp_path: Path) -> None:
    with (tmp_path / "out.json").open("wb") as stream, pytest.raises(TranscriptError) as caught:
        list(iter_array(stream))  # type: ignore[arg-type]
    assert str(caught.value) == (
        "Parley could not read the file: check that it is still there. "
        "At byte 0: UnsupportedOperation"
    )


def test_a_reader_read_twice_says_it_is_read_once_and_a_chunk_is_at_least_a_byte() -> None:
    reader = ArrayReader(io.BytesIO(b"[]"))
    assert list(reader) == []
    with pytest.raises(RuntimeError, match=r"^an ArrayReader is read once$"):
        iter(reader)
    with pytest.raises(ValueError, match=r"^chunk_size must be at least 1$"):
        ArrayReader(io.BytesIO(b"[]"), chunk_size=0)


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 8, 13])
def test_the_reader_keeps_the_slack_ahead_of_an_element_and_no_more_than_twice_it(
    chunk: int,
) -> None:
    # A value with 16 characters or fewer after it may go on in the next chunk, so the
    # reader yields it only with 17 or more read beyond it (or the end of the file); it
    # then reads until twice what it holds from the value on, plus what one chunk brings.
    data = json.dumps([7] * 200).encode()
    reader = ArrayReader(io.BytesIO(data), chunk_size=chunk)
    leads = []
    for _ in reader:
        if reader.bytes_read < len(data):
            leads.append(reader.bytes_read - reader.bytes_done)
    assert len(leads) > 150
    assert min(leads) >= 17
    assert max(leads) < 2 * (1 + 16) + chunk


def test_a_text_cut_short_says_at_which_byte_it_opens() -> None:
    data = '[{"a": 1}, {"ключ": "unfinished'.encode()
    opens = data.index(b'"unfinished')
    for chunk in (1, 7, 1 << 20):
        assert _said(data, chunk_size=chunk) == (
            f"{_CUT} At byte {len(data)}: Unterminated string starting at byte {opens}"
        )


def test_an_element_cut_by_the_read_is_decoded_again_only_once_its_text_has_doubled() -> None:
    # One-byte chunks. The reader first reads 3 bytes (a byte order mark may be there), then
    # doubles the text from "1" (byte 1) until more than 16 characters follow it: 32, so 33
    # bytes. The string opens at byte 4 and is cut with 29 characters held: it reads until
    # 58 are; the string then ends with only 16 after it, so it doubles once more, to 116.
    data = b'[1, "' + b"x" * 40 + b'", ' + b"2, " * 100 + b"3]"
    reader = ArrayReader(io.BytesIO(data), chunk_size=1)
    elements = iter(reader)
    assert next(elements) == 1
    assert reader.bytes_read == 1 + 32
    assert next(elements) == "x" * 40
    assert reader.bytes_read == 4 + 116
