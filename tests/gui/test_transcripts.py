"""Export and Import in the window, over a real store: Ctrl+E and its dialog, one file or a
folder of them, PDF off the window's thread, an import that adds to the list, one cancelled
as it reads or cut off by closing the window, a damaged file, and no store at all.

Dialogs are Qt's own (not the desktop's), opened without blocking as the window opens them,
and answered here as a person would: choices made, then Export or Accept.
"""

from __future__ import annotations

import asyncio
import io
import json
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QItemSelectionModel, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from chat.conversation import Conversation
from chat.store import Store, rows
from chat.transcript.options import FORMATS, Format
from chat.transcript.parley_json import dump, load
from gui.export_dialog import JSON_BRANCHES_TIP, ExportDialog
from gui.main_window import MainWindow
from gui.tasks import TaskTracker
from gui.transcripts import CANCELLED, STILL_OPENING
from tests.support.qt import until

SLOW = 60.0
"""Seconds to wait for work on a thread (a shared machine may be slow)."""


@pytest.fixture(autouse=True)
def _qt_dialogs() -> Iterator[None]:
    """Qt's own file dialogs, which a test can answer (a desktop's would wait for a person)."""
    attribute = Qt.ApplicationAttribute.AA_DontUseNativeDialogs
    before = QCoreApplication.testAttribute(attribute)
    QCoreApplication.setAttribute(attribute, True)
    yield
    QCoreApplication.setAttribute(attribute, before)


def talk(title: str, answer: str = "An answer.") -> Conversation:
    made = Conversation()
    made.add("user", title)
    made.add("assistant", answer)
    return made


@pytest.fixture
def store() -> Iterator[Store]:
    opened = Store.open()
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def saved(store: Store) -> list[Conversation]:
    """Three conversations saved before the window opens, newest last."""
    made = [talk("Plan a trip to Lisbon"), talk("Pesto without pine nuts"), talk("Fix my bike")]
    for each in made:
        store.save(each).result()
    return made


@pytest.fixture
async def tasks() -> AsyncIterator[TaskTracker]:
    tracker = TaskTracker()
    yield tracker
    await tracker.shutdown()


@pytest.fixture
async def window(
    store: Store, saved: list[Conversation], tasks: TaskTracker
) -> AsyncIterator[MainWindow]:
    """The window with the store (not given to qtbot: see tests/e2e/test_store_window.py)."""
    made = MainWindow(tasks)
    made.show()
    made.set_store(store)
    await until(lambda: len(made.library.model.ids()) == len(saved))
    yield made
    made.close()
    await tasks.shutdown()


async def activated(window: MainWindow) -> None:
    window.activateWindow()
    await until(window.isActiveWindow)


async def open_conversation(window: MainWindow, conversation: Conversation) -> None:
    model = window.library.model
    window.sidebar.list.setCurrentIndex(model.index(model.row_of(conversation.id)))
    await until(lambda: window.conversation.id == conversation.id)


async def ctrl_e(window: MainWindow) -> ExportDialog:
    await activated(window)
    QTest.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    await until(lambda: window.transcripts.export_dialog is not None)
    dialog = window.transcripts.export_dialog
    assert dialog is not None
    await until(dialog.isVisible)
    return dialog


def labels(dialog: ExportDialog) -> list[str]:
    return [button.text() for button in dialog.scopes.buttons()]


async def export_with(
    dialog: ExportDialog, window: MainWindow, fmt: Format, scope: str = ""
) -> QFileDialog:
    """Pick ``fmt`` (and ``scope``) in the dialog, press Export…; the file dialog it opens."""
    dialog.formats.setCurrentIndex(FORMATS.index(fmt))
    if scope:
        dialog.scope_buttons[scope].setChecked(True)
    QTest.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    await until(lambda: window.transcripts.file_dialog is not None)
    chosen = window.transcripts.file_dialog
    assert chosen is not None
    return chosen


def answer(chosen: QFileDialog, path: Path) -> None:
    chosen.selectFile(str(path))
    chosen.accept()


async def settled(tasks: TaskTracker) -> None:
    await until(lambda: not tasks.running, within=SLOW)


def notice(window: MainWindow) -> str:
    banner = window.transcripts.notice
    return banner.text() if banner.isVisible() else ""


# -- the menus


async def test_the_file_menu_holds_new_import_export_and_quit(window: MainWindow) -> None:
    menus = [action.menu() for action in window.menuBar().actions()]
    assert [menu.title() for menu in menus] == ["&File", "&Edit", "&Conversation", "&View", "&Help"]
    file_menu = [a.text() for a in menus[0].actions()]
    assert file_menu == ["&New conversation", "&Import…", "&Export…", "", "&Quit"]
    assert [a.text() for a in menus[2].actions()] == [
        "&Search conversations",
        "&Rename",
        "",
        "&Regenerate",
        "&Stop the reply",
        "",
        "&Previous conversation",
        "&Next conversation",
        "",
        "Conversation se&ttings…",
        "&Settings…",
        "Add an &endpoint…",
    ]
    assert window.transcripts.export_action.shortcut().toString() == "Ctrl+E"
    assert window.new_action.shortcut().toString() == "Ctrl+N"
    assert window.sidebar.search_action.shortcut().toString() == "Ctrl+K"


# -- export


async def test_ctrl_e_opens_the_export_dialog_with_the_choices_that_apply(
    window: MainWindow, saved: list[Conversation], tasks: TaskTracker
) -> None:
    await open_conversation(window, saved[0])
    dialog = await ctrl_e(window)
    await settled(tasks)  # the count of them all
    assert labels(dialog) == ["This conversation", "All conversations (3)"]
    assert dialog.scope_buttons["this"].isChecked()
    assert dialog.formats.currentText() == "Markdown"
    assert [dialog.formats.itemText(i) for i in range(dialog.formats.count())] == [
        "Markdown",
        "Plain text",
        "JSON",
        "HTML",
        "PDF",
    ]
    assert not dialog.reasoning.isChecked()
    assert dialog.branches.isEnabled()
    dialog.formats.setCurrentIndex(FORMATS.index("json"))
    assert not dialog.branches.isEnabled()  # JSON keeps every branch anyway
    assert dialog.branches.isChecked()
    assert dialog.branches.toolTip() == JSON_BRANCHES_TIP
    dialog.formats.setCurrentIndex(FORMATS.index("html"))
    assert dialog.branches.isEnabled()
    assert not dialog.branches.isChecked()  # as it was before JSON
    dialog.reject()
    await until(lambda: window.transcripts.export_dialog is None)
    assert window.transcripts.file_dialog is None


async def test_a_new_empty_conversation_offers_only_all(
    window: MainWindow, tasks: TaskTracker
) -> None:
    assert window.conversation.all_messages() == []
    dialog = await ctrl_e(window)
    await settled(tasks)
    assert labels(dialog) == ["All conversations (3)"]
    dialog.reject()


async def test_exporting_the_current_conversation_as_markdown_writes_its_file(
    window: MainWindow, saved: list[Conversation], tasks: TaskTracker, tmp_path: Path
) -> None:
    await open_conversation(window, saved[1])
    dialog = await ctrl_e(window)
    chosen = await export_with(dialog, window, "md")
    assert chosen.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    assert chosen.defaultSuffix() == "md"
    assert Path(chosen.selectedFiles()[0]).name == "Pesto without pine nuts.md"
    target = tmp_path / "out" / "pesto.md"
    target.parent.mkdir()
    answer(chosen, target)
    await settled(tasks)
    text = target.read_text(encoding="utf-8")
    assert "Pesto without pine nuts" in text
    assert "An answer." in text
    assert notice(window) == f"Exported 1 conversation as Markdown to {target}"
    assert window.transcripts.last_folder == target.parent
    assert window.transcripts.last_format == "md"


async def test_several_selected_go_into_a_folder_one_file_each(
    window: MainWindow, saved: list[Conversation], tasks: TaskTracker, tmp_path: Path
) -> None:
    view, model = window.sidebar.list, window.library.model
    await open_conversation(window, saved[0])
    await activated(window)
    at = view.visualRect(model.index(model.row_of(saved[2].id))).center()
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, at
    )
    await until(lambda: window.conversation.id == saved[2].id)  # opened, as a click does
    assert set(window.sidebar.selected_ids()) == {saved[0].id, saved[2].id}
    dialog = await ctrl_e(window)
    assert dialog.scope_buttons["selected"].isChecked()
    assert "The 2 selected conversations" in labels(dialog)
    chosen = await export_with(dialog, window, "txt")
    assert chosen.fileMode() == QFileDialog.FileMode.Directory
    folder = tmp_path / "talks"
    folder.mkdir()
    answer(chosen, folder)
    await settled(tasks)
    names = sorted(path.name for path in folder.iterdir())
    assert names == ["Fix my bike.txt", "Plan a trip to Lisbon.txt"]
    assert "Fix my bike" in (folder / "Fix my bike.txt").read_text(encoding="utf-8")
    assert notice(window) == f"Exported 2 conversations as plain text to {folder}"
    assert set(window.sidebar.selected_ids()) == {saved[0].id, saved[2].id}  # still


async def test_all_conversations_as_json_go_into_one_file(
    window: MainWindow, saved: list[Conversation], tasks: TaskTracker, tmp_path: Path
) -> None:
    dialog = await ctrl_e(window)
    chosen = await export_with(dialog, window, "json", "all")
    assert chosen.fileMode() != QFileDialog.FileMode.Directory
    assert Path(chosen.selectedFiles()[0]).name.startswith("Parley ")
    target = tmp_path / "all.json"
    answer(chosen, target)
    await settled(tasks)
    with target.open("rb") as stream:
        ids = {conversation.id for conversation in load(stream)}
    assert ids == {each.id for each in saved}
    assert notice(window) == f"Exported 3 conversations as JSON to {target}"


async def test_a_pdf_is_written_off_the_windows_thread(
    window: MainWindow, saved: list[Conversation], tasks: TaskTracker, tmp_path: Path
) -> None:
    await open_conversation(window, saved[2])
    chosen = await export_with(await ctrl_e(window), window, "pdf")
    assert Path(chosen.selectedFiles()[0]).name == "Fix my bike.pdf"
    target = tmp_path / "bike.pdf"
    answer(chosen, target)
    await settled(tasks)
    assert target.read_bytes().startswith(b"%PDF")
    assert notice(window) == f"Exported 1 conversation as PDF to {target}"


async def test_a_place_it_cannot_write_is_explained(
    window: MainWindow, saved: list[Conversation], tasks: TaskTracker, tmp_path: Path
) -> None:
    target = tmp_path / "gone" / "trip.md"
    target.parent.mkdir()
    await open_conversation(window, saved[0])
    answer(await export_with(await ctrl_e(window), window, "md"), target)
    target.parent.rmdir()  # the folder goes after the dialog closed, before the export starts
    await settled(tasks)
    assert notice(window).startswith("Parley could not write the export: check that the folder")
    assert f" At {target}: " in notice(window)
    assert window.statusBar().currentMessage() == ""  # "Exporting…" went


async def test_a_file_where_a_folder_should_be_is_explained(
    window: MainWindow, saved: list[Conversation], tasks: TaskTracker, tmp_path: Path
) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder", encoding="utf-8")
    failures: list[str] = []
    tasks.failed.connect(failures.append)
    await open_conversation(window, saved[0])
    chosen = await export_with(await ctrl_e(window), window, "md")
    chosen.selectFile(str(blocker / "trip.md"))  # Qt's dialog would refuse such a path:
    chosen.done(QFileDialog.DialogCode.Accepted)  # as if the desktop's took it
    await settled(tasks)
    assert failures == []
    assert notice(window).startswith("Parley could not write the export: check that the folder")


async def test_the_lists_menu_exports_the_conversations_selected(
    window: MainWindow, saved: list[Conversation], tasks: TaskTracker
) -> None:
    selection = window.sidebar.list.selectionModel()
    model = window.library.model
    for each in saved[:2]:
        index = model.index(model.row_of(each.id))
        selection.select(index, QItemSelectionModel.SelectionFlag.Select)
    window.sidebar.export_requested.emit([saved[0].id, saved[1].id])  # as its menu does
    dialog = window.transcripts.export_dialog
    assert dialog is not None
    assert dialog.scope_buttons["selected"].isChecked()
    assert "The 2 selected conversations" in labels(dialog)
    dialog.reject()
    await settled(tasks)


# -- import


def exported(path: Path, conversations: list[Conversation]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        dump(conversations, out)
    return path


async def import_through_the_menu(window: MainWindow, path: Path) -> None:
    window.transcripts.import_action.trigger()
    chosen = window.transcripts.file_dialog
    assert chosen is not None
    assert chosen.fileMode() == QFileDialog.FileMode.ExistingFile
    assert chosen.nameFilters() == ["Exports (*.json *.zip)"]
    answer(chosen, path)


async def test_an_import_adds_its_conversations_to_the_list(
    window: MainWindow, saved: list[Conversation], tasks: TaskTracker, tmp_path: Path
) -> None:
    new = [talk("Learn the ukulele"), talk("Bread at home")]
    path = exported(tmp_path / "conversations.json", [saved[0], *new, saved[1]])
    await import_through_the_menu(window, path)
    await settled(tasks)
    assert notice(window) == (
        "Imported 2 conversations from Parley (4 messages); 2 conversations were here already."
    )
    await until(lambda: len(window.library.model.ids()) == 5)
    assert {each.id for each in new} <= set(window.library.model.ids())
    assert window.transcripts.progress is None  # it went when the import ended
    await import_through_the_menu(window, path)  # again: nothing new
    await settled(tasks)
    assert notice(window).startswith("Nothing new: all 4 conversations in this Parley export")


async def test_an_import_cancelled_as_it_reads_keeps_nothing_of_it(
    window: MainWindow, store: Store, tasks: TaskTracker, tmp_path: Path
) -> None:
    big = [talk(f"Long story {n}", "word " * 20_000) for n in range(90)]  # 9 MB: 3 batches
    path = exported(tmp_path / "big.json", big)
    before = await store.read(rows.list_conversations, limit=-1)
    gate = threading.Event()  # holds the store's writer: the import cannot end before Cancel
    holding = store.submit(lambda db: gate.wait(SLOW))
    try:
        task = window.transcripts.import_from(path)
        await until(lambda: window.transcripts.progress is not None)
        progress = window.transcripts.progress
        assert progress is not None
        await until(lambda: progress.bar.value() > 0, within=SLOW)
        assert progress.isVisible()
        assert progress.bar.value() < 100
        QTest.mouseClick(progress.cancel_button, Qt.MouseButton.LeftButton)
        assert not progress.cancel_button.isEnabled()
        assert progress.label.text().startswith("Cancelling")
    finally:
        gate.set()
    await asyncio.wrap_future(holding)
    assert task is not None
    await task
    await asyncio.wrap_future(store.submit(lambda db: None))  # all it was given is written
    assert notice(window) == CANCELLED
    after = await store.read(rows.list_conversations, limit=-1)
    assert after == before
    assert window.transcripts.import_action.isEnabled()


async def test_closing_the_window_mid_import_stops_it_and_keeps_nothing(
    window: MainWindow, store: Store, tasks: TaskTracker, tmp_path: Path
) -> None:
    path = exported(
        tmp_path / "big.json", [talk(f"Story {n}", "word " * 20_000) for n in range(90)]
    )
    before = await store.read(rows.list_conversations, limit=-1)
    gate = threading.Event()
    holding = store.submit(lambda db: gate.wait(SLOW))
    try:
        window.transcripts.import_from(path)
        await until(lambda: window.transcripts.progress is not None)
        progress = window.transcripts.progress
        assert progress is not None
        await until(lambda: progress.bar.value() > 0, within=SLOW)
        window.close()
        closing = asyncio.ensure_future(tasks.shutdown())  # as the app does once it closes
        for _ in range(5):  # the shutdown cancels the import while the writer is still held
            await asyncio.sleep(0)  # (released first, a loaded machine could finish it)
    finally:
        gate.set()
    await asyncio.wrap_future(holding)
    await closing
    await asyncio.wrap_future(store.submit(lambda db: None))  # all it was given is written
    assert await store.read(rows.list_conversations, limit=-1) == before


async def test_a_damaged_file_is_explained_and_nothing_kept(
    window: MainWindow, store: Store, saved: list[Conversation], tasks: TaskTracker, tmp_path: Path
) -> None:
    text = io.StringIO()
    dump([talk("Learn the ukulele"), talk("Bread at home")], text)
    path = tmp_path / "cut.json"
    path.write_text(text.getvalue()[:-40], encoding="utf-8")  # cut short
    await import_through_the_menu(window, path)
    await settled(tasks)
    assert notice(window).startswith("The file ends too soon: it may have been cut short")
    assert len(await store.read(rows.list_conversations, limit=-1)) == len(saved)
    json_path = tmp_path / "other.json"
    json_path.write_text(json.dumps({"hello": "world"}), encoding="utf-8")
    await import_through_the_menu(window, json_path)
    await settled(tasks)
    assert notice(window).startswith("Parley imports its own JSON transcripts and the")


# -- no store


async def test_without_a_store_import_says_why_and_export_keeps_what_is_here(
    tasks: TaskTracker, tmp_path: Path, qtbot: QtBot
) -> None:
    window = MainWindow(tasks)
    window.show()
    try:
        window.transcripts.import_action.trigger()
        assert notice(window) == STILL_OPENING
        problem = "The conversation database is damaged. Until then, conversations last…"
        window.set_store(None, problem)
        window.transcripts.import_action.trigger()
        assert notice(window) == f"Importing needs the conversation database. {problem}"
        assert window.transcripts.file_dialog is None
        window.conversation.add("user", "Only in memory")
        chosen = await export_with(await ctrl_e(window), window, "md", "this")
        target = tmp_path / "memory.md"
        answer(chosen, target)
        await settled(tasks)
        assert "Only in memory" in target.read_text(encoding="utf-8")
    finally:
        window.close()
        await tasks.shutdown()
