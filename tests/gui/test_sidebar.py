"""The sidebar: search as you type over a real store (stale answers dropped, errors as a
sentence, Enter opens the first hit), Ctrl+K and Escape, and the list's own keys and menu."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction, QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLineEdit,
    QMenu,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from chat.conversation import Conversation
from chat.store import Store, Summary, rows
from chat.store.indexing import searched
from chat.store.search import Hit
from gui.conversation_list import HEADER_ROLE, ID_ROLE, ConversationListModel
from gui.search_results import HTML_ROLE
from gui.sidebar import MESSAGE_ROLE, Sidebar
from gui.tasks import TaskTracker
from tests.chat.store.test_indexing import written_later
from tests.support.qt import until


class Searcher:
    """The store's search, as the window passes it, with what was asked recorded; a query
    can be held back (``hold``) to arrive after a later one."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.asked: list[str] = []
        self.answered: list[str] = []
        self._held: dict[str, asyncio.Event] = {}

    def hold(self, text: str) -> asyncio.Event:
        """``text``'s answer waits until the event returned is set."""
        self._held[text] = asyncio.Event()
        return self._held[text]

    async def __call__(self, text: str) -> tuple[list[Hit], int]:
        self.asked.append(text)
        if (held := self._held.get(text)) is not None:
            await held.wait()
        try:
            return await self.store.read(searched, text, limit=50, current=None)
        finally:
            self.answered.append(text)


class Talks:
    """The conversations saved for these tests."""

    def __init__(self) -> None:
        self.pesto = Conversation()
        self.pesto.add("user", "Which pasta goes with pesto?")
        self.pesto.add("assistant", "Trofie: the classic pasta of Liguria.")
        self.rome = Conversation()
        self.rome.add("user", "Where is the best pasta carbonara in Rome?")
        self.rome.add("assistant", "Try a trattoria in Testaccio.")
        self.hike = Conversation()
        self.hike.add("user", "Alpine trails for a beginner")
        self.hike.add("assistant", "Start with a hut-to-hut walk.")

    def all(self) -> list[Conversation]:
        return [self.pesto, self.rome, self.hike]


@pytest.fixture
def store() -> Iterator[Store]:
    opened = Store.open()
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def talks(store: Store) -> Talks:
    made = Talks()
    for each in made.all():
        store.save(each).result()
    return made


@pytest.fixture
async def tasks(store: Store) -> AsyncIterator[TaskTracker]:
    tracker = TaskTracker()
    yield tracker
    await tracker.shutdown()  # before the store closes


@pytest.fixture
def searcher(store: Store) -> Searcher:
    return Searcher(store)


class Host(QWidget):
    """The sidebar in a window, beside a box that has the focus at first."""

    def __init__(self, model: ConversationListModel) -> None:
        super().__init__()
        self.sidebar = Sidebar(model, QAction("New", self), self)
        self.elsewhere = QLineEdit(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.elsewhere)
        self.addAction(self.sidebar.search_action)  # the window's menu has these
        self.addAction(self.sidebar.rename_action)
        self.resize(300, 500)


@pytest.fixture
async def host(
    qtbot: QtBot, store: Store, tasks: TaskTracker, talks: Talks, searcher: Searcher
) -> Host:
    def start(coro: object) -> object:
        return tasks.start(coro, name="sidebar")  # type: ignore[arg-type]

    async def load_page(offset: int, limit: int) -> list[Summary]:
        return await store.read(rows.list_conversations, offset=offset, limit=limit)

    model = ConversationListModel(None, start)
    made = Host(model)
    qtbot.addWidget(made)

    async def indexed() -> None:
        await asyncio.wrap_future(store.catch_up())

    made.sidebar.set_searcher(searcher, start, indexed)
    model.set_loader(load_page)
    made.show()
    await until(lambda: len(model.ids()) == 3)
    return made


def results(sidebar: Sidebar) -> list[str]:
    model = sidebar.results_model
    return [str(model.index(row, 0).data()) for row in range(model.rowCount())]


def result_ids(sidebar: Sidebar) -> list[str]:
    model = sidebar.results_model
    return [str(model.index(row, 0).data(ID_ROLE)) for row in range(model.rowCount())]


async def activated(widget: QWidget) -> None:
    widget.activateWindow()
    await until(widget.isActiveWindow)


async def test_results_appear_once_typing_pauses(
    qtbot: QtBot, host: Host, searcher: Searcher, talks: Talks
) -> None:
    sidebar = host.sidebar
    assert sidebar.list.isVisible()
    qtbot.keyClicks(sidebar.search, "pasta")
    assert searcher.asked == []  # not a query per key: the pause starts it
    assert sidebar.results.isVisible()
    assert not sidebar.list.isVisible()
    await until(lambda: sidebar.results_model.rowCount() == 3)
    assert searcher.asked == ["pasta"]
    assert set(result_ids(sidebar)) == {talks.pesto.id, talks.rome.id}  # pesto's twice
    qtbot.keyClicks(sidebar.search, " carbonara")  # narrowed as the typing goes on
    await until(lambda: result_ids(sidebar) == [talks.rome.id])
    assert searcher.asked == ["pasta", "pasta carbonara"]
    item = sidebar.results_model.item(0)
    question = talks.rome.messages[0]
    assert item.data(MESSAGE_ROLE) == question.id
    assert "<b>carbonara</b>" in item.data(HTML_ROLE)
    assert item.text().startswith(talks.rome.title + "\n")


async def test_an_answer_that_comes_late_is_dropped(
    qtbot: QtBot, host: Host, searcher: Searcher, talks: Talks, tasks: TaskTracker
) -> None:
    sidebar = host.sidebar
    slow = searcher.hold("pasta")
    qtbot.keyClicks(sidebar.search, "pasta")
    await until(lambda: searcher.asked == ["pasta"])
    qtbot.keyClicks(sidebar.search, " carbonara")
    await until(lambda: result_ids(sidebar) == [talks.rome.id])
    slow.set()  # "pasta" answers now, after the newer query
    await until(lambda: "pasta" in searcher.answered)
    await until(lambda: not tasks.running)
    assert result_ids(sidebar) == [talks.rome.id]


async def test_an_answer_for_a_cleared_search_is_dropped(
    qtbot: QtBot, host: Host, searcher: Searcher, tasks: TaskTracker
) -> None:
    sidebar = host.sidebar
    slow = searcher.hold("pasta")
    qtbot.keyClicks(sidebar.search, "pasta")
    await until(lambda: searcher.asked == ["pasta"])
    sidebar.search.clear()
    slow.set()
    await until(lambda: not tasks.running)
    assert sidebar.results_model.rowCount() == 0
    assert sidebar.list.isVisible()
    assert not sidebar.results.isVisible()


async def test_a_query_it_cannot_read_is_answered_with_its_sentence(
    qtbot: QtBot, host: Host
) -> None:
    sidebar = host.sidebar
    qtbot.keyClicks(sidebar.search, "pasta before:someday")
    await until(lambda: sidebar.results_model.rowCount() == 1)
    sentence = results(sidebar)[0]
    assert sentence.startswith("“before:” takes a date as year-month-day, e.g. before:2026-12-01")
    assert sentence.endswith("not “someday”.")
    assert sidebar.results_model.item(0).flags() == Qt.ItemFlag.NoItemFlags
    chosen: list[tuple[str, str]] = []
    sidebar.hit_chosen.connect(lambda *args: chosen.append(args))
    qtbot.keyClick(sidebar.search, Qt.Key.Key_Return)
    assert chosen == []  # the sentence is not a result to open


async def test_no_match_says_so(qtbot: QtBot, host: Host) -> None:
    sidebar = host.sidebar
    qtbot.keyClicks(sidebar.search, "  zebra ")
    await until(lambda: sidebar.results_model.rowCount() == 1)
    assert results(sidebar) == ["Nothing matches “zebra”."]
    assert sidebar.results_model.item(0).flags() == Qt.ItemFlag.NoItemFlags


async def test_messages_still_being_indexed_are_said_and_searched_again_once_they_are(
    qtbot: QtBot, host: Host, store: Store, talks: Talks
) -> None:
    zebra, okapi = Conversation(), Conversation()
    zebra.add("user", "Why does a zebra have stripes?")
    okapi.add("user", "Is an okapi a zebra?")
    okapi.add("assistant", "No, a giraffe.")
    written_later(store, zebra, okapi)  # as an import writes them
    sidebar = host.sidebar
    busy = threading.Event()
    store.submit(lambda db: busy.wait(10))  # the writer is busy: nothing is indexed yet
    qtbot.keyClicks(sidebar.search, "pasta")  # found, but not everything was looked in
    await until(lambda: sidebar.results_model.rowCount() == 4)
    assert results(sidebar)[0] == (
        "Not everything was searched: still indexing 3 imported messages; the results are"
        " updated when that is done."
    )
    assert sidebar.results_model.item(0).flags() == Qt.ItemFlag.NoItemFlags
    sidebar.search.clear()
    qtbot.keyClicks(sidebar.search, "giraffe")  # in a reply only (titles are searched at once)
    await until(lambda: sidebar.results_model.rowCount() == 1)
    assert results(sidebar) == [
        "Nothing matches “giraffe” yet: still indexing 3 imported messages; the results are"
        " updated when that is done."
    ]
    busy.set()  # indexed now: the same search runs again by itself
    await until(lambda: result_ids(sidebar) == [okapi.id])


async def test_enter_opens_the_first_result(qtbot: QtBot, host: Host, talks: Talks) -> None:
    sidebar = host.sidebar
    chosen: list[tuple[str, str]] = []
    sidebar.hit_chosen.connect(lambda *args: chosen.append(args))
    qtbot.keyClicks(sidebar.search, "trattoria")
    await until(lambda: sidebar.results_model.rowCount() == 1)
    qtbot.keyClick(sidebar.search, Qt.Key.Key_Return)
    assert chosen == [(talks.rome.id, talks.rome.messages[1].id)]


async def test_enter_before_the_pause_opens_the_first_result_once_it_arrives(
    qtbot: QtBot, host: Host, talks: Talks, tasks: TaskTracker
) -> None:
    sidebar = host.sidebar
    chosen: list[tuple[str, str]] = []
    sidebar.hit_chosen.connect(lambda *args: chosen.append(args))
    qtbot.keyClicks(sidebar.search, "trattoria")
    qtbot.keyClick(sidebar.search, Qt.Key.Key_Return)  # typed fast: no pause before Enter
    await until(lambda: chosen != [])
    assert chosen == [(talks.rome.id, talks.rome.messages[1].id)]
    await until(lambda: not tasks.running)
    qtbot.keyClicks(sidebar.search, "x")  # a later search opens nothing by itself
    await until(lambda: sidebar.results_model.rowCount() == 1)
    assert len(chosen) == 1


async def test_enter_while_a_search_is_on_its_way_opens_its_first_hit_not_an_older_ones(
    qtbot: QtBot, host: Host, talks: Talks, searcher: Searcher
) -> None:
    sidebar = host.sidebar
    chosen: list[tuple[str, str]] = []
    sidebar.hit_chosen.connect(lambda *args: chosen.append(args))
    qtbot.keyClicks(sidebar.search, "pasta")
    await until(lambda: sidebar.results_model.rowCount() == 3)  # pesto's first
    held = searcher.hold("pasta carbonara")
    qtbot.keyClicks(sidebar.search, " carbonara")
    await until(lambda: "pasta carbonara" in searcher.asked)
    qtbot.keyClick(sidebar.search, Qt.Key.Key_Return)
    assert chosen == []  # what is shown answers "pasta", not what was typed
    held.set()
    await until(lambda: chosen != [])
    assert chosen == [(talks.rome.id, talks.rome.messages[0].id)]


async def test_a_title_hit_opens_the_conversation(
    qtbot: QtBot, host: Host, talks: Talks, store: Store
) -> None:
    talks.hike.rename("Mountains")
    store.save(talks.hike).result()
    sidebar = host.sidebar
    chosen: list[tuple[str, str]] = []
    sidebar.hit_chosen.connect(lambda *args: chosen.append(args))
    qtbot.keyClicks(sidebar.search, "mountains")
    await until(lambda: sidebar.results_model.rowCount() == 1)
    assert "<b>Mountains</b>" in sidebar.results_model.item(0).data(HTML_ROLE)
    index = sidebar.results_model.index(0, 0)
    qtbot.mouseClick(
        sidebar.results.viewport(),
        Qt.MouseButton.LeftButton,
        pos=sidebar.results.visualRect(index).center(),
    )
    assert chosen == [(talks.hike.id, "")]


async def test_clearing_the_search_shows_the_list_again(qtbot: QtBot, host: Host) -> None:
    sidebar = host.sidebar
    qtbot.keyClicks(sidebar.search, "pasta")
    await until(lambda: sidebar.results_model.rowCount() == 3)
    qtbot.keyClick(sidebar.search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(sidebar.search, Qt.Key.Key_Backspace)
    assert sidebar.search.text() == ""
    assert sidebar.list.isVisible()
    assert not sidebar.results.isVisible()
    assert sidebar.results_model.rowCount() == 0
    qtbot.keyClicks(sidebar.search, "   ")  # only spaces: nothing to search for
    assert sidebar.list.isVisible()


async def test_escape_clears_the_search_and_shows_the_list(qtbot: QtBot, host: Host) -> None:
    sidebar = host.sidebar
    await activated(host)
    sidebar.search.setFocus()
    qtbot.keyClicks(sidebar.search, "pasta")
    await until(lambda: sidebar.results_model.rowCount() == 3)
    qtbot.keyClick(sidebar.search, Qt.Key.Key_Escape)
    assert sidebar.search.text() == ""
    assert sidebar.list.isVisible()
    assert not sidebar.results.isVisible()
    qtbot.keyClicks(sidebar.search, "pasta")  # from the results too
    await until(lambda: sidebar.results_model.rowCount() == 3)
    sidebar.results.setFocus()
    qtbot.keyClick(sidebar.results, Qt.Key.Key_Escape)
    assert sidebar.search.text() == ""
    assert sidebar.list.isVisible()


async def test_ctrl_k_puts_the_focus_in_the_search_box(qtbot: QtBot, host: Host) -> None:
    sidebar = host.sidebar
    assert sidebar.search_action.shortcut().toString() == "Ctrl+K"
    sidebar.search.setText("older query")
    sidebar.search.deselect()
    await activated(host)
    host.elsewhere.setFocus()
    await until(host.elsewhere.hasFocus)
    qtbot.keyClick(host.elsewhere, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    await until(sidebar.search.hasFocus)
    assert sidebar.search.selectedText() == "older query"  # typing replaces it


async def test_the_search_box_waits_for_a_store(qtbot: QtBot) -> None:
    model = ConversationListModel(None, lambda coro: coro.close())
    made = Host(model)
    qtbot.addWidget(made)
    assert not made.sidebar.search.isEnabled()
    assert made.sidebar.search.placeholderText() == "Search conversations (Ctrl+K)"


async def test_f2_renames_in_place(qtbot: QtBot, host: Host, talks: Talks) -> None:
    sidebar, model = host.sidebar, host.sidebar.model
    renamed: list[tuple[str, str]] = []
    model.renamed.connect(lambda *args: renamed.append(args))
    await activated(host)
    sidebar.list.setFocus()
    sidebar.select(talks.rome.id)
    qtbot.keyClick(sidebar.list, Qt.Key.Key_F2)
    assert sidebar.list.state() == QAbstractItemView.State.EditingState
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    assert editor.text() == talks.rome.title
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, "Eating in Rome")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    await until(lambda: renamed != [])  # the delegate commits on the next turn of the loop
    assert renamed == [(talks.rome.id, "Eating in Rome")]
    assert sidebar.list.state() != QAbstractItemView.State.EditingState


async def test_delete_asks_to_delete_the_current_conversation(
    qtbot: QtBot, host: Host, talks: Talks
) -> None:
    sidebar = host.sidebar
    asked: list[str] = []
    sidebar.delete_requested.connect(asked.append)
    await activated(host)
    sidebar.list.setFocus()
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Delete)  # nothing is current yet
    assert asked == []
    sidebar.select(talks.pesto.id)
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Delete)
    assert asked == [talks.pesto.id]
    qtbot.keyClick(host.elsewhere, Qt.Key.Key_Delete)  # Delete in another box is that box's
    assert asked == [talks.pesto.id]


async def test_picking_a_row_chooses_it_but_selecting_it_from_code_does_not(
    host: Host, talks: Talks
) -> None:
    sidebar, model = host.sidebar, host.sidebar.model
    chosen: list[str] = []
    sidebar.chosen.connect(chosen.append)
    sidebar.select(talks.hike.id)
    assert sidebar.current_id() == talks.hike.id
    assert chosen == []
    sidebar.list.setCurrentIndex(model.index(model.row_of(talks.rome.id)))
    assert chosen == [talks.rome.id]
    sidebar.list.setCurrentIndex(model.index(0))  # a heading
    assert model.index(0).data(HEADER_ROLE)
    assert chosen == [talks.rome.id]
    sidebar.select("")
    assert sidebar.current_id() == ""


async def test_the_current_row_stays_when_the_list_changes(host: Host, talks: Talks) -> None:
    sidebar, model = host.sidebar, host.sidebar.model
    sidebar.select(talks.pesto.id)
    talks.hike.add("user", "And in winter?")
    model.touch(talks.hike)  # moves to the top: every row below shifts
    assert model.row_of(talks.hike.id) == 1
    assert sidebar.current_id() == talks.pesto.id


# -- the context menu (a modal menu: in plain tests, with no asyncio loop running)

POPUP_NOISE = r"^This plugin does not support (raise\(\)|grabbing the keyboard)$"
"""What the offscreen platform says when a menu pops up: not our noise."""


def context_menu_pick(sidebar: Sidebar, row: int, label: str) -> list[str]:
    """Right-click ``row``, pick ``label`` from the menu; the menu's labels."""
    seen: list[str] = []

    def pick() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        seen.extend(a.text() for a in menu.actions())
        wanted = [a for a in menu.actions() if a.text() == label]
        if not wanted:  # the test fails on ``seen``; the menu must not stay open
            menu.close()
            return
        menu.setActiveAction(wanted[0])
        QTest.keyClick(menu, Qt.Key.Key_Return)

    QTimer.singleShot(0, pick)
    at = sidebar.list.visualRect(sidebar.model.index(row)).center()
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, at, sidebar.list.viewport().mapToGlobal(at)
    )
    QApplication.sendEvent(sidebar.list.viewport(), event)
    return seen


@pytest.fixture
def plain_host(qtbot: QtBot) -> Host:
    model = ConversationListModel(None, lambda coro: coro.close())
    made = Host(model)
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    return made


def listed(model: ConversationListModel, title: str, *, pinned: bool = False) -> Conversation:
    talk = Conversation(pinned=pinned)
    talk.add("user", title)
    model.touch(talk)
    return talk


@pytest.mark.qt_log_ignore(POPUP_NOISE)
def test_the_context_menu_pins_and_unpins(plain_host: Host) -> None:
    sidebar, model = plain_host.sidebar, plain_host.sidebar.model
    plain = listed(model, "Plan a trip")
    pinned = listed(model, "Shopping list", pinned=True)
    asked: list[tuple[str, bool]] = []
    sidebar.pin_requested.connect(lambda *args: asked.append(args))
    labels = context_menu_pick(sidebar, model.row_of(plain.id), "Pin to the top")
    assert labels == ["&Rename", "Pin to the top", "&Export…", "&Delete"]
    assert asked == [(plain.id, True)]
    assert sidebar.current_id() == plain.id  # the row right-clicked is the current one
    labels = context_menu_pick(sidebar, model.row_of(pinned.id), "Unpin")
    assert "Unpin" in labels
    assert asked == [(plain.id, True), (pinned.id, False)]


@pytest.mark.qt_log_ignore(POPUP_NOISE)
def test_the_context_menu_deletes(plain_host: Host) -> None:
    sidebar, model = plain_host.sidebar, plain_host.sidebar.model
    talk = listed(model, "Plan a trip")
    asked: list[str] = []
    sidebar.delete_requested.connect(asked.append)
    context_menu_pick(sidebar, model.row_of(talk.id), "&Delete")
    assert asked == [talk.id]


def test_a_heading_has_no_context_menu(plain_host: Host) -> None:
    sidebar, model = plain_host.sidebar, plain_host.sidebar.model
    listed(model, "Plan a trip")
    at = sidebar.list.visualRect(model.index(0)).center()
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, at, sidebar.list.viewport().mapToGlobal(at)
    )
    QApplication.sendEvent(sidebar.list.viewport(), event)  # would block in a modal menu
    assert QApplication.activePopupWidget() is None
    assert sidebar.list.currentIndex() == QModelIndex()


def test_arrow_keys_step_over_the_headings(plain_host: Host, qtbot: QtBot) -> None:
    sidebar, model = plain_host.sidebar, plain_host.sidebar.model
    day = 24 * 3600.0
    for title, when in (("older", time.time() - 3 * day), ("today", time.time())):
        talk = Conversation(created=when)
        talk.add("user", title, created=when)
        model.touch(talk)
    assert [model.index(r).data() for r in range(model.rowCount())] == [
        "Today",
        "today",
        "Previous 7 days",
        "older",
    ]
    chosen: list[str] = []
    sidebar.chosen.connect(chosen.append)
    sidebar.list.setCurrentIndex(model.index(1))
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Down)
    assert sidebar.list.currentIndex().row() == 3
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Up)
    assert sidebar.list.currentIndex().row() == 1
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Up)  # nothing above but a heading
    assert sidebar.list.currentIndex().row() == 1
    assert len(chosen) == 3


# -- several selected (Ctrl/Shift-click), for Export


def click(sidebar: Sidebar, row: int, qtbot: QtBot, held: Qt.KeyboardModifier) -> None:
    at = sidebar.list.visualRect(sidebar.model.index(row)).center()
    qtbot.mouseClick(sidebar.list.viewport(), Qt.MouseButton.LeftButton, held, at)


@pytest.mark.qt_log_ignore(POPUP_NOISE)
def test_ctrl_click_selects_several_and_the_menu_exports_them_all(
    plain_host: Host, qtbot: QtBot
) -> None:
    sidebar, model = plain_host.sidebar, plain_host.sidebar.model
    first, second, third = (listed(model, title) for title in ("One", "Two", "Three"))
    chosen: list[str] = []
    exported: list[list[str]] = []
    sidebar.chosen.connect(chosen.append)
    sidebar.export_requested.connect(exported.append)
    none = Qt.KeyboardModifier.NoModifier
    click(sidebar, model.row_of(first.id), qtbot, none)
    click(sidebar, model.row_of(third.id), qtbot, Qt.KeyboardModifier.ControlModifier)
    assert chosen == [first.id, third.id]  # the row clicked is opened, as before
    sidebar.select(third.id)  # what the window does once it shows it: the selection stays
    assert sidebar.selected_ids() == [third.id, first.id]  # top to bottom
    labels = context_menu_pick(sidebar, model.row_of(first.id), "&Export 2 conversations…")
    assert labels == ["&Rename", "Pin to the top", "&Export 2 conversations…", "&Delete"]
    assert exported == [[third.id, first.id]]
    assert sidebar.selected_ids() == [third.id, first.id]
    assert sidebar.current_id() == first.id
    labels = context_menu_pick(sidebar, model.row_of(second.id), "&Export…")  # not selected
    assert exported[-1] == [second.id]
    assert sidebar.selected_ids() == [second.id]  # the menu is for it alone
    click(sidebar, model.row_of(first.id), qtbot, Qt.KeyboardModifier.ShiftModifier)
    assert len(sidebar.selected_ids()) == 2
    click(sidebar, model.row_of(third.id), qtbot, none)
    assert sidebar.selected_ids() == [third.id]  # a plain click selects only that row


def test_the_selection_stays_when_the_list_changes(plain_host: Host, qtbot: QtBot) -> None:
    sidebar, model = plain_host.sidebar, plain_host.sidebar.model
    first, second, third = (listed(model, title) for title in ("One", "Two", "Three"))
    click(sidebar, model.row_of(first.id), qtbot, Qt.KeyboardModifier.NoModifier)
    click(sidebar, model.row_of(second.id), qtbot, Qt.KeyboardModifier.ControlModifier)
    first.add("user", "And more")
    model.touch(first)  # to the top: every row moves
    assert sidebar.selected_ids() == [first.id, second.id]
    assert sidebar.current_id() == second.id
    sidebar.select(third.id)  # the window opens another (a search hit, say): it alone
    assert sidebar.selected_ids() == [third.id]
