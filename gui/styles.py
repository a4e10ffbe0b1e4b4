"""The pane's colours and the text formats made from them."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QBrush, QColor, QFont, QTextCharFormat, QTextFrameFormat

from chat.markdown.theme import DARK_PANE, LIGHT_PANE, PaneTheme

TEXT = "#1f2328"
MUTED = "#5f6b7a"
USER_BACKGROUND = "#dbe8fb"
ASSISTANT_BACKGROUND = "#f3f4f6"
ERROR_BACKGROUND = "#fde7e7"
ERROR_BORDER = "#c62828"
ERROR_TEXT = "#8e1111"
LINK = "#0b57d0"


@dataclass(frozen=True, slots=True)
class Palette:
    """The colours of the pane in one theme."""

    name: str
    text: str
    muted: str
    user_background: str
    assistant_background: str
    error_background: str
    error_border: str
    error_text: str
    link: str
    pane: PaneTheme


LIGHT = Palette(
    "light",
    TEXT,
    MUTED,
    USER_BACKGROUND,
    ASSISTANT_BACKGROUND,
    ERROR_BACKGROUND,
    ERROR_BORDER,
    ERROR_TEXT,
    LINK,
    LIGHT_PANE,
)
DARK = Palette(
    "dark",
    "#e6edf3",
    "#9aa4b1",
    "#1d3a5c",
    "#262b33",
    "#4a1e1e",
    "#f85149",
    "#ffb4ad",
    "#7cb7ff",
    DARK_PANE,
)


def char_format(
    color: str, *, bold: bool = False, italic: bool = False, small: bool = False
) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QBrush(QColor(color)))
    if bold:
        fmt.setFontWeight(QFont.Weight.DemiBold)
    fmt.setFontItalic(italic)
    if small:
        fmt.setProperty(QTextCharFormat.Property.FontSizeAdjustment, -1)
    return fmt


def frame_format(
    background: str, *, left: int = 0, right: int = 0, border: str = ""
) -> QTextFrameFormat:
    fmt = QTextFrameFormat()
    fmt.setBackground(QBrush(QColor(background)))
    fmt.setPadding(10)
    fmt.setTopMargin(6)
    fmt.setBottomMargin(6)
    fmt.setLeftMargin(left)
    fmt.setRightMargin(right)
    if border:
        fmt.setBorder(1)
        fmt.setBorderBrush(QBrush(QColor(border)))
        fmt.setBorderStyle(QTextFrameFormat.BorderStyle.BorderStyle_Solid)
    else:
        fmt.setBorder(0)
    return fmt
