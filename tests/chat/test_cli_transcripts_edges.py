"""``parley export`` and ``parley import`` called in this process, on a real store, with what
they print compared exactly (the mutation run sees only this process)."""

from __future__ import annotations

import io
import json
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from chat.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, main
from chat.conversation import Conversation
from chat.store import Store
from chat.transcript.options import ExportOptions
from chat.transcript.parley_json import dump

WHEN = time.mktime((2026, 11, 30, 9, 5, 0, 0, 0, -1))


def saved(*conversations: Conversation) -> None:
    with closing(Store.open()) as store:
        for conversation in conversations:
            store.save(conversation).result()


def chat(title: str, *turns: str) -> Conversation:
    conversation = Conversation(title=title, created=WHEN)
    for n, text in enumerate(turns):
        role = "user" if n % 2 == 0 else "assistant"
        extra = {"provider": "OpenAI", "model": "gpt-4o"} if role == "assistant" else {}
        conversation.add(role, text, created=WHEN, **extra)
    conversation.updated = WHEN
    return conversation


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class Terminal(io.StringIO):
    """Standard error as a terminal shows it: every write kept, in order."""

    def isatty(self) -> bool:
        return True


class PressedCtrlC(Terminal):
    """A terminal where the person presses Ctrl-C as the first progress is written."""

    def write(self, text: str) -> int:
        if text.startswith("\rImporting"):
            raise KeyboardInterrupt
        return super().write(text)


def exported_file(tmp_path: Path, *conversations: Conversation) -> Path:
    path = tmp_path / "export.json"
    with path.open("w", encoding="utf-8") as out:
        dump(list(conversations), out)
    return path


def big_export(tmp_path: Path) -> Path:
    """A Parley transcript of 1,500,001 bytes: 2 MB when rounded, 1 when cut by a byte."""
    conversation = Conversation(title="Big", created=WHEN)
    conversation.add("user", "a" * 1_400_000, created=WHEN)
    path = exported_file(tmp_path, conversation)
    with path.open("a", encoding="utf-8") as out:
        out.write(" " * (1_500_001 - path.stat().st_size))
    return path


def test_exporting_one_conversation_names_the_file_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    saved(chat("Soup", "How do I make miso soup?", "Dissolve the paste in dashi."))
    target = tmp_path / "soup.md"
    assert run(capsys, "export", "--format", "md", "--out", str(target)) == (
        EXIT_OK,
        f"Exported 1 conversation as Markdown to {target}\n",
        "",
    )
    assert "Dissolve the paste in dashi." in target.read_text()


def test_exporting_several_names_the_folder_and_counts_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    saved(chat("Soup", "Soup?", "Yes."), chat("Trains", "When?", "At nine."))
    folder = tmp_path / "all"
    assert run(capsys, "export", "--format", "txt", "--out", str(folder)) == (
        EXIT_OK,
        f"Exported 2 conversations as plain text to {folder}\n",
        "",
    )
    assert sorted(p.name for p in folder.iterdir()) == ["Soup.txt", "Trains.txt"]


def test_a_conversation_named_twice_is_exported_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    soup = chat("Soup", "Soup?", "Yes.")
    saved(soup, chat("Trains", "When?", "At nine."))
    target = tmp_path / "one.json"
    code, out, err = run(
        capsys, "export", "--format", "json", "--conversation", soup.id[:6], soup.id,
        "--out", str(target),
    )  # fmt: skip
    assert (code, out, err) == (EXIT_OK, f"Exported 1 conversation as JSON to {target}\n", "")
    assert [c["title"] for c in json.loads(target.read_text())["conversations"]] == ["Soup"]


def test_exporting_with_nothing_saved_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(capsys, "export", "--format", "md", "--out", str(tmp_path / "x.md")) == (
        EXIT_USAGE,
        "",
        "parley: There are no saved conversations to export yet.\n",
    )


def test_a_pdf_without_the_window_libraries_says_how_to_get_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    saved(chat("Soup", "Soup?", "Yes."))
    assert run(capsys, "export", "--format", "pdf", "--out", str(tmp_path / "x.pdf")) == (
        EXIT_FAILED,
        "",
        "parley: PDF export needs Parley's window libraries: run it with the `parley` command.\n",
    )


def test_a_store_that_cannot_open_fails_export_and_import(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    home = Path(str(tmp_path / "parley-home"))
    home.mkdir(parents=True, exist_ok=True)
    (home / "data").write_text("not a folder")
    code, out, err = run(capsys, "export", "--format", "md", "--out", str(tmp_path / "x.md"))
    assert (code, out) == (EXIT_FAILED, "")
    assert err.startswith("parley: ")
    assert run(capsys, "import", str(tmp_path / "x.json")) == (code, out, err)


def test_an_import_prints_what_it_brought_in(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = exported_file(tmp_path, chat("Soup", "Soup?", "Yes."), chat("Trains", "When?"))
    assert run(capsys, "import", str(path)) == (
        EXIT_OK,
        "Imported 2 conversations from Parley (3 messages).\n",
        "",
    )


def test_an_import_on_a_terminal_shows_its_progress_in_megabytes_then_clears_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = big_export(tmp_path)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["import", str(path)]) == EXIT_OK
    assert terminal.getvalue() == (
        "\rImporting… 0% (0 of 2 MB)\rImporting… 93% (1 of 2 MB)\rImporting… 100% (2 of 2 MB)"
        "\r\x1b[K"  # cleared before the search indexing says what it does
        "Indexing 1 imported message for search…\r\x1b[K"
    )
    assert capsys.readouterr().out == "Imported 1 conversation from Parley (1 message).\n"


def test_ctrl_c_during_an_import_keeps_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = exported_file(tmp_path, chat("Soup", "Soup?", "Yes."))
    terminal = PressedCtrlC()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["import", str(path)]) == EXIT_INTERRUPTED
    assert terminal.getvalue() == "\nparley: the import was cancelled: nothing of it was kept.\n"
    assert capsys.readouterr().out == ""


def test_a_damaged_file_on_a_terminal_clears_the_progress_before_saying_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    damaged = big_export(tmp_path)
    with damaged.open("r+b") as file:
        file.seek(200)  # where the first progress has been shown
        file.write(b"\x01")
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["import", str(damaged)]) == EXIT_FAILED
    assert terminal.getvalue() == (
        "\rImporting… 0% (0 of 2 MB)\r\x1b[K"
        "parley: The file is not valid JSON. Export it again, or check that you chose the right "
        "file. At byte 200: Expecting ',' delimiter, found '\\x016029500.0, \"created_at\"'\n"
    )


def test_a_missing_file_on_a_terminal_shows_no_progress_only_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    gone = tmp_path / "gone.json"
    assert main(["import", str(gone)]) == EXIT_FAILED
    assert terminal.getvalue() == (
        "parley: Parley could not open the file: check that it is there and that you may read "
        f"it. At {gone}: No such file or directory\n"
    )


def test_conversation_given_twice_over_exports_both(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    soup, trains = chat("Soup", "Soup?"), chat("Trains", "When?")
    saved(soup, trains, chat("Tea", "Tea?"))
    target = tmp_path / "two.json"
    code, out, _ = run(
        capsys, "export", "--format", "json", "--conversation", soup.id,
        "--conversation", trains.id, "--out", str(target),
    )  # fmt: skip
    assert (code, out) == (EXIT_OK, f"Exported 2 conversations as JSON to {target}\n")
    titles = [c["title"] for c in json.loads(target.read_text())["conversations"]]
    assert sorted(titles) == ["Soup", "Trains"]


def test_all_branches_and_reasoning_are_exported_only_when_asked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    conversation = chat("Soup", "Miso soup?")
    first = conversation.messages[0]
    conversation.add(
        "assistant", "Use dashi.", created=WHEN, provider="OpenAI", model="gpt-4o",
        reasoning="Dashi is the base.",
    )  # fmt: skip
    conversation.edit(first, "Onion soup?")
    saved(conversation)
    plain, full = tmp_path / "plain.md", tmp_path / "full.md"
    assert run(capsys, "export", "--format", "md", "--out", str(plain))[0] == EXIT_OK
    code, _, err = run(
        capsys, "export", "--format", "md", "--all-branches", "--reasoning", "--out", str(full)
    )
    assert (code, err) == (EXIT_OK, "")
    shown = plain.read_text()
    assert "Onion soup?" in shown
    assert "Miso soup?" not in shown
    everything = full.read_text()
    assert "Miso soup?" in everything
    assert "Onion soup?" in everything
    assert "Dashi is the base." in everything
    assert "Dashi is the base." not in shown


def test_a_pdf_goes_through_the_writer_the_caller_lends(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    saved(chat("Soup", "Soup?", "Yes."))
    written: list[tuple[list[str], bool, bool]] = []

    def pdf(conversations: object, path: Path, options: ExportOptions) -> None:
        titles = [c.title for c in conversations]  # type: ignore[attr-defined]
        written.append((titles, options.all_branches, options.reasoning))
        path.write_bytes(b"%PDF-1.4\n")

    target = tmp_path / "soup.pdf"
    code = main(["export", "--format", "pdf", "--reasoning", "--out", str(target)], pdf=pdf)
    assert (code, *capsys.readouterr()) == (
        EXIT_OK,
        f"Exported 1 conversation as PDF to {target}\n",
        "",
    )
    assert written == [(["Soup"], False, True)]
    assert target.read_bytes() == b"%PDF-1.4\n"


def test_one_conversation_into_a_folder_names_the_file_in_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    saved(chat("Soup", "Soup?", "Yes."))
    folder = tmp_path / "out"
    folder.mkdir()
    assert run(capsys, "export", "--format", "md", "--out", str(folder)) == (
        EXIT_OK,
        f"Exported 1 conversation as Markdown to {folder / 'Soup.md'}\n",
        "",
    )


def test_every_conversation_is_exported_however_many_there_are(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    saved(*(chat(f"Question {n}", f"Question {n}?") for n in range(101)))
    target = tmp_path / "all.json"
    assert run(capsys, "export", "--format", "json", "--out", str(target)) == (
        EXIT_OK,
        f"Exported 101 conversations as JSON to {target}\n",
        "",
    )
    assert len(json.loads(target.read_text())["conversations"]) == 101
