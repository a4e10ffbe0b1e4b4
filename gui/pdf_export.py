"""Conversations as a PDF, laid out by Qt's own text engine (no browser): A4, fonts that
cover every script, code that wraps, a number on every page."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from html import escape
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextBlockFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextOption,
)

from chat.conversation import Conversation, Message
from chat.markdown.html import QT_QUOTE_STYLE, markdown_html
from chat.transcript.branches import Section, departure, section_title, sections
from chat.transcript.errors import TranscriptError
from chat.transcript.html import PLAIN_STYLE, message_html
from chat.transcript.labels import (
    EVERYDAY,
    REASONING,
    SYSTEM_PROMPT,
    clean,
    ending,
    header_parts,
    note_of,
    title_of,
)
from chat.transcript.options import ExportOptions

from .pdf_unicode import needs_fixing, radical_ideographs, with_ideographs

RESOLUTION = 300
"""Dots per inch of the layout. Text is vector whatever this is, but colour emoji are
bitmaps drawn at this resolution; Qt scales CSS pixels to it (a pixel stays 1/96 inch)."""
MARGINS_MM = QMarginsF(18, 16, 18, 12)
FOOTER_INCHES = 0.3
CSS_DPI = 96
INDENT_PX = 28
"""How far a list stands in, in CSS pixels (Qt scales this one itself)."""
LINE_HEIGHT = 125
"""Per cent of a line's natural height: a little air, as in a printed page."""
BODY_FONTS = (
    "Noto Sans", "DejaVu Sans", "Segoe UI", "Helvetica Neue", "Arial",
    "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK KR", "Source Han Sans SC",
    "Microsoft YaHei", "PingFang SC", "Hiragino Sans", "Yu Gothic", "Malgun Gothic",
    "Noto Color Emoji", "Segoe UI Emoji", "Apple Color Emoji", "Noto Emoji",
)  # fmt: skip
"""Wanted in this order: Latin, Greek and Cyrillic first, then Chinese, Japanese and Korean,
then emoji; those installed become the document's font, and Qt falls back along them."""
MUTED = "#59636e"
_PROPORTIONAL = QTextBlockFormat.LineHeightTypes.ProportionalHeight.value
_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")


def write_pdf(
    conversations: Sequence[Conversation], path: Path, options: ExportOptions = EVERYDAY
) -> None:
    """Write ``conversations`` to ``path`` as one PDF, each from a new page.

    Works without a window: a Qt application is made (off screen) when there is none.
    Raises ``TranscriptError`` when the file cannot be written.
    """
    with _qt_application():
        data = pdf_bytes(conversations, options)
    try:
        path.write_bytes(data)
    except OSError as error:
        raise TranscriptError(
            "Parley could not write the PDF: choose a folder you can write to, with room.",
            where=str(path),
            detail=error.strerror or str(error),
        ) from error


def pdf_bytes(conversations: Sequence[Conversation], options: ExportOptions = EVERYDAY) -> bytes:
    """The PDF itself (a Qt application must be running)."""
    html = pdf_html(conversations, options)
    document = _document(html)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            MARGINS_MM,
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setTitle(title_of(conversations[0]) if conversations else "")
    writer.setCreator("Parley")
    _paint(document, writer)  # ending the painter ends the file
    pdf = bytes(buffer.data().data())
    if not needs_fixing(html):
        return pdf
    return with_ideographs(pdf, radical_ideographs(body_font().families(), html))


@contextmanager
def _qt_application() -> Iterator[None]:
    """The running Qt application, or one made for the while (off screen unless told
    otherwise: a PDF needs no screen, and the command line may have none)."""
    if QGuiApplication.instance() is not None:
        yield
        return
    argv = [sys.argv[0] or "parley"]
    if not os.environ.get("QT_QPA_PLATFORM"):
        argv += ["-platform", "offscreen"]
    app = QGuiApplication(argv)
    try:
        yield
    finally:
        app.shutdown()


def _document(html: str) -> QTextDocument:
    document = QTextDocument()
    document.setDocumentMargin(0)
    document.setIndentWidth(INDENT_PX)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    document.setDefaultTextOption(option)
    document.setDefaultFont(body_font())
    document.setHtml(html)
    _adjust_blocks(document)
    return document


def _adjust_blocks(document: QTextDocument) -> None:
    """Lines of running text get a little air (a block with a background, code or what the
    user typed, keeps its lines together, or the background would show stripes).

    WORKAROUND: Qt scales a block's top and bottom margins from CSS pixels to the paint
    device, but not its left and right ones (seen on 6.11): a quote would stand in a third
    as far at 300 dpi as on screen. They are scaled here.
    """
    scale = RESOLUTION / CSS_DPI
    block = document.begin()
    while block.isValid():
        current = block.blockFormat()
        change = QTextBlockFormat()
        if not current.hasProperty(QTextFormat.Property.BackgroundBrush):
            change.setLineHeight(LINE_HEIGHT, _PROPORTIONAL)
        if current.leftMargin() or current.rightMargin():
            change.setLeftMargin(current.leftMargin() * scale)
            change.setRightMargin(current.rightMargin() * scale)
        QTextCursor(block).mergeBlockFormat(change)
        block = block.next()


def body_font() -> QFont:
    """The document's font: the installed families of ``BODY_FONTS``, in their order."""
    installed = set(QFontDatabase.families())
    font = QFont()
    families = [family for family in BODY_FONTS if family in installed]
    if families:
        font.setFamilies(families)
    font.setPointSizeF(10.5)
    return font


def _paint(document: QTextDocument, writer: QPdfWriter) -> None:
    """Lay the document out page by page, each with its number below it."""
    painter = QPainter()
    if not painter.begin(writer):  # into memory: only if Qt itself is broken
        raise TranscriptError("Parley could not lay out the PDF: its printing engine failed.")
    try:
        page = writer.pageLayout().paintRectPixels(writer.resolution())
        body = QSizeF(page.width(), page.height() - FOOTER_INCHES * writer.resolution())
        document.documentLayout().setPaintDevice(writer)
        document.setPageSize(body)
        count = document.pageCount()
        for index in range(count):
            if index:
                writer.newPage()
            _page(painter, document, index, body)
            _footer(painter, f"Page {index + 1} of {count}", body, page.height())
    finally:
        painter.end()


def _page(painter: QPainter, document: QTextDocument, index: int, body: QSizeF) -> None:
    painter.save()
    painter.translate(0, -index * body.height())
    document.drawContents(painter, QRectF(0, index * body.height(), body.width(), body.height()))
    painter.restore()


def _footer(painter: QPainter, text: str, body: QSizeF, bottom: float) -> None:
    font = body_font()
    font.setPointSizeF(8)
    painter.setFont(font)
    painter.setPen(QColor(MUTED))
    area = QRectF(0, body.height(), body.width(), bottom - body.height())
    painter.drawText(area, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom), text)


def pdf_html(conversations: Sequence[Conversation], options: ExportOptions) -> str:
    """The HTML that Qt's text engine lays out (its subset: inline styles, no classes)."""
    parts = [_conversation(c, options, first=i == 0) for i, c in enumerate(conversations)]
    return f"<html><body>{''.join(parts)}</body></html>".translate(_CONTROL)


def _conversation(conversation: Conversation, options: ExportOptions, *, first: bool) -> str:
    breaking = "" if first else "page-break-before: always; "
    parts = [f'<h1 style="{breaking}font-size: 18pt">{escape(title_of(conversation))}</h1>']
    if conversation.system_prompt:
        parts.append(_meta(escape(SYSTEM_PROMPT), []))
        parts.append(_plain(conversation.system_prompt))
    for section in sections(conversation, options.all_branches):
        parts += _section(section, options)
    return "".join(parts)


def _section(section: Section, options: ExportOptions) -> list[str]:
    messages = [_message(message, options) for message in section.messages]
    if section.total == 1:
        return messages
    head = f'<h2 style="font-size: 13pt; margin-top: 18px">{escape(section_title(section))}</h2>'
    note = f'<p style="color: {MUTED}"><i>{escape(departure(section))}</i></p>'
    return [head, note, *messages]


def _message(message: Message, options: ExportOptions) -> str:
    role, *rest = header_parts(message)
    parts = [_meta(escape(role), [escape(part) for part in rest])]
    if options.reasoning and message.reasoning.strip():
        parts.append(f'<p style="color: {MUTED}"><i>{REASONING}</i></p>')
        reasoning = markdown_html(clean(message.reasoning), inline_styles=True)
        parts.append(f'<blockquote style="{QT_QUOTE_STYLE}">{reasoning}</blockquote>')
    if message.role == "assistant":
        parts.append(message_html(message, inline_styles=True))
    else:
        parts.append(_plain(message.content))
    for line, colour in ((note_of(message), MUTED), (ending(message), "#b42318")):
        if line:
            parts.append(f'<p style="color: {colour}"><i>{escape(line)}</i></p>')
    return "".join(parts)


def _meta(role: str, rest: list[str]) -> str:
    details = "".join(f" · {part}" for part in rest)
    return (
        f'<p style="margin-top: 16px; margin-bottom: 4px; color: {MUTED}; font-size: 9pt">'
        f'<b style="color: #1f2328">{role}</b>{details}</p>'
    )


def _plain(text: str) -> str:
    body = escape(clean(text).rstrip("\r\n"))
    return f'<p style="{PLAIN_STYLE}; background-color: #eef4fb">{body}</p>'
