"""The window's keyboard actions that act on the conversation on screen: stop, go to the
composer, copy the last reply, regenerate, step through conversations, list the shortcuts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from .shortcuts import ShortcutsDialog

if TYPE_CHECKING:
    from .main_window import MainWindow


def _action(window: MainWindow, text: str, keys: str, tip: str) -> QAction:
    action = QAction(text, window)
    action.setShortcut(QKeySequence(keys))
    action.setToolTip(tip)
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    window.addAction(action)
    return action


class WindowActions(QObject):
    """Builds the actions (the menus take them from here) and carries them out."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.stop = _action(window, "&Stop the reply", "Esc", "Stop the reply (Esc)")
        self.focus_composer = _action(
            window, "Go to the &message box", "Ctrl+L", "Put the cursor in the message box"
        )
        self.copy_reply = _action(
            window, "&Copy the last reply", "Ctrl+Shift+C", "Copy the last reply as Markdown"
        )
        self.regenerate = _action(
            window, "&Regenerate", "Ctrl+R", "Ask for another reply to the last message"
        )
        self.previous = _action(
            window, "&Previous conversation", "Ctrl+Up", "Open the conversation above in the list"
        )
        self.next = _action(
            window, "&Next conversation", "Ctrl+Down", "Open the conversation below in the list"
        )
        self.find = _action(
            window, "&Find in conversation…", "Ctrl+F", "Find words in this conversation"
        )
        self.shortcuts = QAction("&Keyboard shortcuts", window)
        self.shortcuts.setShortcut(QKeySequence.StandardKey.HelpContents)
        self.dialog: ShortcutsDialog | None = None
        self._connect_signals()

    def _connect_signals(self) -> None:
        window = self._window
        self.stop.triggered.connect(window.turns.on_composer_escaped)
        self.focus_composer.triggered.connect(self.on_focus_composer_triggered)
        self.copy_reply.triggered.connect(window.message_actions.copy_last_reply)
        self.regenerate.triggered.connect(window.message_actions.regenerate_last)
        self.previous.triggered.connect(lambda: self.step(-1))
        self.next.triggered.connect(lambda: self.step(1))
        self.shortcuts.triggered.connect(self.on_shortcuts_triggered)
        self.find.triggered.connect(window.find_bar.open)

    def on_focus_composer_triggered(self) -> None:
        self._window.composer.editor.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def step(self, offset: int) -> None:
        """Open the conversation ``offset`` rows away in the list."""
        found = self._window.sidebar.neighbour(offset)
        if found:
            self._window.show_conversation(found)

    def on_shortcuts_triggered(self) -> None:
        if self.dialog is None:
            self.dialog = ShortcutsDialog(self._window)
        self.dialog.show()
        self.dialog.activateWindow()
