"""Telling an export from its content, in a .json or a .zip, and every file that is none."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chat.conversation import Conversation
from chat.transcript import parley_json
from chat.transcript.detect import ExportSource, open_export
from chat.transcript.errors import TranscriptError
from tests.chat.transcript import sample_exports as samples
from tests.chat.transcript.sample_exports import SAMPLES, write_json, write_zip
from tests.support.fuzz import only_raises
from tests.test_outside_input import HOSTILE


def _all(path: Path, **kwargs: Any) -> tuple[ExportSource, list[Conversation]]:
    with open_export(path, **kwargs) as source:
        return source, list(source.conversations())


def _error(path: Path, **kwargs: Any) -> TranscriptError:
    with pytest.raises(TranscriptError) as caught:
        _all(path, **kwargs)
    return caught.value


def test_the_checked_in_samples_are_told_apart_by_their_content() -> None:
    expected = {
        "chatgpt-minimal.json": ("chatgpt", "ChatGPT export", ["Привет! 👋", "Здравствуйте! 你好"]),
        "claude-minimal.json": ("claude", "Claude export", ["Hi Claude", "Hello! 🙂"]),
        "parley-v1.json": ("parley", "Parley transcript", ["Hi", "Hello! 👋"]),
    }
    for name, (format, label, texts) in expected.items():
        source, (conversation,) = _all(SAMPLES / name)
        assert (source.format, source.label) == (format, label)
        assert [m.content for m in conversation.messages] == texts
        assert source.size == (SAMPLES / name).stat().st_size


def test_the_name_of_a_file_does_not_matter(tmp_path: Path) -> None:
    path = write_json(tmp_path / "notes.txt", samples.claude_export())
    source, conversations = _all(path)
    assert source.format == "claude"
    assert [c.title for c in conversations] == ["Переводы 🌍", "Arithmetic", ""]
    disguised = write_zip(tmp_path / "export.json", samples.chatgpt_export())
    source, conversations = _all(disguised)
    assert source.format == "chatgpt"
    assert len(conversations) == 3


def test_a_zip_is_read_from_its_conversations_json_even_in_a_folder(tmp_path: Path) -> None:
    data = samples.chatgpt_export()
    path = write_zip(tmp_path / "export.zip", data, member="chatgpt-2024/conversations.json")
    seen: list[int] = []
    with open_export(path) as source:
        assert source.format == "chatgpt"
        assert source.size == len(json.dumps(data, ensure_ascii=False).encode())
        titles = [c.title for c in source.conversations(seen.append)]
    assert titles == ["Сумма квадратов", "Pictures and weather", "What is 2 + 2?"]
    assert seen[-1] == source.size


def test_a_zip_of_a_parley_transcript_is_read(tmp_path: Path) -> None:
    out = io.StringIO()
    parley_json.dump([Conversation(title="kept", created=1.0)], out)
    path = tmp_path / "backup.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("parley/backup.json", out.getvalue())
    source, conversations = _all(path)
    assert (source.format, [c.title for c in conversations]) == ("parley", ["kept"])


def test_a_zip_without_conversations_json_says_so(tmp_path: Path) -> None:
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.json", "[]")
        archive.writestr("b.json", "[]")
        archive.writestr("__MACOSX/conversations.json", "[]")
    error = _error(path)
    assert error.sentence.startswith("This zip holds no conversations.json")
    assert error.where == "photos.zip"


def test_a_damaged_zip_is_a_transcript_error(tmp_path: Path) -> None:
    whole = write_zip(tmp_path / "whole.zip", samples.claude_export()).read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole[: len(whole) // 2])
    assert "zip file is damaged" in _error(cut).sentence
    flipped = bytearray(whole)
    start = whole.index(b"conversations.json") + len("conversations.json")
    for offset in range(start + 40, start + 60):
        flipped[offset] ^= 0xFF  # inside the compressed export: a bad checksum or bad data
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(flipped))
    assert "zip file is damaged" in _error(damaged).sentence


def test_a_bad_checksum_found_at_the_end_of_a_stored_export_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "stored.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("conversations.json", json.dumps(samples.claude_export()))
    data = path.read_bytes()
    path.write_bytes(data.replace(b"Arithmetic", b"Brithmetic", 1))  # still JSON
    assert "Bad CRC-32" in _error(path).detail


def test_a_zip_claiming_a_huge_export_is_refused(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "big.zip", samples.claude_export())
    error = _error(path, max_member_bytes=100)
    assert error.sentence.startswith("This zip holds a file far too large")
    assert error.where == "big.zip: conversations.json"


def test_an_empty_list_is_an_export_with_nothing_to_import(tmp_path: Path) -> None:
    source, conversations = _all(write_json(tmp_path / "conversations.json", []))
    assert (source.format, conversations) == ("empty", [])


@pytest.mark.parametrize(
    ("data", "found"),
    [
        ({"a": 1}, "the file holds an object that is not a Parley transcript (it has no “format”)"),
        (
            {"format": "other", "conversations": []},
            "the file holds an object that is not a Parley transcript (it has no “format”)",
        ),
        ([1, 2], "the file holds a list whose first item is a number"),
        (
            [{"x": 1}],
            "the file holds a list whose first item has neither “mapping” nor “chat_messages”",
        ),
    ],
)
def test_anything_else_names_the_formats_parley_reads(
    tmp_path: Path, data: Any, found: str
) -> None:
    error = _error(write_json(tmp_path / "x.json", data))
    assert error.sentence.startswith("Parley imports its own JSON transcripts and the")
    assert error.detail == found


def test_an_object_that_is_no_transcript_fails_before_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text('{"a": 1, "b": 2, "c": 3, "d": "' + "x" * 1_000_000 + '"}')
    assert _error(path).sentence.startswith("Parley imports its own")


def test_a_newer_transcript_asks_for_a_newer_parley(tmp_path: Path) -> None:
    path = write_json(
        tmp_path / "t.json", {"format": "parley-transcript", "version": 9, "conversations": []}
    )
    assert _error(path).sentence.startswith("A newer Parley wrote this transcript")


def test_a_file_that_is_not_there_or_is_a_folder_says_so(tmp_path: Path) -> None:
    for path in (tmp_path / "missing.json", tmp_path):
        error = _error(path)
        assert error.sentence.startswith("Parley could not open the file")
        assert error.where == str(path)


def test_a_bad_conversation_is_named_while_reading(tmp_path: Path) -> None:
    data = samples.chatgpt_export()
    data[1]["mapping"] = []
    with open_export(write_json(tmp_path / "c.json", data)) as source:
        conversations = source.conversations()
        assert next(conversations).title == "Сумма квадратов"
        with pytest.raises(TranscriptError) as caught:
            next(conversations)
    assert caught.value.where == "conversation 2 ('Pictures and weather')"


def test_the_conversations_are_read_once(tmp_path: Path) -> None:
    with open_export(SAMPLES / "claude-minimal.json") as source:
        list(source.conversations())
        with pytest.raises(RuntimeError):
            source.conversations()


@pytest.mark.fuzz
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), zipped=st.booleans())
def test_any_file_raises_only_a_transcript_error(tmp_path: Path, data: bytes, zipped: bool) -> None:
    path = tmp_path / "any"
    path.write_bytes((b"PK\x03\x04" + data) if zipped else data)
    only_raises(lambda: _all(path), TranscriptError)


@pytest.mark.fuzz
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_any_member_of_a_zip_raises_only_a_transcript_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "any.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("conversations.json", data)
    only_raises(lambda: _all(path), TranscriptError)


@pytest.mark.parametrize("corpus", list(HOSTILE), ids=list(HOSTILE))
def test_the_hostile_corpus_raises_only_a_transcript_error(tmp_path: Path, corpus: str) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(HOSTILE[corpus], encoding="utf-8", errors="surrogatepass")
    only_raises(lambda: _all(path), TranscriptError)
    for wrapped in (
        [{"mapping": {"n": {"message": HOSTILE[corpus]}}}],
        [{"chat_messages": [{"sender": "human", "text": HOSTILE[corpus]}]}],
    ):
        path.write_text(json.dumps(wrapped))  # a lone surrogate escaped, as JSON may hold it
        only_raises(lambda: _all(path), TranscriptError)
