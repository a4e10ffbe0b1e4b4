"""Opening an export at its edges: each error word for word, which member of a zip is read,
and a zip read as a stream."""

from __future__ import annotations

import gc
import json
import os
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest

from chat.transcript.detect import open_export
from chat.transcript.errors import TranscriptError

_DAMAGED = (
    "This zip file is damaged, or packed in a way Parley cannot read: download the export again."
)


def _said(path: Path, **kwargs: Any) -> str:
    with pytest.raises(TranscriptError) as caught, open_export(path, **kwargs) as source:
        list(source.conversations())
    return str(caught.value)


def _zip(path: Path, members: dict[str, str], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def _titles(path: Path, **kwargs: Any) -> list[str]:
    with open_export(path, **kwargs) as source:
        return [c.title for c in source.conversations()]


def _chatgpt(*titles: str) -> str:
    return json.dumps([{"title": t, "create_time": 1.0, "mapping": {}} for t in titles])


def test_a_file_that_is_not_there_says_why(tmp_path: Path) -> None:
    path = tmp_path / "missing.json"
    assert _said(path) == (
        "Parley could not open the file: check that it is there and that you may read it. "
        f"At {path}: No such file or directory"
    )


def test_an_empty_export_has_the_size_of_its_file(tmp_path: Path) -> None:
    path = tmp_path / "conversations.json"
    path.write_text("[ ]\n")
    with open_export(path) as source:
        assert (source.format, source.size) == ("empty", 4)
        assert list(source.conversations()) == []


def test_an_exports_conversations_are_read_once_and_it_says_so(tmp_path: Path) -> None:
    path = tmp_path / "conversations.json"
    path.write_text(_chatgpt("a"))
    with open_export(path) as source:
        assert [c.title for c in source.conversations()] == ["a"]
        with pytest.raises(RuntimeError, match=r"^an export's conversations are read once$"):
            source.conversations()


def test_a_zip_without_an_export_names_what_to_choose(tmp_path: Path) -> None:
    path = _zip(tmp_path / "photos.zip", {"a.json": "[]", "b.json": "[]"})
    assert _said(path) == (
        "This zip holds no conversations.json: choose the .zip of a ChatGPT or Claude data "
        "export, or a Parley transcript. At photos.zip"
    )


def test_a_conversations_json_deep_in_folders_is_the_export(tmp_path: Path) -> None:
    members = {"user.json": "{}", "a/b/conversations.json": _chatgpt("deep")}
    assert _titles(_zip(tmp_path / "export.zip", members)) == ["deep"]


def test_of_two_conversations_json_the_one_nearest_the_top_is_read(tmp_path: Path) -> None:
    members = {"old/conversations.json": _chatgpt("old"), "conversations.json": _chatgpt("top")}
    assert _titles(_zip(tmp_path / "export.zip", members)) == ["top"]
    members = {"a/b/conversations.json": _chatgpt("deeper"), "a/conversations.json": _chatgpt("a")}
    assert _titles(_zip(tmp_path / "export2.zip", members)) == ["a"]


def test_a_member_of_exactly_the_largest_size_is_read(tmp_path: Path) -> None:
    text = _chatgpt("fits")
    path = _zip(tmp_path / "export.zip", {"conversations.json": text})
    assert _titles(path, max_member_bytes=len(text)) == ["fits"]
    assert _said(path, max_member_bytes=len(text) - 1) == (
        "This zip holds a file far too large to be a chat export: check the file. "
        f"At export.zip: conversations.json: {len(text)} bytes"
    )


def test_a_zip_cut_before_its_directory_says_what_python_found(tmp_path: Path) -> None:
    path = tmp_path / "cut.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 30)
    assert _said(path) == f"{_DAMAGED} At cut.zip: File is not a zip file"


def test_a_member_that_ends_before_its_size_is_damage_of_its_own_name(tmp_path: Path) -> None:
    path = _zip(tmp_path / "short.zip", {"conversations.json": "[]"}, zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")
    struct.pack_into("<II", data, entry + 20, 5000, 5000)  # it claims 5000 bytes, has 2
    path.write_bytes(bytes(data))
    # Python's own words for it: a read past the end, or (a zipfile with the zip-bomb check
    # CPython added in 2024, as Debian 12's Python 3.11 has) the entry overlapping the next.
    found = {
        f"{_DAMAGED} At short.zip: EOFError",
        f"{_DAMAGED} At short.zip: Overlapped entries: 'conversations.json' (possible zip bomb)",
    }
    assert _said(path) in found


def test_a_zip_is_read_as_a_stream_so_damage_at_its_end_comes_after_the_first_ones(
    tmp_path: Path,
) -> None:
    titles = [f"{i:04}" + "x" * 1000 for i in range(3000)]  # 3 MB: three chunks
    path = _zip(tmp_path / "big.zip", {"conversations.json": _chatgpt(*titles)}, zipfile.ZIP_STORED)
    data = path.read_bytes()
    path.write_bytes(data.replace(b'"2999x', b'"2999y', 1))  # still JSON, a bad checksum
    with open_export(path) as source:
        conversations = source.conversations()
        assert next(conversations).title == titles[0]
        with pytest.raises(TranscriptError) as caught:
            list(conversations)
    assert caught.value.sentence == _DAMAGED
    assert caught.value.detail.startswith("Bad CRC-32")


def test_a_pipe_that_cannot_be_read_again_from_its_start_is_closed_and_named() -> None:
    read, write = os.pipe()
    os.write(write, b'[{"title": "a", "mapping": {}}]')
    os.close(write)
    path = Path(f"/dev/fd/{read}")
    try:
        assert _said(path) == (
            "Parley could not open the file: check that it is there and that you may read "
            f"it. At {path}: UnsupportedOperation"
        )
    finally:
        os.close(read)
    gc.collect()  # the file it opened was closed: nothing is left to warn about
