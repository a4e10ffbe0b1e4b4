"""The sidebar: a search box (results as you type), New, and the conversation list with its
actions (rename with F2, delete with Undo, pin, export; Ctrl/Shift-click selects several)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QListView,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from chat.store.search import Hit

from .conversation_list import HEADER_ROLE, ID_ROLE, PINNED_ROLE, ConversationListModel

TYPING_PAUSE_MS = 120
"""Results appear once typing pauses this long (every key would start a query)."""
LIST_STYLE = "QListView::item { padding: 3px 4px; }"
MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 10
Searcher = Callable[[str], Awaitable["tuple[list[Hit], int]"]]
"""A search: its hits, and how many messages it could not look in yet (being indexed)."""


class EscapeKey(QObject):
    """Esc in the watched widgets triggers ``action``, ahead of the window's Esc (Stop):
    the widget claims the key, so the window's shortcut does not fire while it has focus."""

    def __init__(self, action: QAction, parent: QObject) -> None:
        super().__init__(parent)
        self._action = action

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Escape and not event.modifiers():
                event.accept()
                if kind == QEvent.Type.KeyPress:
                    self._action.trigger()
                return True
        return False


class Sidebar(QWidget):
    """Emits what the user asks for; the window does it."""

    chosen = Signal(str)
    """A conversation was picked: its id."""
    hit_chosen = Signal(str, str)
    """A search result was picked: (conversation id, message id or "" for a title)."""
    delete_requested = Signal(str)
    pin_requested = Signal(str, bool)
    export_requested = Signal(list)
    """Export… was picked from the list's menu: the ids of the conversations it applies to."""

    def __init__(self, model: ConversationListModel, new_action: QAction, parent: QWidget) -> None:
        super().__init__(parent)
        self.model = model
        self._searcher: Searcher | None = None
        self._indexed: Callable[[], Awaitable[None]] | None = None
        self._start: Callable[[Any], object] | None = None
        self._asked = 0
        self._shown = 0
        """The query (``_asked``'s count) whose answer is in the results."""
        self._open_when_shown = -1
        """Enter was pressed for this query before its answer came: open its first hit."""
        self._silent = False
        self._kept = ""
        self._kept_selected: list[str] = []
        self.setMinimumWidth(180)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search conversations (Ctrl+K)")
        self.search.setAccessibleName("Search conversations")
        self.search.setClearButtonEnabled(True)
        self.search.setEnabled(False)
        self.search_action = QAction("&Search conversations", self)
        self.search_action.setShortcut(QKeySequence("Ctrl+K"))
        new_button = QToolButton(self)
        new_button.setDefaultAction(new_action)
        new_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        new_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.list = QListView(self)
        self.list.setAccessibleName("Conversations")
        self.list.setModel(model)
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(False)
        self.list.setStyleSheet(LIST_STYLE)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.results = QListView(self)
        self.results.setAccessibleName("Search results")
        self.results_model = QStandardItemModel(self)
        self.results.setModel(self.results_model)
        self.results.setWordWrap(True)
        self._drawn_as_results = False
        """Whether the results list has its delegate (made at the first search: it is not
        needed to show the window)."""
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.hide()
        self.delete_action = QAction("&Delete", self)
        self.delete_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.list.addAction(self.delete_action)
        self.rename_action = QAction("&Rename", self)
        self.rename_action.setShortcut(QKeySequence("F2"))
        self.clear_search_action = QAction("Clear the search", self)
        self._escape = EscapeKey(self.clear_search_action, self)
        self.search.installEventFilter(self._escape)
        self.results.installEventFilter(self._escape)
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(TYPING_PAUSE_MS)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 0, 8)
        layout.addWidget(self.search)
        layout.addWidget(new_button)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.results, 1)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.list.selectionModel().currentChanged.connect(self.on_list_current_changed)
        self.list.customContextMenuRequested.connect(self.on_list_context_menu_requested)
        self.delete_action.triggered.connect(self.on_delete_action_triggered)
        self.rename_action.triggered.connect(self.on_rename_action_triggered)
        self.search_action.triggered.connect(self.on_search_action_triggered)
        self.clear_search_action.triggered.connect(self.on_clear_search_action_triggered)
        self.search.textChanged.connect(self.on_search_text_changed)
        self.search.returnPressed.connect(self.on_search_return_pressed)
        self._typing.timeout.connect(self.on_typing_timeout)
        self.results.activated.connect(self.on_results_activated)
        self.results.clicked.connect(self.on_results_activated)
        self.model.modelAboutToBeReset.connect(self.on_model_about_to_be_reset)
        self.model.modelReset.connect(self.on_model_reset)

    def set_searcher(
        self,
        searcher: Searcher,
        start: Callable[[Any], object],
        indexed: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Search with ``searcher`` (off the window's thread), run as tasks by ``start``.
        ``indexed`` ends once every message is searchable: results that said some were not
        are searched again then."""
        self._searcher, self._start, self._indexed = searcher, start, indexed
        self.search.setEnabled(True)

    # -- the list

    def current_id(self) -> str:
        return str(self.list.currentIndex().data(ID_ROLE) or "")

    def neighbour(self, offset: int) -> str:
        """The conversation ``offset`` rows from the current one (headers skipped); the
        first one when none is current; "" at either end."""
        ids = [
            str(self.model.index(row).data(ID_ROLE))
            for row in range(self.model.rowCount())
            if not self.model.index(row).data(HEADER_ROLE)
        ]
        current = self.current_id()
        if current not in ids:
            return ids[0] if ids and offset > 0 else ""
        at = ids.index(current) + offset
        return ids[at] if 0 <= at < len(ids) else ""

    def selected_ids(self) -> list[str]:
        """The conversations selected in the list, top to bottom."""
        rows = sorted(index.row() for index in self.list.selectionModel().selectedIndexes())
        return [str(self.model.index(row).data(ID_ROLE)) for row in rows]

    def select(self, conversation_id: str) -> None:
        """Make ``conversation_id`` the current row, and the only one selected, without
        announcing it ("" clears it). When it is current already nothing changes: it was just
        clicked, perhaps with Ctrl held beside other rows selected."""
        if conversation_id and conversation_id == self.current_id():
            return
        row = self.model.row_of(conversation_id) if conversation_id else -1
        self._silent = True
        try:
            if row < 0:
                self.list.setCurrentIndex(QModelIndex())
                self.list.clearSelection()
            else:
                self._make_current(self.model.index(row), keep_selection=False)
        finally:
            self._silent = False

    def _make_current(self, index: QModelIndex, *, keep_selection: bool) -> None:
        """``index`` current, alone selected or beside the rows selected. The flags are
        explicit: the view's own would follow the keys held down (Ctrl toggles)."""
        flags = QItemSelectionModel.SelectionFlag
        how = flags.NoUpdate if keep_selection else flags.ClearAndSelect
        self.list.selectionModel().setCurrentIndex(index, how)

    def on_model_about_to_be_reset(self) -> None:
        self._kept = self.current_id()
        self._kept_selected = self.selected_ids()

    def on_model_reset(self) -> None:
        self.select(self._kept)
        kept, selection = set(self._kept_selected), QItemSelection()
        for row in range(self.model.rowCount() if kept else 0):
            if (index := self.model.index(row)).data(ID_ROLE) in kept:
                selection.select(index, index)
        self.list.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.Select)

    def on_list_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and not current.data(HEADER_ROLE) and not self._silent:
            self.chosen.emit(str(current.data(ID_ROLE)))

    def on_list_context_menu_requested(self, at: QPoint) -> None:
        index = self.list.indexAt(at)
        if not index.isValid() or index.data(HEADER_ROLE):
            return
        conversation_id, pinned = str(index.data(ID_ROLE)), bool(index.data(PINNED_ROLE))
        selected = self.selected_ids()
        several = conversation_id in selected and len(selected) > 1
        exported = selected if several else [conversation_id]
        menu = QMenu(self)
        menu.addAction(self.rename_action)
        pin = menu.addAction("Unpin" if pinned else "Pin to the top")
        export = menu.addAction(
            f"&Export {len(exported)} conversations…" if several else "&Export…"
        )
        menu.addAction(self.delete_action)
        self._make_current(index, keep_selection=several)  # Export is for them all then
        picked = menu.exec(self.list.viewport().mapToGlobal(at))
        if picked is pin:
            self.pin_requested.emit(conversation_id, not pinned)
        elif picked is export:
            self.export_requested.emit(exported)

    def on_delete_action_triggered(self) -> None:
        if conversation_id := self.current_id():
            self.delete_requested.emit(conversation_id)

    def on_rename_action_triggered(self) -> None:
        if self.list.currentIndex().isValid():
            self.list.setFocus()
            self.list.edit(self.list.currentIndex())

    # -- search

    def on_search_action_triggered(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def on_clear_search_action_triggered(self) -> None:
        self.search.clear()
        self.list.setFocus()

    def on_search_text_changed(self, text: str) -> None:
        searching = bool(text.strip())
        self.list.setVisible(not searching)
        self.results.setVisible(searching)
        self._asked += 1  # whatever is on its way now is stale
        if searching:
            self._typing.start()
        else:
            self._typing.stop()
            self.results_model.clear()

    def on_search_return_pressed(self) -> None:
        if self._shown == self._asked:
            if self.results_model.rowCount():
                self.on_results_activated(self.results_model.index(0, 0))
            return
        self._open_when_shown = self._asked  # the results shown are not this text's yet
        if self._typing.isActive():
            self._typing.stop()
            self.on_typing_timeout()

    def on_typing_timeout(self) -> None:
        if self._searcher is not None and self._start is not None:
            self._start(self._search(self._searcher, self.search.text(), self._asked))

    async def _search(self, searcher: Searcher, text: str, asked: int) -> None:
        from chat.store import StoreError
        from chat.store.search import QueryError

        try:
            hits, waiting = await searcher(text)
        except (QueryError, StoreError) as error:
            if asked == self._asked:
                self._show_results([], str(error))
                self._shown = asked
            return
        if asked == self._asked:
            self._show_results(hits, _said(text, hits, waiting))
            self._shown = asked
            if waiting and self._indexed is not None and self._start is not None:
                self._start(self._search_when_indexed(self._indexed, asked))
            if self._open_when_shown == asked:
                self.on_results_activated(self.results_model.index(0, 0))

    async def _search_when_indexed(
        self, indexed: Callable[[], Awaitable[None]], asked: int
    ) -> None:
        await indexed()
        if asked == self._asked:  # the same text is in the box: its results are complete now
            self.on_typing_timeout()

    def _show_results(self, hits: list[Hit], message: str) -> None:
        from .search_results import HTML_ROLE, ResultDelegate, result_html

        if not self._drawn_as_results:
            self.results.setItemDelegate(ResultDelegate(self.results))
            self._drawn_as_results = True
        self.results_model.clear()
        if message:
            item = QStandardItem(message)
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.results_model.appendRow(item)
        for hit in hits:
            snippet = " ".join(hit.snippet.split())
            title = hit.title or "New conversation"
            item = QStandardItem(f"{title}\n{snippet}")
            parts = tuple((re.sub(r"\s+", " ", t), m) for t, m in hit.parts)
            role = "title:" if hit.message_id is None else ("You:" if hit.role == "user" else "")
            item.setData(result_html(title, parts, role), HTML_ROLE)
            item.setToolTip(snippet)
            item.setData(hit.conversation_id, ID_ROLE)
            item.setData(hit.message_id or "", MESSAGE_ROLE)
            self.results_model.appendRow(item)

    def on_results_activated(self, index: QModelIndex) -> None:
        if index.isValid() and index.data(ID_ROLE):
            self.hit_chosen.emit(str(index.data(ID_ROLE)), str(index.data(MESSAGE_ROLE) or ""))


def _said(text: str, hits: list[Hit], waiting: int) -> str:
    """What the results say above the hits ("" when the hits say it all)."""
    if not waiting:
        return "" if hits else f"Nothing matches “{text.strip()}”."
    many = f"{waiting:,} imported messages" if waiting > 1 else "1 imported message"
    still = f"still indexing {many}; the results are updated when that is done."
    return (
        f"Not everything was searched: {still}"
        if hits
        else (f"Nothing matches “{text.strip()}” yet: {still}")
    )
