"""The window with a real conversation store in the test's PARLEY_HOME: exchanges saved and
listed again after a restart, replies streaming in two conversations at once, delete with
Undo, rename, pin, search across branches, a reply cut off by a killed Parley, and a store
that cannot be opened or cannot write."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import aiohttp
import pytest
from aiohttp import web
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu
from pytestqt.qtbot import QtBot

from chat import paths
from chat.conversation import Conversation, MessageState
from chat.secrets import MemorySecretStore
from chat.session import ChatSession
from chat.settings import Settings
from chat.store import Store, rows
from gui.app import _opened_store, _show_conversations, main
from gui.conversation_list import STREAMING_MARK
from gui.conversation_view import INTERRUPTED
from gui.main_window import MainWindow
from gui.tasks import TaskTracker
from providers.registry import ProviderRegistry
from tests.support.loopback import Loopback, LoopbackServer, json_body
from tests.support.qt import next_signal, until

ROOT = Path(__file__).resolve().parents[2]
POPUP_NOISE = r"^This plugin does not support (raise\(\)|grabbing the keyboard)$"
"""What the offscreen platform says when a menu pops up: not our noise."""


class Gated(Loopback):
    """The loopback provider, with a model whose replies end when the test says so."""

    models: ClassVar[list[str]] = [*Loopback.models, "gated"]


def event(data: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(data)}\n\n".encode()


class GatedServer(LoopbackServer):
    """The loopback server, plus the model ``gated``: it streams the question back, word
    after word every 20 ms, until ``finish(question)``; then "The end." and the finish."""

    def __init__(self) -> None:
        super().__init__()
        self._gates: dict[str, asyncio.Event] = {}

    def finish(self, question: str) -> None:
        self._gate(question).set()

    def _gate(self, question: str) -> asyncio.Event:
        return self._gates.setdefault(question, asyncio.Event())

    async def handle_chat(self, request: web.Request) -> web.StreamResponse:
        body = await json_body(request)  # read once: aiohttp keeps the body for the base
        if body.get("model") != "gated":
            return await super().handle_chat(request)
        self.requests.append(body)
        question = str(body["messages"][-1]["content"])
        gate = self._gate(question)
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        try:
            for _ in range(1500):  # 30 s at most
                if gate.is_set():
                    break
                await response.write(event({"text": f"{question} "}))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(gate.wait(), 0.02)
            await response.write(
                event({"text": "The end."}) + event({"finish": "stop"}) + b"data: [DONE]\n\n"
            )
        except ConnectionResetError:
            self.disconnected.set()
        return response


@pytest.fixture
async def server() -> AsyncIterator[GatedServer]:
    started = GatedServer()
    await started.start()
    yield started
    await started.stop()


@pytest.fixture
def registry(server: GatedServer) -> ProviderRegistry:
    return ProviderRegistry([Gated.with_base_url(server.url)])


@dataclass
class Running:
    window: MainWindow
    tasks: TaskTracker
    store: Store | None


class Parley:
    """Starts windows as gui/app.py does (settings, the store opened off the window's
    thread with its recovery awaited, providers, then the session), and stops them as it does
    (tasks ended, the settings written, the store closed). Each ``start`` after a ``stop`` is
    Parley started again on the same PARLEY_HOME.

    The windows are not given to qtbot: it would close and delete them before this fixture
    ends their tasks, which still report to them (tests/conftest.py collects them after)."""

    def __init__(
        self,
        registry: ProviderRegistry,
        http: aiohttp.ClientSession,
        settings_path: Path,
    ) -> None:
        self._registry = registry
        self._http = http
        self.settings_path = settings_path
        self.running: list[Running] = []

    async def start(self) -> MainWindow:
        tasks = TaskTracker()
        window = MainWindow(tasks)
        window.show()
        window.set_settings(Settings.load(self.settings_path))
        store = await _show_conversations(window, asyncio.ensure_future(_opened_store(window)))
        window.load_providers(self._registry)
        window.set_session(ChatSession(MemorySecretStore(), self._http))
        self.running.append(Running(window, tasks, store))
        return window

    def tasks_of(self, window: MainWindow) -> TaskTracker:
        return next(r.tasks for r in self.running if r.window is window)

    async def stop(self, window: MainWindow) -> None:
        found = next(r for r in self.running if r.window is window)
        self.running.remove(found)
        window.close()
        await found.tasks.shutdown()
        if window.settings is not None:
            await window.settings.save_in_background()
        if found.store is not None:
            await asyncio.to_thread(found.store.close)

    async def restart(self, window: MainWindow) -> MainWindow:
        await self.stop(window)
        return await self.start()

    async def stop_all(self) -> None:
        for running in list(self.running):
            await self.stop(running.window)


@pytest.fixture
async def parley(
    registry: ProviderRegistry, http: aiohttp.ClientSession, tmp_path: Path
) -> AsyncIterator[Parley]:
    made = Parley(registry, http, tmp_path / "settings.json")
    try:
        yield made
    finally:
        await made.stop_all()


def send(qtbot: QtBot, window: MainWindow, text: str, model: str = "echo") -> None:
    window.picker.model_box.setEditText(model)
    qtbot.keyClicks(window.composer.editor, text)
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Return)


async def exchange(qtbot: QtBot, window: MainWindow, text: str) -> Conversation:
    """Send ``text`` in the conversation on screen and wait for the whole reply."""
    send(qtbot, window, text)
    assert await next_signal(window.reply_ended) == ("finished",)
    await until(lambda: window.replies.settled)
    return window.conversation


async def written(store: Store | None) -> Store:
    """``store`` once everything handed to it before is on disk."""
    assert store is not None
    await asyncio.wrap_future(store.submit(lambda db: None))
    return store


async def saved(store: Store | None, conversation_id: str) -> Conversation | None:
    return await (await written(store)).read(rows.load_conversation, conversation_id)


def last_conversation(path: Path) -> str:
    return str(Settings.load(path).get("last_conversation"))


def shown(window: MainWindow) -> list[str]:
    """The conversation list as it reads: headings and titles."""
    model = window.library.model
    return [str(model.index(row).data()) for row in range(model.rowCount())]


def title_in_list(window: MainWindow, conversation_id: str) -> str:
    model = window.library.model
    row = model.row_of(conversation_id)
    return str(model.index(row).data()) if row >= 0 else ""


async def activated(window: MainWindow) -> None:
    window.activateWindow()
    await until(window.isActiveWindow)


def choose(window: MainWindow, conversation_id: str) -> None:
    """Click ``conversation_id`` in the list (as a click does: it becomes current)."""
    model = window.library.model
    window.sidebar.list.setCurrentIndex(model.index(model.row_of(conversation_id)))


async def pick_from_context_menu(window: MainWindow, conversation_id: str, label: str) -> None:
    """Right-click the conversation in the list and pick ``label``.

    The menu is modal (a nested event loop): it is opened from a plain callback of the loop,
    never from inside this coroutine's task, so that other tasks can run while it is open."""
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    view = window.sidebar.list

    def pick() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        wanted = [a for a in menu.actions() if a.text() == label]
        if not wanted:
            menu.close()
            return
        menu.setActiveAction(wanted[0])
        QTest.keyClick(menu, Qt.Key.Key_Return)

    def right_click() -> None:
        try:
            model = window.library.model
            at = view.visualRect(model.index(model.row_of(conversation_id))).center()
            QTimer.singleShot(0, pick)  # runs in the menu's own event loop
            menu_event = QContextMenuEvent(
                QContextMenuEvent.Reason.Mouse, at, view.viewport().mapToGlobal(at)
            )
            QApplication.sendEvent(view.viewport(), menu_event)
        finally:
            done.set_result(None)

    asyncio.get_running_loop().call_soon(right_click)
    await done


# -- saved, and there again after a restart


async def test_a_sent_exchange_is_in_the_store(qtbot: QtBot, parley: Parley) -> None:
    window = await parley.start()
    assert window.library.store is not None
    assert window.store_notice.isHidden()
    talk = await exchange(qtbot, window, "hello there")
    found = await saved(window.library.store, talk.id)
    assert found is not None
    assert found.title == "hello there"
    question, answer = found.messages
    assert (question.role, question.content) == ("user", "hello there")
    assert answer.content.strip() == "You said: hello there"
    assert answer.state is MessageState.COMPLETE
    assert (answer.provider, answer.model, answer.finish_reason) == ("Gated", "echo", "stop")


async def test_a_new_window_lists_the_conversations_and_reopens_the_last_one(
    qtbot: QtBot, parley: Parley
) -> None:
    window = await parley.start()
    first = await exchange(qtbot, window, "plan a trip")
    window.new_action.trigger()
    second = await exchange(qtbot, window, "write a poem")
    assert shown(window) == ["Today", "write a poem", "plan a trip"]
    choose(window, first.id)  # the one open when the window closes
    assert window.conversation is first
    # Closed once that is written: a write the shutdown cuts off goes on in its thread, beside
    # the last save, and may land after it (chat/settings.py; reported, not fixed here).
    await until(lambda: last_conversation(parley.settings_path) == first.id)
    window = await parley.restart(window)
    await until(lambda: window.conversation.id == first.id)
    await until(lambda: "You said: plan a trip" in window.view.toPlainText())
    assert window.conversation is not first  # read back from the store
    assert shown(window) == ["Today", "write a poem", "plan a trip"]
    assert window.library.model.ids() == [second.id, first.id]
    assert window.sidebar.current_id() == first.id
    choose(window, second.id)
    await until(lambda: "You said: write a poem" in window.view.toPlainText())
    assert window.conversation.id == second.id


async def test_a_window_with_no_settings_starts_on_a_new_conversation(
    qtbot: QtBot, parley: Parley
) -> None:
    window = await parley.start()
    talk = await exchange(qtbot, window, "plan a trip")
    await parley.stop(window)
    parley.settings_path.unlink()
    window = await parley.start()
    await until(lambda: window.library.model.ids() == [talk.id])
    assert window.conversation.all_messages() == []
    assert window.sidebar.current_id() == ""


# -- two replies at once


async def test_replies_stream_in_two_conversations_at_once_each_with_its_own_stop(
    qtbot: QtBot, parley: Parley, server: GatedServer
) -> None:
    window = await parley.start()
    send(qtbot, window, "alpha", model="gated")
    await until(lambda: "alpha alpha" in window.view.toPlainText())
    first = window.conversation
    assert window.composer.button.text() == "Stop"
    window.new_action.trigger()
    second = window.conversation
    assert second is not first
    assert window.view.toPlainText() == ""
    assert window.composer.button.text() == "Send"  # this conversation has no reply running
    send(qtbot, window, "beta", model="gated")
    await until(lambda: "beta beta" in window.view.toPlainText())
    assert set(window.replies.streaming_ids()) == {first.id, second.id}
    assert title_in_list(window, first.id) == STREAMING_MARK + "alpha"
    assert title_in_list(window, second.id) == STREAMING_MARK + "beta"
    await asyncio.sleep(0.1)  # a few frames while both stream
    assert "alpha" not in window.view.toPlainText()  # the other reply stays in its own

    qtbot.mouseClick(window.composer.button, Qt.MouseButton.LeftButton)  # the second's Stop
    assert await next_signal(window.reply_ended) == ("cancelled",)
    await until(lambda: "Stopped" in window.view.toPlainText())
    assert second.messages[-1].state is MessageState.CANCELLED
    assert first.messages[-1].state is MessageState.STREAMING  # the first goes on
    assert window.replies.streaming_ids() == [first.id]
    assert title_in_list(window, second.id) == "beta"
    assert title_in_list(window, first.id) == STREAMING_MARK + "alpha"

    choose(window, first.id)
    assert window.conversation is first
    assert window.composer.button.text() == "Stop"
    so_far = window.view.toPlainText().count("alpha")
    assert so_far > 2  # the text that came while it was off screen
    await until(lambda: window.view.toPlainText().count("alpha") > so_far + 2)  # and on
    server.finish("alpha")
    assert await next_signal(window.reply_ended) == ("finished",)
    await until(lambda: window.replies.settled)
    reply = first.messages[-1]
    assert reply.state is MessageState.COMPLETE
    assert reply.content.endswith("alpha The end.")
    text = window.view.toPlainText()
    assert text.count("The end.") == 1
    assert text.count("alpha") == 1 + reply.content.count("alpha")  # nothing lost or twice
    assert window.composer.button.text() == "Send"
    assert title_in_list(window, first.id) == "alpha"

    store = window.library.store
    kept_first, kept_second = await saved(store, first.id), await saved(store, second.id)
    assert kept_first is not None
    assert kept_second is not None
    assert kept_first.messages[-1].content == reply.content
    assert kept_first.messages[-1].state is MessageState.COMPLETE
    assert kept_second.messages[-1].state is MessageState.CANCELLED
    assert kept_second.messages[-1].content == second.messages[-1].content


async def test_a_reply_that_ends_off_screen_is_shown_whole_when_its_conversation_is_opened(
    qtbot: QtBot, parley: Parley, server: GatedServer
) -> None:
    window = await parley.start()
    send(qtbot, window, "gamma", model="gated")
    await until(lambda: "gamma gamma" in window.view.toPlainText())
    first = window.conversation
    window.new_action.trigger()
    server.finish("gamma")
    assert await next_signal(window.reply_ended) == ("finished",)
    await until(lambda: window.replies.settled)
    assert window.view.toPlainText() == ""
    assert window.composer.button.text() == "Send"
    choose(window, first.id)
    text = window.view.toPlainText()
    assert text.count("The end.") == 1
    assert text.count("gamma") == 1 + first.messages[-1].content.count("gamma")


# -- delete, rename, pin


async def test_delete_with_undo_brings_it_back_and_without_undo_it_is_gone_after_a_restart(
    qtbot: QtBot, parley: Parley
) -> None:
    window = await parley.start()
    kept = await exchange(qtbot, window, "keep me")
    window.new_action.trigger()
    doomed = await exchange(qtbot, window, "delete me")
    await activated(window)
    window.sidebar.list.setFocus()
    assert window.sidebar.current_id() == doomed.id
    qtbot.keyClick(window.sidebar.list, Qt.Key.Key_Delete)
    assert window.library.model.ids() == [kept.id]
    assert window.conversation is not doomed  # a new one takes its place on screen
    assert window.view.toPlainText() == ""
    assert window.undo_bar.isVisible()
    assert window.undo_bar.text() == "Deleted “delete me”."
    store = await written(window.library.store)
    listed = await store.read(rows.list_conversations)
    assert [s.id for s in listed] == [kept.id]

    qtbot.mouseClick(window.undo_bar.undo, Qt.MouseButton.LeftButton)
    assert not window.undo_bar.isVisible()
    assert window.library.model.ids() == [doomed.id, kept.id]
    await until(lambda: window.conversation is doomed)
    assert "You said: delete me" in window.view.toPlainText()
    listed = await (await written(store)).read(rows.list_conversations)
    assert [s.id for s in listed] == [doomed.id, kept.id]

    window.sidebar.list.setFocus()
    qtbot.keyClick(window.sidebar.list, Qt.Key.Key_Delete)  # and this time, no Undo
    assert window.library.model.ids() == [kept.id]
    window = await parley.restart(window)
    await until(lambda: window.library.model.ids() == [kept.id])
    await until(lambda: not parley.tasks_of(window).running)
    assert window.conversation.all_messages() == []
    assert window.statusBar().currentMessage() == ""  # nothing to say about it: it was deleted
    with closing(sqlite3.connect(paths.data_dir() / "parley.db")) as db:
        deleted = db.execute("SELECT id FROM conversations WHERE deleted IS NOT NULL")
        assert [r[0] for r in deleted] == [doomed.id]  # hidden until a purge, not shown


async def test_deleting_a_conversation_stops_its_reply_and_it_stays_deleted(
    qtbot: QtBot, parley: Parley, server: GatedServer
) -> None:
    window = await parley.start()
    send(qtbot, window, "delta", model="gated")
    await until(lambda: "delta delta" in window.view.toPlainText())
    doomed = window.conversation
    await activated(window)
    window.sidebar.list.setFocus()
    qtbot.keyClick(window.sidebar.list, Qt.Key.Key_Delete)
    assert await next_signal(window.reply_ended) == ("cancelled",)
    await asyncio.wait_for(server.disconnected.wait(), 2)
    await until(lambda: window.replies.settled)
    assert window.library.model.ids() == []  # the reply's end did not bring it back
    assert window.composer.button.text() == "Send"
    store = await written(window.library.store)
    assert await store.read(rows.list_conversations) == []
    qtbot.mouseClick(window.undo_bar.undo, Qt.MouseButton.LeftButton)
    await until(lambda: window.conversation is doomed)
    assert doomed.messages[-1].state is MessageState.CANCELLED
    assert title_in_list(window, doomed.id) == "delta"  # not marked as streaming any more
    await until(lambda: "Stopped" in window.view.toPlainText())


async def test_f2_renames_in_place_and_the_name_is_kept(qtbot: QtBot, parley: Parley) -> None:
    window = await parley.start()
    talk = await exchange(qtbot, window, "plan a trip")
    await activated(window)
    window.sidebar.list.setFocus()
    qtbot.keyClick(window.sidebar.list, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    assert editor.text() == "plan a trip"
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, "Rome in May")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    await until(lambda: title_in_list(window, talk.id) == "Rome in May")
    assert talk.title == "Rome in May"
    await exchange(qtbot, window, "and where to stay?")  # a named one keeps its name
    assert title_in_list(window, talk.id) == "Rome in May"
    window = await parley.restart(window)
    await until(lambda: window.library.model.ids() == [talk.id])
    assert shown(window) == ["Today", "Rome in May"]
    await until(lambda: window.conversation.id == talk.id)
    assert window.conversation.title_set


@pytest.mark.qt_log_ignore(POPUP_NOISE)
async def test_pin_moves_a_conversation_under_pinned_and_it_stays_there(
    qtbot: QtBot, parley: Parley
) -> None:
    window = await parley.start()
    first = await exchange(qtbot, window, "shopping list")
    window.new_action.trigger()
    second = await exchange(qtbot, window, "plan a trip")
    assert shown(window) == ["Today", "plan a trip", "shopping list"]
    await pick_from_context_menu(window, first.id, "Pin to the top")
    await until(lambda: shown(window) == ["Pinned", "shopping list", "Today", "plan a trip"])
    assert first.pinned
    window = await parley.restart(window)
    await until(lambda: len(window.library.model.ids()) == 2)
    assert shown(window) == ["Pinned", "shopping list", "Today", "plan a trip"]
    await pick_from_context_menu(window, first.id, "Unpin")
    await until(lambda: shown(window) == ["Today", "plan a trip", "shopping list"])
    assert window.library.model.ids() == [second.id, first.id]


# -- search


def long_text(number: int) -> str:
    return f"Answer {number}. " + " ".join(["Some words to fill the page with."] * 40)


@pytest.fixture
def branched() -> tuple[Conversation, str]:
    """A saved conversation whose first question was edited: the branch on screen is the
    edited one; the other has a long talk with "pomegranate" in the middle of it. Returns the
    conversation and the id of the message with "pomegranate"."""
    talk = Conversation()
    first = talk.add("user", "Tell me about fruit")
    talk.add("assistant", long_text(0))
    target = ""
    for number in range(1, 21):
        question = talk.add("user", f"Question {number}?")
        if number == 12:
            question = talk.add("user", "And the pomegranate?")
            target = question.id
        talk.add("assistant", long_text(number))
    talk.edit(first, "Tell me about vegetables")
    talk.add("assistant", "Carrots, leeks and beans.")
    store = Store.open()
    try:
        store.save(talk).result()
    finally:
        store.close()
    return talk, target


async def test_a_search_hit_on_another_branch_opens_that_branch_at_the_message(
    qtbot: QtBot, parley: Parley, branched: tuple[Conversation, str]
) -> None:
    talk, target = branched
    window = await parley.start()
    await until(lambda: window.library.model.ids() == [talk.id])
    await activated(window)
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.sidebar.search.hasFocus()
    qtbot.keyClicks(window.sidebar.search, "pomegranate")
    await until(lambda: window.sidebar.results_model.rowCount() == 1)
    qtbot.keyClick(window.sidebar.search, Qt.Key.Key_Return)
    await until(lambda: window.conversation.id == talk.id)
    opened = window.conversation
    assert target in [m.id for m in opened.messages]  # the branch with the hit is active
    assert window.view.textCursor().block().text() == "You"  # at once, from its last messages
    await until(lambda: not window.view.earlier.drawing)  # then the whole branch
    text = window.view.toPlainText()
    assert "Tell me about fruit" in text
    assert "vegetables" not in text
    assert "Answer 20." in text  # down to the newest message of that branch
    view = window.view
    assert view.verticalScrollBar().value() > 0
    assert view.verticalScrollBar().value() < view.verticalScrollBar().maximum()
    top = view.cursorRect().top()
    assert 0 <= top < view.viewport().height() // 4  # the message is at the top of the view
    assert view.textCursor().block().text() == "You"  # the heading of the question
    assert window.sidebar.current_id() == talk.id
    found = await saved(window.library.store, talk.id)  # the branch is remembered
    assert found is not None
    assert target in [m.id for m in found.messages]


# -- what a Parley that was killed left behind

CHILD = """
import sys, time
from chat.conversation import Conversation, MessageState
from chat.store import Store

store = Store.open()
talk = Conversation()
store.follow(talk)
talk.add("user", "Write a long story")
reply = talk.add("assistant", "", state=MessageState.PENDING, provider="Gated", model="gated")
reply.state = MessageState.STREAMING
talk.changed(reply)
for piece in ("Once upon ", "a time, ", "far away"):
    talk.streamed(reply, piece)
store.submit(lambda db: None).result()  # every piece is on disk
print(talk.id, flush=True)
time.sleep(60)
"""


@pytest.fixture
def killed_mid_reply() -> Iterator[Callable[[], str]]:
    """Runs a Parley (a child process on this PARLEY_HOME) that streams a reply and is
    killed (SIGKILL) in the middle of it; returns the conversation's id."""
    started: list[subprocess.Popen[str]] = []

    def run() -> str:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(child)
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        child.kill()
        _, errors = child.communicate()
        assert line, errors
        return line

    yield run
    for child in started:
        if child.poll() is None:
            child.kill()
            child.communicate()


async def test_a_reply_cut_off_by_a_killed_parley_is_shown_as_interrupted(
    parley: Parley, killed_mid_reply: Callable[[], str]
) -> None:
    conversation_id = await asyncio.to_thread(killed_mid_reply)
    window = await parley.start()
    assert window.library.store is not None
    assert window.library.store.recovered.result() == 1
    await until(lambda: window.library.model.ids() == [conversation_id])
    assert shown(window) == ["Today", "Write a long story"]  # not marked as streaming
    choose(window, conversation_id)
    await until(lambda: "Once upon a time, far away" in window.view.toPlainText())
    assert INTERRUPTED in window.view.toPlainText()
    reply = window.conversation.messages[-1]
    assert reply.state is MessageState.INTERRUPTED
    assert reply.content == "Once upon a time, far away"


# -- a store that cannot be used


def newer_database() -> Path:
    """A database written by a newer Parley, which this one must refuse (and leave alone)."""
    path = paths.data_dir() / "parley.db"
    path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA user_version = 99")
    return path


async def test_a_store_that_cannot_be_opened_is_explained_and_chat_goes_on_in_memory(
    qtbot: QtBot, parley: Parley
) -> None:
    path = newer_database()
    before = path.read_bytes()
    window = await parley.start()
    assert window.library.store is None
    assert window.store_notice.isVisible()
    notice = window.store_notice.text()
    assert notice.startswith(f"The conversation database {path} was written by a newer Parley")
    assert "update Parley to open it" in notice
    assert notice.endswith("Until then, conversations last until Parley closes.")
    assert not window.sidebar.search.isEnabled()  # there is nothing to search
    first = await exchange(qtbot, window, "still there?")
    assert "You said: still there?" in window.view.toPlainText()
    window.new_action.trigger()
    await exchange(qtbot, window, "and now?")
    assert shown(window) == ["Today", "and now?", "still there?"]
    choose(window, first.id)
    assert "You said: still there?" in window.view.toPlainText()
    await parley.stop(window)
    assert path.read_bytes() == before


async def test_a_store_that_cannot_write_says_so_and_chat_goes_on(
    qtbot: QtBot, parley: Parley
) -> None:
    window = await parley.start()
    await exchange(qtbot, window, "a short one")
    store = await written(window.library.store)

    def full(db: sqlite3.Connection) -> None:  # the disk is full: no page can be added
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")

    await asyncio.wrap_future(store.submit(full))
    assert window.store_notice.isHidden()
    window.new_action.trigger()
    window.composer.editor.setPlainText("a long one " * 2000)  # more than the pages free
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Return)
    assert await next_signal(window.reply_ended, within=30) == ("finished",)  # it still came
    await until(window.store_notice.isVisible)
    notice = window.store_notice.text()
    path = paths.data_dir() / "parley.db"
    assert notice.startswith(f"The disk holding {path} is full: free some space, then try again")
    assert "what was already saved is kept" in notice
    await until(lambda: window.replies.settled)
    assert window.view.toPlainText().count("You said: a long one") == 1
    assert len(window.library.model.ids()) == 2  # listed for this session all the same


# -- the app itself


def shown_window(app: QApplication) -> MainWindow | None:
    windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    return windows[0] if windows else None


async def open_memory_store() -> MemorySecretStore:
    return MemorySecretStore()


async def test_the_app_opens_the_store_and_closing_mid_reply_saves_what_came(
    qapp: QApplication, qtbot: QtBot, registry: ProviderRegistry, tmp_path: Path
) -> None:
    settings = tmp_path / "settings.json"
    app_task = asyncio.ensure_future(main(qapp, registry, open_memory_store, settings))
    await until(lambda: (w := shown_window(qapp)) is not None and w.session is not None)
    window = shown_window(qapp)
    assert window is not None
    assert window.library.store is not None
    assert window.sidebar.search.isEnabled()
    send(qtbot, window, "epsilon", model="gated")
    await until(lambda: "epsilon epsilon" in window.view.toPlainText())
    talk = window.conversation
    window.close()
    assert await asyncio.wait_for(app_task, 10) == 0
    store = Store.open()  # the app closed its own: this is the next start's
    try:
        found = await store.read(rows.load_conversation, talk.id)
    finally:
        store.close()
    assert found is not None
    question, reply = found.messages
    assert question.content == "epsilon"
    assert reply.state is MessageState.CANCELLED
    assert reply.content == talk.messages[-1].content
    assert reply.content.startswith("epsilon epsilon")
    assert Settings.load(settings).get("last_conversation") == talk.id
