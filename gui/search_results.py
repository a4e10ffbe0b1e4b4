"""How a search result is drawn: the conversation's title, then the snippet with the words
that matched in bold (both escaped: a message's text is never read as markup)."""

from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QAbstractTextDocumentLayout, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

MUTED = "#5f6b7a"
PADDING = 4


def result_html(title: str, parts: tuple[tuple[str, bool], ...], role: str) -> str:
    snippet = "".join(
        f"<b>{html.escape(text)}</b>" if matched else html.escape(text) for text, matched in parts
    )
    who = f'<span style="color:{MUTED}">{html.escape(role)}</span> ' if role else ""
    return f"<div><b>{html.escape(title)}</b></div><div>{who}{snippet}</div>"


class ResultDelegate(QStyledItemDelegate):
    """Draws the HTML that ``result_html`` made, wrapped to the list's width."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        markup = index.data(HTML_ROLE)
        if not markup:
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget else None  # type: ignore[attr-defined]
        text_less = QStyleOptionViewItem(option)
        text_less.text = ""  # type: ignore[attr-defined]
        if style is not None:
            style.drawControl(
                QStyle.ControlElement.CE_ItemViewItem, text_less, painter, option.widget
            )  # type: ignore[attr-defined]
        document = _document_for(option, str(markup))
        context = QAbstractTextDocumentLayout.PaintContext()
        if option.state & QStyle.StateFlag.State_Selected:  # type: ignore[attr-defined]
            colour = option.palette.color(QPalette.ColorRole.HighlightedText)  # type: ignore[attr-defined]
            context.palette.setColor(QPalette.ColorRole.Text, colour)
        painter.save()
        painter.translate(option.rect.topLeft())  # type: ignore[attr-defined]
        painter.setClipRect(QRectF(0, 0, option.rect.width(), option.rect.height()))  # type: ignore[attr-defined]
        document.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        markup = index.data(HTML_ROLE)
        if not markup:
            return super().sizeHint(option, index)
        document = _document_for(option, str(markup))
        return QSize(int(document.idealWidth()), int(document.size().height()) + 2)


HTML_ROLE = Qt.ItemDataRole.UserRole + 13


def _document_for(option: QStyleOptionViewItem, markup: str) -> QTextDocument:
    document = QTextDocument()
    document.setDefaultFont(option.font)  # type: ignore[attr-defined]
    document.setDocumentMargin(PADDING)
    document.setHtml(markup)
    widget: QWidget | None = option.widget  # type: ignore[attr-defined]
    width = widget.width() - 24 if widget is not None else 200
    document.setTextWidth(max(width, 60))
    return document
