"""What the pane's Markdown looks like, without the parser: the colours of each theme and the
scheme of Copy links (the window reads them at start; the parser is loaded once it is up)."""

from __future__ import annotations

from dataclasses import dataclass

LIGHT_STYLE = "default"
"""The Pygments style of code in the light theme."""
DARK_STYLE = "github-dark"
COPY_SCHEME = "parley-copy"
"""The Copy link of a code block: ``parley-copy:<key>/<n>``, the n-th block of a message."""


@dataclass(frozen=True, slots=True)
class PaneTheme:
    """The colours the pane's Markdown is drawn in (Qt's HTML takes them inline)."""

    pygments: str
    """The Pygments style of code blocks."""
    label: str
    inline_code: str
    table_border: str
    quote: str
    muted: str
    """Text that stands back: the reasoning."""
    math: str = "background-color: #eef1fa; color: #243a73"
    """The colours math is set apart in."""


LIGHT_PANE = PaneTheme(LIGHT_STYLE, "#59636e", "#eceef1", "#d0d7de", "#59636e", "#5f6b7a")
DARK_PANE = PaneTheme(
    DARK_STYLE,
    "#9198a1",
    "#2d333b",
    "#3d444d",
    "#9198a1",
    "#9aa4b1",
    "background-color: #1f2a44; color: #a8c1ff",
)
