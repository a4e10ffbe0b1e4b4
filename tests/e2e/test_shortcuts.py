"""The keyboard shortcuts in a real window: each one in Help → Keyboard shortcuts is bound,
and each does what the list says."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from pytestqt.qtbot import QtBot

from gui.main_window import MainWindow
from gui.shortcuts import SHORTCUTS
from tests.support.qt import next_signal, until
from tests.support.window import ask

COMPOSER_KEYS = {"Enter", "Shift+Enter", "Up"}
"""Keys the message box handles itself (tested in test_composer and test_message_actions)."""


def press(qtbot: QtBot, window: MainWindow, keys: str) -> None:
    sequence = QKeySequence(keys)[0]
    focus = QGuiApplication.focusObject() or window
    qtbot.keyClick(focus, sequence.key(), sequence.keyboardModifiers())


def test_every_listed_shortcut_is_bound_to_an_action(window: MainWindow) -> None:
    bound = {
        action.shortcut().toString()
        for action in window.findChildren(QAction)
        if not action.shortcut().isEmpty()
    }
    listed = {keys for keys, _ in SHORTCUTS} - COMPOSER_KEYS
    assert listed <= bound | {"Delete", "Del"}  # QKeySequence spells Delete "Del"
    assert "Del" in bound


def test_help_lists_the_shortcuts(window: MainWindow, qtbot: QtBot) -> None:
    window.window_actions.shortcuts.trigger()
    dialog = window.window_actions.dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    table = dialog.table
    rows = [(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())]
    assert rows == list(SHORTCUTS)
    assert ("Ctrl+R", "Regenerate the last reply") in rows
    dialog.close()


async def test_the_shortcuts_do_what_they_say(window: MainWindow, qtbot: QtBot) -> None:
    assert window.picker.select("Loopback", "echo")
    await ask(window, "first chat")
    first = window.conversation
    window.view.setFocus()
    press(qtbot, window, "Ctrl+L")
    assert window.composer.editor.hasFocus()
    press(qtbot, window, "Ctrl+Shift+C")
    assert QGuiApplication.clipboard().text() == "You said: first chat "
    press(qtbot, window, "Ctrl+R")
    assert await next_signal(window.reply_ended) == ("finished",)
    await until(lambda: window.replies.settled)
    assert len(window.conversation.siblings(window.conversation.messages[1])) == 2
    press(qtbot, window, "Ctrl+N")
    await ask(window, "second chat")
    second = window.conversation
    press(qtbot, window, "Ctrl+Down")  # the list is newest first: down is the older one
    assert window.conversation is first
    press(qtbot, window, "Ctrl+Up")
    assert window.conversation is second


async def test_esc_stops_the_reply_but_only_clears_the_search_from_the_search_box(
    window: MainWindow, qtbot: QtBot
) -> None:
    assert window.picker.select("Loopback", "slow")
    window.composer.editor.setPlainText("talk")
    window.composer.button.click()
    await until(lambda: window.replies.running(window.conversation.id) is not None)
    window.sidebar.search.setFocus()
    window.sidebar.search.setText("something")
    qtbot.keyClick(window.sidebar.search, Qt.Key.Key_Escape)
    assert window.sidebar.search.text() == ""
    assert window.replies.running(window.conversation.id) is not None
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Escape)
    assert await next_signal(window.reply_ended) == ("cancelled",)
    await until(lambda: window.replies.settled)
