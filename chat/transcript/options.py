"""What an export holds: the formats, and the choices a person makes about them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Format = Literal["md", "txt", "json", "html", "pdf"]
FORMATS: tuple[Format, ...] = ("md", "txt", "json", "html", "pdf")
TEXT_FORMATS: tuple[Format, ...] = ("md", "txt", "html", "pdf")
"""The formats that show one branch unless asked for all (JSON always keeps every branch)."""
FORMAT_NAMES: dict[Format, str] = {
    "md": "Markdown",
    "txt": "plain text",
    "json": "JSON",
    "html": "HTML",
    "pdf": "PDF",
}
SUFFIXES: dict[Format, str] = {
    "md": ".md",
    "txt": ".txt",
    "json": ".json",
    "html": ".html",
    "pdf": ".pdf",
}


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """``all_branches``: every branch, not only the active one; ``reasoning``: the model's
    thinking too (in a collapsed block where the format has one)."""

    all_branches: bool = False
    reasoning: bool = False
