"""The conversation list: a model of the saved conversations, loaded a page at a time and
grouped by last activity, and the conversations of this session that are not saved yet."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from chat.conversation import Conversation

if TYPE_CHECKING:
    from chat.store import Summary

PAGE = 200
"""Conversations read per page: the list shows the first page at once and reads the next
when it is scrolled near the end, so 10,000 open as fast as 10."""
UNTITLED = "New conversation"
STREAMING_MARK = "● "
HEADER_COLOUR = "#5f6b7a"
ID_ROLE = Qt.ItemDataRole.UserRole + 1
HEADER_ROLE = Qt.ItemDataRole.UserRole + 2
STREAMING_ROLE = Qt.ItemDataRole.UserRole + 3
PINNED_ROLE = Qt.ItemDataRole.UserRole + 4

Index = QModelIndex | QPersistentModelIndex
Loader = Callable[[int, int], Awaitable["list[Summary]"]]


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    title: str
    updated: float
    pinned: bool = False
    streaming: bool = False

    @classmethod
    def of(cls, summary: Summary) -> Entry:
        return cls(summary.id, summary.title, summary.updated, summary.pinned)


def group_of(entry: Entry, now: float) -> str:
    """Pinned, Today, Yesterday, Previous 7 days or Older (by the local calendar)."""
    if entry.pinned:
        return "Pinned"
    import datetime  # here: the window paints before datetime is loaded

    today = datetime.datetime.fromtimestamp(now).date()
    day = datetime.datetime.fromtimestamp(entry.updated).date()
    if day >= today:
        return "Today"
    if day == today - datetime.timedelta(days=1):
        return "Yesterday"
    if day > today - datetime.timedelta(days=8):
        return "Previous 7 days"
    return "Older"


def _order(entry: Entry) -> tuple[bool, float]:
    return (not entry.pinned, -entry.updated)


class ConversationListModel(QAbstractListModel):
    """Rows are group headings and conversations, newest activity first, pinned on top.

    ``load_page`` reads from the store (off the window's thread); ``start`` runs a coroutine
    as an owned task. Conversations of this session are put in with ``touch`` as they change.
    """

    renamed = Signal(str, str)
    """The user edited a title in place: (conversation id, new title)."""
    loaded = Signal()

    def __init__(
        self,
        load_page: Loader | None,
        start: Callable[[Any], object],
        *,
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._load_page = load_page
        self._start = start
        self._clock = clock
        self._entries: list[Entry] = []
        self._rows: list[Entry | str] = []
        self._more = load_page is not None
        self._fetching = False
        self._hidden: set[str] = set()

    # -- Qt's model interface

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if isinstance(row, str):
            return self._header_data(row, role)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            title = row.title or UNTITLED
            shown = row.streaming and role == Qt.ItemDataRole.DisplayRole
            return STREAMING_MARK + title if shown else title
        if role == Qt.ItemDataRole.EditRole:
            return row.title
        if role == ID_ROLE:
            return row.id
        if role == STREAMING_ROLE:
            return row.streaming
        if role == PINNED_ROLE:
            return row.pinned
        if role == HEADER_ROLE:
            return False
        return None

    def _header_data(self, label: str, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return label
        if role == HEADER_ROLE:
            return True
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            font.setPointSizeF(max(font.pointSizeF() - 1, 6.0))
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(HEADER_COLOUR))
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid() or isinstance(self._rows[index.row()], str):
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        row = self._rows[index.row()] if index.isValid() else None
        title = " ".join(str(value).split())
        if role != Qt.ItemDataRole.EditRole or not isinstance(row, Entry) or not title:
            return False
        self.renamed.emit(row.id, title)
        return True

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return self._more and not self._fetching and not parent.isValid()

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent) and self._load_page is not None:
            self._fetching = True
            self._start(self._fetch(self._load_page, len(self._entries)))

    async def _fetch(self, load_page: Loader, offset: int) -> None:
        try:
            page = await load_page(offset, PAGE)
        finally:
            self._fetching = False
        self._more = len(page) == PAGE
        known = {entry.id for entry in self._entries}
        self._entries += [Entry.of(s) for s in page if s.id not in known]
        self._rebuild()
        self.loaded.emit()

    def reload(self) -> None:
        """Read the saved conversations again from the top, as many as are loaded (a page at
        least): the store changed beneath the list (an import)."""
        if self._load_page is not None:
            self._fetching = True
            self._start(self._reload(self._load_page, max(len(self._entries), PAGE)))

    async def _reload(self, load_page: Loader, count: int) -> None:
        try:
            page = await load_page(0, count)
        finally:
            self._fetching = False
        before, streaming = self._entries, {e.id for e in self._entries if e.streaming}
        self._more = len(page) == count
        self._entries = [
            replace(Entry.of(s), streaming=s.id in streaming)
            for s in page
            if s.id not in self._hidden
        ]
        saved = {entry.id for entry in self._entries}
        for entry in before:  # of this session, and not written yet
            if entry.id not in saved:
                self._insert(entry)
        self._rebuild()
        self.loaded.emit()

    def set_loader(self, load_page: Loader) -> None:
        """Read the saved conversations with ``load_page`` (the first page at once)."""
        self._load_page = load_page
        self._more = True
        self.fetchMore()

    # -- what the window tells it

    def touch(self, conversation: Conversation, *, streaming: bool | None = None) -> None:
        """Show ``conversation`` as it is now (added at its place once it has messages)."""
        if not conversation.all_messages() or conversation.id in self._hidden:
            return
        old = self.entry(conversation.id)
        entry = Entry(
            conversation.id,
            conversation.title,
            conversation.updated,
            conversation.pinned,
            old.streaming if streaming is None and old else bool(streaming),
        )
        if entry == old:
            return
        self._entries = [e for e in self._entries if e.id != entry.id]
        self._insert(entry)
        self._rebuild()

    def hide(self, conversation_id: str) -> Entry | None:
        """Take a conversation out of the list (deleted; ``unhide`` is its Undo)."""
        entry = self.entry(conversation_id)
        self._hidden.add(conversation_id)
        self._entries = [e for e in self._entries if e.id != conversation_id]
        self._rebuild()
        return entry

    def unhide(self, entry: Entry) -> None:
        self._hidden.discard(entry.id)
        self._insert(replace(entry, streaming=False))
        self._rebuild()

    def entry(self, conversation_id: str) -> Entry | None:
        return next((e for e in self._entries if e.id == conversation_id), None)

    def row_of(self, conversation_id: str) -> int:
        """The row showing ``conversation_id``, -1 when it is not loaded (yet)."""
        for row, item in enumerate(self._rows):
            if isinstance(item, Entry) and item.id == conversation_id:
                return row
        return -1

    def ids(self) -> list[str]:
        return [entry.id for entry in self._entries]

    def _insert(self, entry: Entry) -> None:
        at = 0
        while at < len(self._entries) and _order(self._entries[at]) <= _order(entry):
            at += 1
        if at == len(self._entries) and self._more:
            return  # older than all that is loaded: it comes with a later page
        self._entries.insert(at, entry)

    def _rebuild(self) -> None:
        now = self._clock()
        rows: list[Entry | str] = []
        group = ""
        for entry in self._entries:
            if (found := group_of(entry, now)) != group:
                group = found
                rows.append(group)
            rows.append(entry)
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()
