"""Exports at their edges: each error word for word, the renderer of each format with the
options given, and one PDF through the writer given."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from chat.conversation import Conversation
from chat.transcript.errors import TranscriptError
from chat.transcript.exporting import export
from chat.transcript.markdown import to_markdown
from chat.transcript.options import ExportOptions
from chat.transcript.text import to_text

_UNWRITABLE = (
    "Parley could not write the export: check that the folder exists, that you may write "
    "there and that the disk has room."
)


def _chat(title: str) -> Conversation:
    conversation = Conversation(title=title, created=1_700_000_000.0)
    conversation.add("user", "Q?", created=1_700_000_001.0)
    conversation.add("assistant", "A.", created=1_700_000_002.0, reasoning="Thought it over.")
    return conversation


def _said(*args: object, **kwargs: object) -> str:
    with pytest.raises(TranscriptError) as caught:
        export(*args, **kwargs)  # type: ignore[arg-type]
    return str(caught.value)


def test_pdf_without_its_writer_says_how_to_run_it(tmp_path: Path) -> None:
    assert _said([_chat("A")], "pdf", tmp_path / "a.pdf", count=1) == (
        "PDF export needs Parley's window libraries: run it with the `parley` command."
    )


def test_one_pdf_goes_through_the_writer_given(tmp_path: Path) -> None:
    seen: list[str] = []

    def pdf(conversations: Sequence[Conversation], path: Path, options: ExportOptions) -> None:
        seen.extend(c.title for c in conversations)
        path.write_bytes(b"%PDF-1.4\n")

    assert export([_chat("A")], "pdf", tmp_path / "a.pdf", count=1, pdf=pdf) == [tmp_path / "a.pdf"]
    assert seen == ["A"]
    assert (tmp_path / "a.pdf").read_bytes() == b"%PDF-1.4\n"


def test_an_os_error_of_the_pdf_writer_without_a_reason_is_named_by_its_type(
    tmp_path: Path,
) -> None:
    def pdf(conversations: Sequence[Conversation], path: Path, options: ExportOptions) -> None:
        raise OSError("the spool is full")

    target = tmp_path / "a.pdf"
    assert _said([_chat("A")], "pdf", target, count=1, pdf=pdf) == (
        f"{_UNWRITABLE} At {target}: OSError"
    )
    assert list(tmp_path.iterdir()) == []


def test_several_into_a_file_say_to_give_a_folder(tmp_path: Path) -> None:
    taken = tmp_path / "a.md"
    taken.write_text("mine")
    assert _said([_chat("A"), _chat("B")], "md", taken, count=2) == (
        "Several conversations go into a folder, one file each: give a folder for --out. "
        f"At {taken}: it is a file"
    )


def test_a_folder_that_cannot_be_made_names_itself_and_why(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    out = tmp_path / "file" / "several"
    assert _said([_chat("A"), _chat("B")], "md", out, count=2) == (
        f"{_UNWRITABLE} At {out}: Not a directory"
    )


def test_each_text_format_is_written_by_its_renderer_with_the_options(tmp_path: Path) -> None:
    conversation = _chat("Soup")
    options = ExportOptions(reasoning=True)
    [text] = export([conversation], "txt", tmp_path / "soup.txt", options, count=1)
    assert text.read_text() == to_text(conversation, options)
    assert "Thought it over." in text.read_text()
    [md] = export([conversation], "md", tmp_path / "soup.md", options, count=1)
    assert md.read_text() == to_markdown(conversation, options)
    assert "Thought it over." in md.read_text()
