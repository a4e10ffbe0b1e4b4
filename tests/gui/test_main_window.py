"""The window's frame: title, size, focus, the conversation list and the keyring notice."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from chat.secrets import MemorySecretStore
from chat.session import ChatSession
from chat.settings import Settings
from gui.main_window import MainWindow
from gui.tasks import TaskTracker
from providers import ProviderRegistry
from tests.support.loopback import Gone, Loopback


@pytest.fixture
def window(qtbot: QtBot) -> MainWindow:
    window = MainWindow(TaskTracker())
    qtbot.addWidget(window)
    window.load_providers(ProviderRegistry([Loopback, Gone]))
    return window


def test_title_size_and_focus(window: MainWindow) -> None:
    assert window.windowTitle() == "Parley"
    assert (window.width(), window.height()) == (1000, 700)
    assert window.focusWidget() is window.composer.editor


def test_sending_waits_for_the_session(window: MainWindow) -> None:
    assert not window.composer.button.isEnabled()
    window.set_session(ChatSession(MemorySecretStore()))
    assert window.composer.button.isEnabled()


def test_the_memory_store_notice_is_shown_plainly(window: MainWindow) -> None:
    window.show()
    window.set_session(ChatSession(MemorySecretStore(notice="Secrets are kept in memory.")))
    assert window.notice.isVisible()
    assert window.notice.text() == "Secrets are kept in memory."


def test_no_notice_when_all_is_well(window: MainWindow) -> None:
    window.show()
    window.set_session(ChatSession(MemorySecretStore()))
    assert not window.notice.isVisible()


def test_not_working_provider_is_in_the_window_dropdown(window: MainWindow) -> None:
    box = window.picker.provider_box
    assert [box.itemText(i) for i in range(box.count())] == ["Loopback", "VoiGpt — not working"]
    assert window.picker.current_model() == "echo"


def test_new_conversation_is_ctrl_n_and_joins_the_list(window: MainWindow) -> None:
    assert window.new_action.shortcut() == QKeySequence("Ctrl+N")
    first = window.conversation
    window.new_action.trigger()  # an empty conversation is reused, not piled up
    assert window.conversation is first
    assert window.library.model.rowCount() == 0  # nothing in it: not in the list
    first.add("user", "Plan a trip")
    assert window.library.model.ids() == [first.id]
    window.new_action.trigger()
    assert window.conversation is not first
    assert window.view.toPlainText() == ""
    window.sidebar.list.setCurrentIndex(window.library.model.index(1))  # row 0: "Today"
    assert window.conversation is first
    assert "Plan a trip" in window.view.toPlainText()


def test_a_damaged_settings_file_is_still_reported_once_the_keyring_is_open(
    window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json", encoding="utf-8")
    window.set_settings(Settings.load(path))
    window.set_session(ChatSession(MemorySecretStore()))
    assert not window.settings_notice.isHidden()
    message = window.settings_notice.text()
    assert "could not read its settings file" in message
    assert "settings.json.damaged" in message
    assert window.statusBar().currentMessage() == ""  # "Opening the keyring…" is gone


def test_the_settings_problem_wraps_to_fit_the_window_and_can_be_dismissed(
    window: MainWindow, tmp_path: Path, qtbot: QtBot
) -> None:
    deep = tmp_path / ("a-long-folder-name-" * 8)
    deep.mkdir()
    (deep / "settings.json").write_text("{not json", encoding="utf-8")
    window.set_settings(Settings.load(deep / "settings.json"))
    window.resize(700, 500)
    window.show()
    qtbot.waitExposed(window)
    notice = window.settings_notice
    assert notice.label.wordWrap()
    assert notice.geometry().right() <= window.centralWidget().width()
    assert notice.label.height() > notice.label.fontMetrics().height() * 2  # it wrapped
    qtbot.mouseClick(notice.dismiss, Qt.MouseButton.LeftButton)
    assert not notice.isVisible()


def test_the_loading_message_goes_once_the_session_is_ready(window: MainWindow) -> None:
    assert window.statusBar().currentMessage() == "Loading the providers…"
    window.set_session(ChatSession(MemorySecretStore()))
    assert window.statusBar().currentMessage() == ""


def test_the_memory_store_notice_comes_when_the_secret_store_opens(window: MainWindow) -> None:
    window.show()
    window.set_session(ChatSession(MemorySecretStore()))
    window.on_secrets_opened(MemorySecretStore(notice="Secrets are kept in memory."))
    assert (window.notice.isVisible(), window.notice.text()) == (
        True,
        "Secrets are kept in memory.",
    )


async def test_stop_in_the_same_tick_as_send_ends_the_reply_as_stopped(qtbot: QtBot) -> None:
    # No server is needed: the reply's task is cancelled before it ever runs.
    from chat.conversation import MessageState
    from tests.support.qt import next_signal, until

    tasks = TaskTracker()
    window = MainWindow(tasks)
    qtbot.addWidget(window)
    window.load_providers(ProviderRegistry([Loopback]))
    window.set_session(ChatSession(MemorySecretStore()))
    qtbot.keyClicks(window.composer.editor, "never mind")
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Return)
    assert window.composer.button.text() == "Stop"
    qtbot.mouseClick(window.composer.button, Qt.MouseButton.LeftButton)
    assert await next_signal(window.reply_ended) == ("cancelled",)
    await until(lambda: "Stopped" in window.view.toPlainText())
    assert window.composer.button.text() == "Send"
    assert window.conversation.messages[-1].state is MessageState.CANCELLED
    await tasks.shutdown()


class Opened(QObject):
    """Stands in for the file manager: Qt hands it the URLs it would open."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_help_opens_the_log_folder_made_first(window: MainWindow) -> None:
    from chat.paths import log_dir

    (help_menu,) = [m for m in window.menuBar().findChildren(QMenu) if m.title() == "&Help"]
    assert [a.text() for a in help_menu.actions()] == [
        "&Keyboard shortcuts",
        "Open &log folder",
        "",
        "&About Parley",
    ]
    opened = Opened()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        window.window_actions.open_logs.trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert opened.urls == [QUrl.fromLocalFile(str(log_dir()))]
    assert log_dir().is_dir()
