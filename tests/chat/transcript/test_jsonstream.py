"""The streaming reader of huge JSON arrays: what it yields, and every way a file can be wrong."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat.transcript.errors import TranscriptError
from chat.transcript.jsonstream import ArrayReader, iter_array
from tests.support.fuzz import only_raises

pytestmark = pytest.mark.fuzz

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=20,
)
_layouts = st.sampled_from([{}, {"indent": 1}, {"separators": (",", ":")}, {"indent": "\t"}])


def _read(data: bytes, **kwargs: Any) -> list[Any]:
    return list(iter_array(io.BytesIO(data), **kwargs))


def _error(data: bytes, **kwargs: Any) -> TranscriptError:
    with pytest.raises(TranscriptError) as caught:
        _read(data, **kwargs)
    return caught.value


@given(
    items=st.lists(_json, max_size=8),
    layout=_layouts,
    ascii_only=st.booleans(),
    chunk=st.integers(1, 70),
)
def test_any_array_reads_back_element_by_element(
    items: list[Any], layout: dict[str, Any], ascii_only: bool, chunk: int
) -> None:
    data = json.dumps(items, ensure_ascii=ascii_only, **layout).encode()
    assert _read(data, chunk_size=chunk) == items


@given(
    head=st.dictionaries(st.text().filter(lambda k: k != "list"), _json, max_size=3),
    items=st.lists(_json, max_size=5),
    tail=_json,
    chunk=st.integers(1, 70),
)
def test_the_array_under_a_key_comes_with_the_members_before_it(
    head: dict[str, Any], items: list[Any], tail: Any, chunk: int
) -> None:
    data = json.dumps({**head, "list": items, "after": tail}).encode()
    reader = ArrayReader(io.BytesIO(data), key="list", chunk_size=chunk)
    assert reader.head == head
    assert list(reader) == items


def test_with_a_key_a_plain_array_is_read_too_and_has_no_head() -> None:
    reader = ArrayReader(io.BytesIO(b" [1, 2] "), key="conversations")
    assert reader.head is None
    assert list(reader) == [1, 2]


@given(data=st.binary(max_size=300), chunk=st.integers(1, 64))
def test_any_bytes_raise_only_a_transcript_error(data: bytes, chunk: int) -> None:
    only_raises(lambda: _read(data, chunk_size=chunk), TranscriptError)
    only_raises(lambda: _read(data, key="k", chunk_size=chunk), TranscriptError)


@given(items=st.lists(_json, min_size=1, max_size=6), data=st.data())
def test_a_file_cut_short_is_never_read_as_if_whole(items: list[Any], data: st.DataObject) -> None:
    whole = json.dumps(items).encode()
    cut = data.draw(st.integers(0, len(whole) - 1))
    with pytest.raises(TranscriptError):
        _read(whole[:cut], chunk_size=data.draw(st.integers(1, 40)))


@pytest.mark.parametrize("chunk", [1, 7, 4096, 1 << 20])
def test_an_element_over_many_chunks_is_one_element(chunk: int) -> None:
    big = {"mapping": ["ж" * 1000 + str(i) for i in range(3000)], "n": 12345678901234567890}
    items = [1, big, "x" * 70_000, 2.5, big]
    data = json.dumps(items, ensure_ascii=False).encode()
    if chunk == 1:
        data = json.dumps([1, {"k": "ж" * 20_000}, 3], ensure_ascii=False).encode()
        assert _read(data, chunk_size=1) == [1, {"k": "ж" * 20_000}, 3]
        return
    found = _read(data, chunk_size=chunk)
    assert len(found) == 5
    assert found == items


def test_numbers_cut_by_a_chunk_are_read_whole() -> None:
    data = b"[123456789, -0.000125e+10, 7]"
    for chunk in range(1, len(data) + 1):
        assert _read(data, chunk_size=chunk) == [123456789, -0.000125e10, 7]


def test_one_huge_element_is_read_in_linear_time() -> None:
    data = json.dumps([["y" * 100] * 80_000, {"z": "w" * 4_000_000}]).encode()
    found = only_raises(lambda: _read(data, chunk_size=4096))  # within the fuzz bound
    assert isinstance(found, list)
    assert len(found) == 2


def test_a_byte_order_mark_is_accepted_even_split_across_chunks() -> None:
    assert _read(b"\xef\xbb\xbf[1]", chunk_size=1) == [1]
    assert _read(b'\xef\xbb\xbf  ["\xc3\xa9"]', chunk_size=2) == ["é"]


@pytest.mark.parametrize("chunk", [1, 100, 1 << 20])
def test_progress_counts_the_bytes_decoded_element_by_element(chunk: int) -> None:
    data = json.dumps(list(range(1000))).encode()
    seen: list[int] = []
    assert len(_read(data, progress=seen.append, chunk_size=chunk)) == 1000
    assert len(seen) == 1001  # after each element, and at the end
    assert seen == sorted(seen)
    assert seen[-1] == len(data)
    assert seen[499] == len(json.dumps(list(range(500)))) - 1  # exact for ASCII
    assert seen[998] < len(data)  # even when one chunk held it all


def test_progress_never_goes_back_on_text_of_many_bytes_a_character() -> None:
    data = json.dumps(["ж" * n + "🙂" for n in range(300)], ensure_ascii=False).encode()
    for chunk in (1, 7, 4096):
        seen: list[int] = []
        _read(data, progress=seen.append, chunk_size=chunk)
        assert seen == sorted(seen)
        assert seen[-1] == len(data)
        assert max(seen) <= len(data)


def test_the_reader_tells_its_bytes_read_and_is_read_once() -> None:
    reader = ArrayReader(io.BytesIO(b"[1, 2]"))
    assert list(reader) == [1, 2]
    assert reader.bytes_read == 6
    with pytest.raises(RuntimeError):
        iter(reader)
    with pytest.raises(ValueError, match="chunk_size"):
        ArrayReader(io.BytesIO(b"[]"), chunk_size=0)


# -- what each wrong file says


def test_an_empty_file_says_so() -> None:
    error = _error(b"  \n")
    assert error.sentence.startswith("The file is empty")


def test_a_file_cut_short_says_where_it_ends() -> None:
    error = _error(b'[{"a": 1}, {"b": "unfinished')
    assert "cut short" in error.sentence
    assert error.where == "byte 28"
    error = _error(b"[1, 2")
    assert "cut short" in error.sentence
    assert error.where == "byte 5"


def test_bad_json_names_the_byte_and_what_was_found() -> None:
    data = '["жж", 1 2]'.encode()
    error = _error(data, chunk_size=3)
    assert error.sentence.startswith("The file is not valid JSON")
    assert error.where == f"byte {data.index(b'2')}"
    assert "“,” or “]”" in error.detail
    data = '[{"ключ": tru}]'.encode()
    error = _error(data)
    assert error.where == f"byte {data.index(b'tru')}"
    assert "'tru}]'" in error.detail


def test_a_trailing_comma_is_bad_json_not_a_cut() -> None:
    error = _error(b"[1, ]")
    assert error.sentence.startswith("The file is not valid JSON")
    assert error.where == "byte 4"


def test_nan_and_infinity_are_not_json() -> None:
    for data in (b"[NaN]", b"[1, -Infinity]"):
        error = _error(data)
        assert error.sentence.startswith("The file is not valid JSON")
        assert "found" in error.detail


def test_invalid_utf8_names_its_byte() -> None:
    data = '["ok ж", "'.encode() + b'\xff"]'
    error = _error(data, chunk_size=5)
    assert "UTF-8" in error.sentence
    assert error.where == f"byte {len(data) - 3}"
    error = _error(b'["a", "\xc3"]', chunk_size=1)
    assert error.where == "byte 7"
    assert error.detail == "found byte 0xc3"
    error = _error(b'["\xe2\x82')  # cut inside a character at the very end
    assert "UTF-8" in error.sentence


def test_the_wrong_kind_of_top_level_is_named() -> None:
    error = _error(b'{"a": [1]}')
    assert error.sentence.startswith("The file does not hold a list")
    assert error.detail == "found an object"
    assert _error(b'"text"').detail == "found text"
    assert _error(b"12").detail == "found a number"
    assert "an object with a “k” list" in _error(b"true", key="k").sentence


def test_a_missing_key_or_a_key_that_is_no_list_is_named() -> None:
    assert _error(b'{"a": 1}', key="conversations").sentence == (
        "This file holds no “conversations” list."
    )
    assert _error(b"{}", key="conversations").sentence.startswith("This file holds no")
    assert "is not a list" in _error(b'{"conversations": {}}', key="conversations").sentence
    assert "not valid JSON" in _error(b'{"a" 1}', key="k").sentence
    assert "not valid JSON" in _error(b"{1: 2}", key="k").sentence


def test_data_after_the_end_is_an_error() -> None:
    error = _error(b"[1] [2]")
    assert error.sentence.startswith("The file goes on after its JSON ends")
    assert error.where == "byte 4"
    assert "goes on" in _error(b'{"k": [], "z": 1} x', key="k").sentence


def test_deep_nesting_and_huge_numbers_are_errors_of_their_own() -> None:
    assert "too deeply" in _error(b"[" * 100_000).sentence
    assert "too deeply" in _error(b"[" + b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"]").sentence
    assert "number too large" in _error(b"[1" + b"0" * 5000 + b"]").sentence


def test_a_head_check_stops_a_file_of_another_kind_early() -> None:
    seen: list[tuple[dict[str, Any], bool]] = []

    def check(head: dict[str, Any], ended: bool) -> None:
        seen.append((dict(head), ended))
        if "bad" in head:
            raise TranscriptError("not ours")

    with pytest.raises(TranscriptError, match="not ours"):
        ArrayReader(io.BytesIO(b'{"a": 1, "bad": 2, "k": []}'), key="k", head_check=check)
    assert seen == [({"a": 1}, False), ({"a": 1, "bad": 2}, False)]
    seen.clear()
    with pytest.raises(TranscriptError, match="holds no"):
        ArrayReader(io.BytesIO(b'{"a": 1}'), key="k", head_check=check)
    assert seen == [({"a": 1}, False), ({"a": 1}, True)]


class _Failing(io.RawIOBase):
    """A stream whose disk fails after the first read."""

    def __init__(self) -> None:
        self.reads = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        if self.reads > 1:
            raise OSError(5, "Input/output error")
        return b"[1, "


def test_a_failing_disk_is_a_transcript_error() -> None:
    with pytest.raises(TranscriptError) as caught:
        list(iter_array(_Failing(), chunk_size=4))  # type: ignore[arg-type]
    assert caught.value.sentence.startswith("Parley could not read the file")
    assert caught.value.detail == "Input/output error"
    assert caught.value.where == "byte 4"
