"""The main window: conversation list, provider and model pickers, transcript, composer."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QSizePolicy,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from chat.conversation import Conversation

from .banner import Banner
from .composer import ComposerBar
from .conversation_view import ConversationView, reply_title
from .model_lists import ModelLists
from .provider_dialogs import ProviderDialogs
from .provider_picker import ProviderPicker
from .tasks import TaskTracker

if TYPE_CHECKING:
    from chat.credentials import Configured
    from chat.discovery import Found
    from chat.session import ChatSession, Reply
    from chat.settings import Settings
    from providers.contract import Provider
    from providers.registry import ProviderRegistry

    from .reply_feed import Outcome, ReplyFeed

FRAME_MS = 16
UNTITLED = "New conversation"
OPENING_KEYRING = "Opening the keyring…"
BANNER_STYLE = (
    "QLabel { background: #fff4ce; color: #4d3800; border: 1px solid #e0c25c;"
    " border-radius: 4px; padding: 6px 10px; }"
)


class MainWindow(QMainWindow):
    """Shows conversations and runs replies through the ``ChatSession`` it is given.

    The app shows the window first, then hands over the providers (``load_providers``) and
    the session (``set_session``; the keyring may take a moment to open): neither is on
    the path to the first paint. Sending waits for both.
    """

    reply_ended = Signal(str)
    """A reply reported its outcome ("finished", "failed", "cancelled"), before it is shown."""

    def __init__(self, tasks: TaskTracker) -> None:
        super().__init__()
        self._tasks = tasks
        self.session: ChatSession | None = None
        self.registry: ProviderRegistry | None = None
        self.settings: Settings | None = None
        self._conversations: list[Conversation] = []
        self._conversation = Conversation()
        self._feed: ReplyFeed | None = None
        self._reply_task: asyncio.Task[Any] | None = None
        self._frame_timer = QTimer(self)
        self._frame_timer.setInterval(FRAME_MS)
        self.setWindowTitle("Parley")
        self.resize(1000, 700)
        self._build()
        self.model_lists = ModelLists(self.picker, tasks)
        self.dialogs = ProviderDialogs(self, self, tasks)
        self._connect_signals()
        self.new_conversation()
        self.composer.editor.setFocus()

    def _build(self) -> None:
        self.new_action = QAction("&New conversation", self)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.settings_action = QAction("Provider &settings…", self)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.setToolTip("Base URL and proxy of the chosen provider")
        self.settings_action.setEnabled(False)
        self.endpoint_action = QAction("Add an &endpoint…", self)
        self.endpoint_action.setToolTip("Your own OpenAI-compatible server or gateway")
        self.endpoint_action.setEnabled(False)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        menu = self.menuBar().addMenu("&Conversation")
        menu.addAction(self.new_action)
        menu.addAction(self.settings_action)
        menu.addAction(self.endpoint_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self._build_sidebar())
        splitter.addWidget(self._build_chat_pane())
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([230, 770])
        splitter.setChildrenCollapsible(False)
        self.setCentralWidget(splitter)
        self.statusBar().showMessage(OPENING_KEYRING)

    def _build_sidebar(self) -> QWidget:
        side = QWidget(self)
        side.setMinimumWidth(180)
        new_button = QToolButton(side)
        new_button.setDefaultAction(self.new_action)
        new_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        new_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.conversation_list = QListWidget(side)
        self.conversation_list.setWordWrap(True)
        layout = QVBoxLayout(side)
        layout.setContentsMargins(8, 8, 0, 8)
        layout.addWidget(new_button)
        layout.addWidget(self.conversation_list, 1)
        return side

    def _build_chat_pane(self) -> QWidget:
        pane = QWidget(self)
        self.picker = ProviderPicker(pane)
        self.notice = QLabel(pane)
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(BANNER_STYLE)
        self.notice.hide()
        self.settings_notice = Banner(pane)
        self.view = ConversationView(pane)
        self.composer = ComposerBar(pane)
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        settings_button = QToolButton(pane)
        settings_button.setDefaultAction(self.settings_action)
        settings_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        settings_button.setText("Settings…")
        top = QHBoxLayout()
        top.addWidget(self.picker, 1)
        top.addWidget(settings_button)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(self.settings_notice)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.composer)
        return pane

    def _connect_signals(self) -> None:
        self.new_action.triggered.connect(self.on_new_action_triggered)
        self.quit_action.triggered.connect(self.close)
        self.settings_action.triggered.connect(self.on_settings_action_triggered)
        self.endpoint_action.triggered.connect(self.on_endpoint_action_triggered)
        self.conversation_list.currentRowChanged.connect(self.on_conversation_list_row_changed)
        self.picker.provider_changed.connect(self.on_picker_provider_changed)
        self.picker.refresh_requested.connect(self.on_picker_refresh_requested)
        self.composer.send_requested.connect(self.on_composer_send_requested)
        self.composer.stop_requested.connect(self.on_composer_stop_requested)
        self._frame_timer.timeout.connect(self.on_frame_timer_timeout)
        self._tasks.failed.connect(self.on_tasks_failed)

    # The parts the app hands over once the window is showing.

    def set_settings(self, settings: Settings) -> None:
        """The saved settings: the last provider and model are picked again."""
        self.settings = settings
        self.settings_notice.show_message(settings.problem)
        self._select_saved()
        self._update_ready()

    def load_providers(self, registry: ProviderRegistry) -> None:
        self.registry = registry
        self.picker.populate(registry)
        self._select_saved()
        self._update_ready()

    def set_session(self, session: ChatSession) -> None:
        self.session = session
        notice = getattr(session.secrets, "notice", "")
        self.notice.setText(notice)
        self.notice.setVisible(bool(notice))
        if self.statusBar().currentMessage() == OPENING_KEYRING:
            self.statusBar().clearMessage()
        self._update_ready()
        self._load_models()
        self.model_lists.find_local_servers(session, self.on_local_servers_found)

    @property
    def conversation(self) -> Conversation:
        return self._conversation

    @property
    def conversations(self) -> list[Conversation]:
        return list(self._conversations)

    def new_conversation(self) -> None:
        """Start a fresh conversation (or go back to the empty one already at the top)."""
        if not (self._conversations and not self._conversations[0].messages):
            self._conversations.insert(0, Conversation())
            self.conversation_list.insertItem(0, UNTITLED)
        self.conversation_list.setCurrentRow(0)
        self.composer.editor.setFocus()

    # Slots.

    def on_new_action_triggered(self) -> None:
        if not self.composer.busy:
            self.new_conversation()

    def on_conversation_list_row_changed(self, row: int) -> None:
        self._flush()  # a reply that just ended is shown before its view is replaced
        if 0 <= row < len(self._conversations):
            self._conversation = self._conversations[row]
            self.view.show_conversation(self._conversation)

    def on_picker_provider_changed(self) -> None:
        self._update_ready()
        self._load_models()

    def on_local_servers_found(self, found: list[Found]) -> None:
        """With no provider picked before, a local server found running is picked, so a
        new user can chat at once."""
        saved = self.settings.get("provider") if self.settings is not None else ""
        if found and not saved and not self.composer.busy:
            server = found[0]
            self.picker.select(server.provider.name, server.models[0] if server.models else "")
            self.statusBar().showMessage(
                f"Found {server.provider.get_label()} running on this machine; "
                "it is picked for you.",
                8000,
            )

    def on_picker_refresh_requested(self) -> None:
        self._load_models(refresh=True)

    def _load_models(self, *, refresh: bool = False) -> None:
        provider = self.picker.current_provider()
        if self.session is not None and provider is not None:
            self.model_lists.load(self.session, self.configured(provider), refresh=refresh)

    def on_composer_send_requested(self, text: str) -> None:
        provider = self.picker.current_provider()
        if self.session is None or provider is None:
            return
        # Imported here: chat.session pulls in aiohttp, kept off the path to the first paint.
        from .reply_feed import ReplyFeed

        self._flush()
        conversation = self._conversation
        conversation.add("user", text)
        self.view.add_user(text)
        self._retitle_current()
        model = self.picker.current_model()
        block = self.view.begin_reply(reply_title(provider.get_label(), model))
        self._feed = ReplyFeed(block, self.on_reply_feed_ended, self.statusBar().showMessage)
        self._remember(provider, model)
        target = self.configured(provider)
        reply = self.session.reply(
            conversation, target.provider, model, proxy=target.proxy, observer=self._feed
        )
        self._reply_task = self._tasks.start(reply.run(), name=f"reply from {provider.get_label()}")
        self._reply_task.add_done_callback(partial(self.on_reply_task_done, reply))
        self._set_busy(True)
        self._frame_timer.start()

    def on_settings_action_triggered(self) -> None:
        provider = self.picker.current_provider()
        if provider is not None and self.settings is not None and self.session is not None:
            self.dialogs.open_settings(provider)

    def on_endpoint_action_triggered(self) -> None:
        self.dialogs.open_endpoint()

    def on_composer_stop_requested(self) -> None:
        if self._reply_task is not None:
            self._reply_task.cancel()

    def on_reply_feed_ended(self, outcome: Outcome) -> None:
        self._reply_task = None
        self._set_busy(False)
        self.reply_ended.emit(outcome.value)

    def on_frame_timer_timeout(self) -> None:
        self._flush()

    def on_tasks_failed(self, message: str) -> None:
        self.statusBar().showMessage(message)

    def on_reply_task_done(self, reply: Reply, task: asyncio.Task[Any]) -> None:
        """A reply's task cancelled before it ran (Stop or close at once), or that raised
        (it reports its own errors; this is a bug), ends the reply."""
        if task.cancelled():
            reply.cancelled_before_start()
        elif task.exception() is not None and self._feed is not None:
            self._feed.abort(f"The reply ended unexpectedly: {task.exception()!r}")

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing stops a streaming reply; the app then waits for its task to end."""
        self.on_composer_stop_requested()
        super().closeEvent(event)

    # Helpers.

    def _flush(self) -> None:
        if self._feed is not None and self._feed.flush():
            self._feed = None
            self._frame_timer.stop()

    def _set_busy(self, busy: bool) -> None:
        self.composer.set_busy(busy)
        self.new_action.setEnabled(not busy)
        self.conversation_list.setEnabled(not busy)
        self.picker.setEnabled(not busy)

    def _update_ready(self) -> None:
        has_provider = self.picker.current_provider() is not None
        self.composer.set_ready(self.session is not None and has_provider)
        self.settings_action.setEnabled(self.settings is not None and has_provider)
        self.endpoint_action.setEnabled(self.settings is not None and self.session is not None)

    def _select_saved(self) -> None:
        if self.settings is not None and (name := self.settings.get("provider")):
            self.picker.select(name, self.settings.provider(name, "model"))

    def _remember(self, provider: Provider, model: str) -> None:
        """Save the provider and model just used, to pick them again next time."""
        if self.settings is not None:
            self.settings.set("provider", provider.get_name())
            self.settings.set_provider(provider.get_name(), "model", model)
            self.save_settings()

    def configured(self, provider: Provider) -> Configured:
        """``provider`` at its saved base URL, with its proxy."""
        from chat.credentials import configured

        return configured(provider, self.settings)

    def save_settings(self) -> None:
        if self.settings is not None:
            self._tasks.start(self._save(self.settings), name="save settings")

    async def _save(self, settings: Settings) -> None:
        try:
            await settings.save_in_background()
        except OSError as error:
            self.statusBar().showMessage(
                f"The settings could not be saved to {settings.path} ({error.strerror or error}). "
                "Make sure that folder is writable; until then they last until Parley closes."
            )

    def _retitle_current(self) -> None:
        row = self._conversations.index(self._conversation)
        item = self.conversation_list.item(row)
        if item is not None:
            title = self._conversation.title or UNTITLED
            first = self._conversation.messages[0].content if self._conversation.messages else ""
            cut = len(" ".join(first.split())) > len(title)
            item.setText(title + ("…" if cut else ""))
            item.setToolTip(" ".join(first.split()))
