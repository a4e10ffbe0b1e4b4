"""Exports to files: where each goes, what it is named, and that a failure leaves nothing half."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from chat.conversation import Conversation
from chat.store import Store, rows
from chat.transcript.errors import TranscriptError
from chat.transcript.exporting import export
from chat.transcript.importing import import_file
from chat.transcript.options import ExportOptions


def chat(title: str, *turns: str) -> Conversation:
    conversation = Conversation(title=title)
    for n, text in enumerate(turns):
        conversation.add("user" if n % 2 == 0 else "assistant", text)
    return conversation


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_one_conversation_goes_to_the_file_named(tmp_path: Path) -> None:
    target = tmp_path / "soup.md"
    written = export([chat("Soup", "Soup?", "Yes.")], "md", target, count=1)
    assert written == [target]
    assert target.read_text().startswith("# Soup")
    assert files(tmp_path) == ["soup.md"]


def test_one_conversation_into_a_folder_is_named_from_its_title(tmp_path: Path) -> None:
    written = export([chat("What is: a/b?", "Q")], "txt", tmp_path, count=1)
    assert [p.name for p in written] == ["What is a-b.txt"]


def test_several_go_into_a_new_folder_one_file_each_with_unique_names(tmp_path: Path) -> None:
    out = tmp_path / "exports" / "today"
    chats = [chat("Notes", "One"), chat("notes", "Two"), chat("", "Three"), chat("CON", "x")]
    written = export(chats, "html", out, count=4)
    assert files(out) == sorted(["Notes.html", "notes (2).html", "Three.html", "CON_.html"])
    assert len(written) == 4
    assert all("<!DOCTYPE html>" in p.read_text()[:200] for p in written)


def test_several_cannot_go_into_a_file(tmp_path: Path) -> None:
    taken = tmp_path / "a.md"
    taken.write_text("mine")
    with pytest.raises(TranscriptError) as raised:
        export([chat("A", "a"), chat("B", "b")], "md", taken, count=2)
    assert "give a folder for --out" in str(raised.value)
    assert taken.read_text() == "mine"


def test_json_holds_them_all_in_one_file(tmp_path: Path) -> None:
    target = tmp_path / "all.json"
    export([chat("A", "a"), chat("B", "b")], "json", target, count=2)
    found = json.loads(target.read_text())
    assert found["format"] == "parley-transcript"
    assert [c["title"] for c in found["conversations"]] == ["A", "B"]


def test_json_into_a_folder_is_named_for_the_day(tmp_path: Path) -> None:
    [written] = export([chat("A", "a")], "json", tmp_path, count=1)
    assert written.parent == tmp_path
    assert written.name.startswith("Parley ")


def test_a_failed_write_leaves_the_old_file_and_no_part_file(tmp_path: Path) -> None:
    target = tmp_path / "soup.md"
    target.write_text("the old export")

    def broken() -> Iterator[Conversation]:
        yield chat("A", "a")
        raise TranscriptError("The source went away.")

    with pytest.raises(TranscriptError):
        export(broken(), "json", target, count=2)
    assert target.read_text() == "the old export"
    assert files(tmp_path) == ["soup.md"]


def test_a_folder_that_cannot_be_made_says_so(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(TranscriptError) as raised:
        export([chat("A", "a")], "md", tmp_path / "file" / "x.md", count=1)
    assert str(raised.value).startswith("Parley could not write the export")
    assert "file/x.md" in str(raised.value)


def test_pdf_needs_the_window_libraries(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError) as raised:
        export([chat("A", "a")], "pdf", tmp_path / "a.pdf", count=1)
    assert "run it with the `parley` command" in str(raised.value)


def test_pdf_goes_through_the_writer_given(tmp_path: Path) -> None:
    seen: list[tuple[list[str], ExportOptions]] = []

    def pdf(conversations: Sequence[Conversation], path: Path, options: ExportOptions) -> None:
        seen.append(([c.title for c in conversations], options))
        path.write_bytes(b"%PDF-1.4\n")

    options = ExportOptions(all_branches=True)
    export([chat("A", "a"), chat("B", "b")], "pdf", tmp_path, options, count=2, pdf=pdf)
    assert seen == [(["A"], options), (["B"], options)]
    assert files(tmp_path) == ["A.pdf", "B.pdf"]


def test_json_export_then_import_gives_the_same_conversations(store: Store, tmp_path: Path) -> None:
    first = chat("Soup", "How do I make soup?", "Boil water.")
    first.edit(first.messages[0], "How do I make miso soup?")
    first.add("assistant", "Dissolve miso in dashi.", reasoning="Miso is a paste.")
    first.switch_to(first.all_messages()[0])
    second = chat("Пельмени", "Как лепить пельмени?", "Тесто и фарш. 饺子也一样。")
    target = tmp_path / "all.json"
    export([first, second], "json", target, count=2)
    assert import_file(store, target).added == 2
    for original in (first, second):
        loaded = store.read_now(rows.load_conversation, original.id)
        assert loaded is not None
        assert _shape(loaded) == _shape(original)


def _shape(conversation: Conversation) -> tuple[object, ...]:
    messages = sorted(conversation.all_messages(), key=lambda m: m.id)
    return (
        conversation.title,
        conversation.leaf_id,
        [(m.id, m.parent_id, m.role, m.content, m.reasoning, m.state, m.created) for m in messages],
    )
