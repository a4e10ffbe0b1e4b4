"""The window's actions on the conversation on screen: stop, go to the composer, copy the last
reply, regenerate, step through conversations, list the shortcuts, open the log folder, show
About Parley, its settings dialog, the theme chosen, and the status line's word on the link
under the mouse."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from .shortcuts import ShortcutsDialog

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog

    from .main_window import MainWindow
    from .styles import Palette


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
        self.open_logs = QAction("Open &log folder", window)
        self.open_logs.setToolTip("Show the folder of Parley's log (warnings and errors)")
        self.about = QAction("&About Parley", window)
        self.about.setMenuRole(QAction.MenuRole.AboutRole)
        self.dialog: ShortcutsDialog | None = None
        self.about_dialog: QDialog | None = None
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
        self.open_logs.triggered.connect(self.on_open_logs_triggered)
        self.about.triggered.connect(self.on_about_triggered)
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

    def on_about_triggered(self) -> None:
        from .about import AboutDialog  # only when asked for: it reads platform details

        if self.about_dialog is None:
            self.about_dialog = AboutDialog(self._window)
        self.about_dialog.show()
        self.about_dialog.activateWindow()

    def on_open_logs_triggered(self) -> None:
        """Show the log's folder in the file manager (made first: there may be no log yet)."""
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        from chat.paths import log_dir

        folder = log_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            self._window.statusBar().showMessage(
                f"The log folder {folder} could not be made: check that its parent can be "
                f"written. ({error.strerror or error})"
            )
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self._window.statusBar().showMessage(
                f"No file manager opened the log folder; it is {folder}."
            )

    def on_chat_settings_action_triggered(self) -> None:
        from .conversation_settings import ConversationSettings

        window = self._window
        dialog = ConversationSettings(
            window.conversation, window.picker.current_provider(), window.settings, window
        )
        dialog.finished.connect(lambda _: self._chat_settings_closed(dialog))
        window.chat_settings = dialog
        dialog.open()

    def _chat_settings_closed(self, dialog: QDialog) -> None:
        if getattr(dialog, "presets_changed", False):
            self._window.save_settings()
        dialog.deleteLater()

    def on_themes_changed(self, colours: Palette) -> None:
        self._window.view.set_colours(colours)
        self._window.show_current()

    def on_theme_chosen(self, action: QAction) -> None:
        choice = str(action.data())
        self._window.themes.choose(choice)
        if self._window.settings is not None:
            self._window.settings.set("theme", choice)
            self._window.save_settings()

    def on_view_link_hovered(self, target: str) -> None:
        """Where the link under the mouse really goes, in the status line while it is there."""
        if target:
            self._window.statusBar().showMessage(f"Opens {target} in your browser")
        elif self._window.statusBar().currentMessage().startswith("Opens "):
            self._window.statusBar().clearMessage()
