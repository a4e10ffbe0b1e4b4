"""``parley export`` and ``parley import``, run as a person runs them."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.chat.transcript.sample_exports import chatgpt_export, claude_export, write_zip
from tests.emulators.openai import OpenAIEmulator
from tests.support.secret_service import secret_service  # noqa: F401 (a fixture)

from .test_cli import parley

KEY = "test-key"
"""The key the emulator takes, kept in the keyring; it must appear in no export."""


async def _ask_openai(*words: str) -> None:
    async with OpenAIEmulator() as server:
        site = ("--base-url", server.base_url)
        code, _, err = await parley("keys", "set", "OpenAI", "api_key", *site, stdin=KEY.encode())
        assert code == 0, err
        code, out, err = await parley("ask", "-p", "OpenAI", *site, "--model", "test-model", *words)
    assert (code, err) == (0, ""), err
    assert out == "Hello from the emulator."


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        [shutil.which("pdftotext") or "pdftotext", str(path), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


async def test_exporting_with_nothing_saved_says_so() -> None:
    code, out, err = await parley("export", "--format", "md", "--out", "x.md")
    assert (code, out) == (2, "")
    assert "There are no saved conversations to export yet." in err


@pytest.mark.parametrize("fmt", ["md", "txt", "json", "html", "pdf"])
@pytest.mark.keyring
@pytest.mark.usefixtures("secret_service")
async def test_every_format_holds_the_exchange_and_no_key(fmt: str, tmp_path: Path) -> None:
    await _ask_openai("What is a monad?")
    target = tmp_path / f"chat.{fmt}"
    code, out, err = await parley("export", "--format", fmt, "--out", str(target))
    assert (code, err) == (0, "")
    assert out.startswith("Exported 1 conversation as ")
    assert out.rstrip().endswith(str(target))
    if fmt == "pdf":
        assert target.read_bytes().startswith(b"%PDF")
        text = await asyncio.to_thread(_pdf_text, target)
    else:
        text = target.read_text()
    assert "What is a monad?" in text
    assert "Hello from the emulator." in text
    assert KEY not in text


@pytest.mark.keyring
@pytest.mark.usefixtures("secret_service")
async def test_several_conversations_go_into_a_folder_and_one_can_be_chosen(
    tmp_path: Path,
) -> None:
    await _ask_openai("First question")
    await _ask_openai("Second question")
    code, out, _ = await parley("export", "--format", "md", "--out", str(tmp_path / "all"))
    assert code == 0
    assert out.startswith("Exported 2 conversations as Markdown to ")
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == [
        "First question.md",
        "Second question.md",
    ]
    _, listed, _ = await parley("list")
    first = next(line for line in listed.splitlines() if "First" in line).split()[0]
    code, _, _ = await parley(
        "export", "--format", "json", "--conversation", first[:6],
        "--out", str(tmp_path / "one.json"),
    )  # fmt: skip
    found = json.loads((tmp_path / "one.json").read_text())
    assert code == 0
    assert [c["title"] for c in found["conversations"]] == ["First question"]


@pytest.mark.keyring
@pytest.mark.usefixtures("secret_service")
async def test_a_wrong_id_is_a_usage_error(tmp_path: Path) -> None:
    await _ask_openai("A question")
    code, _, err = await parley(
        "export", "--format", "md", "--conversation", "ffff0000", "--out", str(tmp_path / "x")
    )
    assert code == 2
    assert "No saved conversation has the id “ffff0000”" in err


async def test_a_chatgpt_zip_is_imported_once_and_listed(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "chatgpt-export.zip", chatgpt_export())
    code, out, err = await parley("import", str(path))
    assert (code, err) == (0, "")
    assert out.startswith(f"Imported {len(chatgpt_export())} conversations from ChatGPT (")
    _, listed, _ = await parley("list")
    assert len(listed.splitlines()) == len(chatgpt_export())
    code, out, _ = await parley("import", str(path))
    assert code == 0
    assert out.strip() == (
        f"Nothing new: all {len(chatgpt_export())} conversations in this ChatGPT export are"
        " here already."
    )


async def test_a_claude_export_then_a_parley_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "claude.json"
    source.write_text(json.dumps(claude_export()))
    assert (await parley("import", str(source)))[0] == 0
    again = tmp_path / "again.json"
    assert (await parley("export", "--format", "json", "--out", str(again)))[0] == 0
    code, out, _ = await parley("import", str(again))
    assert code == 0
    assert out.startswith("Nothing new: all ")


async def test_a_damaged_file_imports_nothing_and_says_what_and_where(tmp_path: Path) -> None:
    whole = json.dumps(chatgpt_export())
    cut = tmp_path / "conversations.json"
    cut.write_text(whole[: len(whole) * 2 // 3])
    code, out, err = await parley("import", str(cut))
    assert (code, out) == (1, "")
    assert err.startswith("parley: ")
    assert "byte" in err
    _, listed, _ = await parley("list")
    assert listed.startswith("No saved conversations yet")


async def test_a_file_of_another_kind_is_refused_with_the_formats_parley_reads(
    tmp_path: Path,
) -> None:
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("notes.txt", "hello")
    code, _, err = await parley("import", str(other))
    assert code == 1
    assert "conversations.json" in err
