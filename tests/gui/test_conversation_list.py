"""The conversation list model alone: groups by the local calendar, pinned first, newest
activity first, pages read lazily from a real store, and what the window tells it."""

from __future__ import annotations

import datetime
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QListView
from pytestqt.qtbot import QtBot

from chat.conversation import Conversation
from chat.store import Store, Summary, rows
from gui.conversation_list import (
    HEADER_ROLE,
    ID_ROLE,
    PAGE,
    PINNED_ROLE,
    STREAMING_MARK,
    STREAMING_ROLE,
    UNTITLED,
    ConversationListModel,
)
from gui.tasks import TaskTracker
from tests.support.qt import next_signal, until

NOW = datetime.datetime(2026, 3, 15, 9, 30).timestamp()
"""A Sunday morning, local time (the clock the models here are given)."""
HOUR = 3600.0
DAY = 24 * HOUR


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> float:
    """The timestamp of a local date and time: ``local(2026, 3, 14, 23, 55)``."""
    return datetime.datetime(year, month, day, hour, minute).timestamp()


def conversation(title: str, when: float, *, pinned: bool = False) -> Conversation:
    """A conversation whose only (and so last) activity was at ``when``."""
    found = Conversation(created=when, pinned=pinned)
    found.add("user", title, created=when)
    return found


def never_started(coro: Any) -> None:
    coro.close()
    raise AssertionError("this model has nothing to read")


def shown(model: ConversationListModel) -> list[str]:
    """Every row as the list shows it: headings and titles."""
    return [str(model.index(row).data()) for row in range(model.rowCount())]


@pytest.fixture
def model() -> ConversationListModel:
    """A list with no store behind it (the window before its store is open)."""
    return ConversationListModel(None, never_started, clock=lambda: NOW)


def test_rows_are_grouped_by_the_day_of_their_last_activity(model: ConversationListModel) -> None:
    for title, when in [
        ("older still", local(2025, 3, 15, 12)),
        ("eight days ago", local(2026, 3, 7, 23, 59)),
        ("seven days ago", local(2026, 3, 8, 0, 1)),
        ("two days ago", local(2026, 3, 13, 12)),
        ("late yesterday", local(2026, 3, 14, 23, 59)),
        ("early yesterday", local(2026, 3, 14, 0, 0)),
        ("just after midnight", local(2026, 3, 15, 0, 0)),
        ("a clock ahead", NOW + 2 * DAY),  # another machine's clock: still today
    ]:
        model.touch(conversation(title, when))
    assert shown(model) == [
        "Today",
        "a clock ahead",
        "just after midnight",
        "Yesterday",
        "late yesterday",
        "early yesterday",
        "Previous 7 days",
        "two days ago",
        "seven days ago",
        "Older",
        "eight days ago",
        "older still",
    ]


@pytest.fixture
def five_hours_behind_utc() -> Iterator[None]:
    """The local time zone is UTC-5 (a POSIX rule: no time zone data needed)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "EST5"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.mark.usefixtures("five_hours_behind_utc")
def test_days_are_the_local_calendars_not_utcs() -> None:
    utc = datetime.UTC
    now = datetime.datetime(2026, 3, 15, 6, 0, tzinfo=utc).timestamp()  # 01:00 local
    late = datetime.datetime(2026, 3, 15, 4, 30, tzinfo=utc).timestamp()  # 23:30 local, 14th
    model = ConversationListModel(None, never_started, clock=lambda: now)
    model.touch(conversation("late last night", late))
    assert shown(model) == ["Yesterday", "late last night"]  # by UTC it would be today


def test_pinned_come_first_newest_first_then_the_rest(model: ConversationListModel) -> None:
    model.touch(conversation("recent", NOW - HOUR))
    model.touch(conversation("old but pinned", NOW - 300 * DAY, pinned=True))
    model.touch(conversation("newest", NOW - 60))
    model.touch(conversation("pinned yesterday", NOW - DAY, pinned=True))
    assert shown(model) == [
        "Pinned",
        "pinned yesterday",
        "old but pinned",
        "Today",
        "newest",
        "recent",
    ]
    pinned = model.index(1)
    assert pinned.data(PINNED_ROLE) is True
    assert model.index(4).data(PINNED_ROLE) is False


def test_groups_follow_the_clock() -> None:
    now = [NOW]
    model = ConversationListModel(None, never_started, clock=lambda: now[0])
    model.touch(conversation("this morning", NOW - HOUR))
    assert shown(model) == ["Today", "this morning"]
    now[0] += DAY
    model.touch(conversation("the next day", now[0]))
    assert shown(model) == ["Today", "the next day", "Yesterday", "this morning"]


def test_a_touch_moves_a_conversation_to_the_top(model: ConversationListModel) -> None:
    first = conversation("first", NOW - 3 * HOUR)
    second = conversation("second", NOW - 2 * HOUR)
    third = conversation("third", NOW - HOUR)
    for each in (first, second, third):
        model.touch(each)
    assert shown(model) == ["Today", "third", "second", "first"]
    first.add("user", "one more thing", created=NOW)
    model.touch(first)
    assert shown(model) == ["Today", "first", "third", "second"]
    assert model.ids() == [first.id, third.id, second.id]
    assert model.row_of(first.id) == 1


def test_an_empty_conversation_is_not_listed(model: ConversationListModel) -> None:
    empty = Conversation(created=NOW)
    model.touch(empty)
    assert model.rowCount() == 0
    assert model.row_of(empty.id) == -1
    empty.add("assistant", "Hello!", created=NOW)  # no question: no title either
    model.touch(empty)
    assert shown(model) == ["Today", UNTITLED]
    assert model.index(1).data(Qt.ItemDataRole.EditRole) == ""


def test_a_streaming_conversation_is_marked_until_it_ends(model: ConversationListModel) -> None:
    talk = conversation("Plan a trip", NOW)
    model.touch(talk, streaming=True)
    row = model.index(model.row_of(talk.id))
    assert row.data() == STREAMING_MARK + "Plan a trip"
    assert row.data(Qt.ItemDataRole.ToolTipRole) == "Plan a trip"
    assert row.data(Qt.ItemDataRole.EditRole) == "Plan a trip"  # what F2 edits
    assert row.data(STREAMING_ROLE) is True
    talk.add("assistant", "Where to?", created=NOW + 1)
    model.touch(talk)  # a change on the way keeps the mark
    assert model.index(model.row_of(talk.id)).data() == STREAMING_MARK + "Plan a trip"
    model.touch(talk, streaming=False)
    assert model.index(model.row_of(talk.id)).data() == "Plan a trip"


def test_hide_takes_a_conversation_out_and_unhide_puts_it_back(
    model: ConversationListModel,
) -> None:
    kept = conversation("kept", NOW - HOUR)
    gone = conversation("deleted", NOW - 2 * HOUR)
    model.touch(kept)
    model.touch(gone, streaming=True)
    entry = model.hide(gone.id)
    assert entry is not None
    assert entry.title == "deleted"
    assert shown(model) == ["Today", "kept"]
    assert model.row_of(gone.id) == -1
    gone.add("assistant", "a reply that ended after the delete", created=NOW)
    model.touch(gone)  # what arrives for it while it is deleted does not bring it back
    assert shown(model) == ["Today", "kept"]
    model.unhide(entry)
    assert shown(model) == ["Today", "kept", "deleted"]  # at its place, not marked
    model.touch(gone)  # and it is followed again
    assert shown(model) == ["Today", "deleted", "kept"]
    assert model.hide("not-in-the-list") is None


def test_editing_a_title_asks_for_a_rename(model: ConversationListModel) -> None:
    talk = conversation("Plan a trip", NOW)
    model.touch(talk)
    asked: list[tuple[str, str]] = []
    model.renamed.connect(lambda *args: asked.append(args))
    row = model.index(model.row_of(talk.id))
    assert model.setData(row, "  Trip   to\tRome ")
    assert asked == [(talk.id, "Trip to Rome")]
    assert row.data() == "Plan a trip"  # shown once the conversation is renamed
    assert not model.setData(row, "   ")  # a blank title is refused
    assert not model.setData(row, "Other", Qt.ItemDataRole.DisplayRole)
    assert not model.setData(model.index(0), "A heading")
    assert not model.setData(QModelIndex(), "Nowhere")
    assert asked == [(talk.id, "Trip to Rome")]


def test_headings_cannot_be_selected_or_edited(model: ConversationListModel) -> None:
    talk = conversation("Plan a trip", NOW)
    model.touch(talk)
    heading, row = model.index(0), model.index(1)
    assert model.flags(heading) == Qt.ItemFlag.NoItemFlags
    assert heading.data(HEADER_ROLE) is True
    assert heading.data(ID_ROLE) is None
    font = heading.data(Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont)
    assert font.bold()
    flags = model.flags(row)
    assert flags & Qt.ItemFlag.ItemIsSelectable
    assert flags & Qt.ItemFlag.ItemIsEditable
    assert row.data(HEADER_ROLE) is False
    assert row.data(ID_ROLE) == talk.id
    assert model.flags(QModelIndex()) == Qt.ItemFlag.NoItemFlags
    assert model.index(99).data() is None


def test_a_list_with_no_store_has_nothing_to_fetch(model: ConversationListModel) -> None:
    assert not model.canFetchMore()
    model.fetchMore()  # nothing to read: never_started would fail the test
    assert model.rowCount() == 0


# -- pages read from a real store

MANY = 450
PINNED_AT = (310, 449)
"""Which of the ``MANY`` conversations (0 the newest) are pinned: old ones, listed first."""


def saved_conversations() -> list[Conversation]:
    made = []
    for number in range(MANY):
        when = NOW - number * HOUR
        made.append(conversation(f"Conversation {number}", when, pinned=number in PINNED_AT))
    return made


def write_all(db: sqlite3.Connection, conversations: list[Conversation]) -> None:
    for each in conversations:
        rows.save_conversation(db, rows.conversation_row(each))
        for message in each.all_messages():
            rows.save_message(db, rows.message_row(each.id, message, ""))


@pytest.fixture
def store() -> Iterator[Store]:
    opened = Store.open()
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
async def tasks(store: Store) -> AsyncIterator[TaskTracker]:
    tracker = TaskTracker()
    yield tracker
    await tracker.shutdown()  # before the store closes


@pytest.fixture
def many(store: Store) -> list[Conversation]:
    """``MANY`` conversations saved in the store, in the order the list shows them."""
    made = saved_conversations()
    store.submit(lambda db: write_all(db, made)).result()
    return sorted(made, key=lambda c: (not c.pinned, -c.updated))


@pytest.fixture
def asked() -> list[tuple[int, int]]:
    """The pages the model read: (offset, limit)."""
    return []


@pytest.fixture
def paged(store: Store, tasks: TaskTracker, asked: list[tuple[int, int]]) -> ConversationListModel:
    async def load_page(offset: int, limit: int) -> list[Summary]:
        asked.append((offset, limit))
        return await store.read(rows.list_conversations, offset=offset, limit=limit)

    return ConversationListModel(
        load_page, lambda coro: tasks.start(coro, name="page"), clock=lambda: NOW
    )


async def test_pages_are_read_one_at_a_time_as_asked(
    paged: ConversationListModel, many: list[Conversation], asked: list[tuple[int, int]]
) -> None:
    assert paged.rowCount() == 0  # nothing is read until the list asks
    assert paged.canFetchMore()
    paged.fetchMore()
    assert not paged.canFetchMore()  # one page at a time
    paged.fetchMore()
    await next_signal(paged.loaded)
    assert paged.ids() == [c.id for c in many[:PAGE]]
    assert paged.canFetchMore()
    paged.fetchMore()
    await next_signal(paged.loaded)
    assert paged.ids() == [c.id for c in many[: 2 * PAGE]]
    paged.fetchMore()
    await next_signal(paged.loaded)
    assert paged.ids() == [c.id for c in many]
    assert not paged.canFetchMore()  # the last page was short: that is all there is
    assert asked == [(0, PAGE), (PAGE, PAGE), (2 * PAGE, PAGE)]
    headings = [t for t in shown(paged) if not t.startswith("Conversation ")]
    assert headings == ["Pinned", "Today", "Yesterday", "Previous 7 days", "Older"]
    assert shown(paged)[:3] == ["Pinned", "Conversation 310", "Conversation 449"]


async def test_set_loader_reads_the_first_page_at_once(
    store: Store, tasks: TaskTracker, many: list[Conversation]
) -> None:
    model = ConversationListModel(None, lambda coro: tasks.start(coro, name="page"))
    assert not model.canFetchMore()

    async def load_page(offset: int, limit: int) -> list[Summary]:
        return await store.read(rows.list_conversations, offset=offset, limit=limit)

    model.set_loader(load_page)
    await next_signal(model.loaded)
    assert len(model.ids()) == PAGE
    assert model.ids() == [c.id for c in many[:PAGE]]


async def test_a_view_reads_the_next_page_when_scrolled_to_the_end(
    qtbot: QtBot, paged: ConversationListModel, many: list[Conversation]
) -> None:
    view = QListView()
    qtbot.addWidget(view)
    view.resize(240, 300)
    view.setModel(paged)
    view.show()
    await until(lambda: len(paged.ids()) == PAGE)  # the empty view asked for a page itself
    await until(lambda: view.verticalScrollBar().maximum() > 0)
    top = view.indexAt(view.viewport().rect().topLeft()).row()
    assert top == 0
    assert len(paged.ids()) == PAGE  # a full view reads no more until it is scrolled
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum())
    at_the_end = view.indexAt(view.viewport().rect().topLeft()).data()
    await until(lambda: len(paged.ids()) == 2 * PAGE)
    # The view lays its rows out again a moment after they are added, as it would before painting.
    await until(lambda: view.indexAt(view.viewport().rect().topLeft()).isValid())
    assert view.indexAt(view.viewport().rect().topLeft()).data() == at_the_end  # not moved
    assert bar.value() < bar.maximum()  # there is more below now
    bar.setValue(bar.maximum())
    await until(lambda: len(paged.ids()) == MANY)
    assert paged.ids() == [c.id for c in many]


async def test_a_touched_conversation_from_a_page_moves_to_the_top(
    paged: ConversationListModel, many: list[Conversation], store: Store
) -> None:
    paged.fetchMore()
    await next_signal(paged.loaded)
    talk = await store.read(rows.load_conversation, many[120].id)
    assert talk is not None
    talk.add("user", "Back to this one", created=NOW + 60)
    paged.touch(talk)
    assert paged.ids()[:3] == [many[0].id, many[1].id, talk.id]  # under the two pinned
    assert shown(paged)[:5] == [
        "Pinned",
        "Conversation 310",
        "Conversation 449",
        "Today",
        talk.title,
    ]
    assert paged.ids().count(talk.id) == 1
    assert len(paged.ids()) == PAGE


async def test_an_old_conversation_waits_for_its_page_and_comes_once(
    paged: ConversationListModel, many: list[Conversation], store: Store
) -> None:
    paged.fetchMore()
    await next_signal(paged.loaded)
    old = await store.read(rows.load_conversation, many[-1].id)  # the oldest, not loaded
    assert old is not None
    paged.touch(old)  # say, its title changed: it is still older than all that is loaded
    assert paged.row_of(old.id) == -1
    assert len(paged.ids()) == PAGE
    for _ in range(2):
        paged.fetchMore()
        await next_signal(paged.loaded)
    assert paged.ids() == [c.id for c in many]
    assert paged.ids().count(old.id) == 1
