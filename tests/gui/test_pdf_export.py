"""The PDF transcript: a real PDF, A4, every page numbered, every script's glyphs, code that
wraps. Read back with poppler's pdfinfo and pdftotext (Debian: poppler-utils)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QFontDatabase

from chat.conversation import Conversation
from chat.transcript.errors import TranscriptError
from chat.transcript.options import ExportOptions
from gui.pdf_export import body_font, write_pdf
from tests.chat.transcript.render_samples import LONG_LINE, NOON, POLYGLOT, SECRET, simple

A4_POINTS = (595.28, 841.89)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _poppler() -> None:
    missing = [tool for tool in ("pdfinfo", "pdftotext") if shutil.which(tool) is None]
    assert not missing, "these tests read PDFs with poppler: apt-get install poppler-utils"


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def page_count(pdf: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)$", run("pdfinfo", str(pdf)), re.M)[1])  # type: ignore[index]


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    info = run("pdfinfo", "-f", "1", "-l", str(page_count(pdf)), str(pdf))
    found = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    return [(float(w), float(h)) for w, h in found]


def page_text(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return run("pdftotext", "-enc", "UTF-8", *pages, str(pdf), "-")


def long_conversation() -> Conversation:
    conversation = Conversation(title="A long one", created=NOON)
    for i in range(60):
        conversation.add("user", f"Question {i}: " + "why? " * 40, created=NOON)
        conversation.add("assistant", f"Answer {i}.\n\n" + "Because. " * 80, created=NOON)
    return conversation


def test_a_pdf_of_a4_pages_each_numbered(tmp_path: Path) -> None:
    pdf = tmp_path / "long.pdf"
    write_pdf([long_conversation()], pdf, ExportOptions())
    assert pdf.read_bytes().startswith(b"%PDF-")
    count = page_count(pdf)
    assert count > 5
    for width, height in page_sizes(pdf):
        assert abs(width - A4_POINTS[0]) < 1
        assert abs(height - A4_POINTS[1]) < 1
    for page in range(1, count + 1):
        assert f"Page {page} of {count}" in page_text(pdf, page)
    text = page_text(pdf)
    assert all(f"Question {i}:" in text and f"Answer {i}." in text for i in range(60))


def test_a_short_conversation_is_one_page_with_its_headers(tmp_path: Path) -> None:
    pdf = tmp_path / "short.pdf"
    write_pdf([simple()], pdf, ExportOptions(reasoning=True))
    assert page_count(pdf) == 1
    text = page_text(pdf)
    expected = ["Sorting in Python", "System prompt", "You ·", "OpenAI gpt-4o", "Reasoning",
                "sorted(items, reverse=True)", "ascending", "Page 1 of 1"]  # fmt: skip
    assert all(part in text for part in expected)
    assert SECRET not in text


def test_every_script_has_its_glyphs(tmp_path: Path) -> None:
    families = set(QFontDatabase.families())
    assert {"Noto Sans CJK SC", "DejaVu Sans"} <= families, (
        "Chinese and Japanese need a CJK font: apt-get install fonts-noto-cjk fonts-dejavu-core"
    )
    assert "Noto Sans CJK SC" in body_font().families()
    conversation = Conversation(title="Языки 语言 言語", created=NOON)
    conversation.add("user", POLYGLOT, created=NOON)
    conversation.add("assistant", f"```\n{POLYGLOT}\n```", created=NOON)
    pdf = tmp_path / "scripts.pdf"
    write_pdf([conversation], pdf, ExportOptions())
    text = "".join(page_text(pdf).split())  # lines wrap anywhere in Chinese and Japanese
    assert "Языки语言言語" in text
    for words in (
        "съешьжеещёэтихмягких",
        "我能吞下玻璃而不伤身体",
        "私はガラスを食べられます",
        "马车门见风",
    ):
        assert text.count(words) == 2  # in the question, and in the code block
    fonts = run("pdffonts", str(pdf))
    assert "NotoSansCJK" in fonts


def test_a_long_unbroken_line_of_code_wraps_inside_the_page(tmp_path: Path) -> None:
    conversation = Conversation(title="Wide", created=NOON)
    conversation.add("assistant", f"```text\n{LONG_LINE}\n```\n\n{LONG_LINE[:500]}")
    pdf = tmp_path / "wide.pdf"
    write_pdf([conversation], pdf, ExportOptions())
    lines = page_text(pdf).split("\n")
    digits = [line for line in lines if line and set(line) <= set("0123456789")]
    assert len(digits) > 20  # wrapped: more lines than one
    assert "".join(digits) == LONG_LINE + LONG_LINE[:500]  # and not a character lost
    bbox = tmp_path / "wide.html"
    run("pdftotext", "-bbox", str(pdf), str(bbox))
    right_edges = [float(x) for x in re.findall(r'xMax="([\d.]+)"', bbox.read_text())]
    assert right_edges
    assert max(right_edges) < A4_POINTS[0] - 30  # inside the right margin


def test_several_conversations_each_from_a_new_page(tmp_path: Path) -> None:
    first, second = Conversation(title="First one"), Conversation(title="Second one")
    first.add("user", "short")
    second.add("user", "also short")
    pdf = tmp_path / "two.pdf"
    write_pdf([first, second], pdf, ExportOptions())
    assert page_count(pdf) == 2
    assert "First one" in page_text(pdf, 1)
    assert page_text(pdf, 2).lstrip().startswith("Second one")


def test_a_folder_that_cannot_be_written_says_so(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError) as caught:
        write_pdf([simple()], tmp_path / "missing" / "x.pdf", ExportOptions())
    assert caught.value.sentence.startswith("Parley could not write the PDF: choose a folder")
    assert caught.value.where.endswith("x.pdf")


def test_without_a_window_or_a_screen_it_still_writes(tmp_path: Path) -> None:
    """As the command line calls it: no Qt application yet, no display at all."""
    pdf = tmp_path / "cli.pdf"
    script = (
        "from pathlib import Path; from gui.pdf_export import write_pdf;"
        "from chat.transcript.options import ExportOptions;"
        "from tests.chat.transcript.render_samples import simple;"
        f"write_pdf([simple()], Path({str(pdf)!r}), ExportOptions())"
    )
    unset = ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "Sorting in Python" in page_text(pdf)


def word_lefts(pdf: Path, folder: Path) -> dict[str, float]:
    """Where each word starts on the page, in points from the left edge."""
    bbox = folder / "words.html"
    run("pdftotext", "-bbox", str(pdf), str(bbox))
    found = re.findall(r'<word xMin="([\d.]+)"[^>]*>([^<]+)</word>', bbox.read_text())
    return {word: float(x) for x, word in reversed(found)}


def test_a_quote_stands_in_as_far_as_on_a_screen(tmp_path: Path) -> None:
    conversation = Conversation(title="Quote")
    conversation.add("assistant", "plain words\n\n> quoted words\n\n- listed words")
    pdf = tmp_path / "quote.pdf"
    write_pdf([conversation], pdf, ExportOptions())
    lefts = word_lefts(pdf, tmp_path)
    assert 14 < lefts["quoted"] - lefts["plain"] < 24  # 24 CSS pixels: 18 points
    assert 12 < lefts["listed"] - lefts["plain"] < 30
