"""The main window: conversation list, provider and model pickers, transcript, composer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from chat.conversation import Conversation, Message

from . import window_state
from .banner import Banner, UndoBar
from .composer import ComposerBar
from .conversation_view import ConversationView
from .library import Library
from .menus import add_menu, fill_menu
from .provider_picker import ProviderPicker
from .sidebar import Sidebar
from .tasks import TaskTracker
from .themes import Themes

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMenu

    from chat.credentials import Configured
    from chat.discovery import Found
    from chat.secrets import SecretStore
    from chat.session import ChatSession
    from chat.settings import Settings
    from chat.store import Store, StoreError
    from providers.contract import Provider
    from providers.registry import ProviderRegistry

    from .find_bar import FindBar
    from .message_actions import MessageActions
    from .model_lists import ModelLists
    from .provider_dialogs import ProviderDialogs
    from .replies import Replies
    from .reply_status import ReplyStatus
    from .transcripts import Transcripts
    from .turns import Turns
    from .window_actions import WindowActions

LOADING_PROVIDERS = "Loading the providers…"
BANNER_STYLE = (
    "QLabel { background: #fff4ce; color: #4d3800; border: 1px solid #e0c25c;"
    " border-radius: 4px; padding: 6px 10px; }"
)


class MainWindow(QMainWindow):
    """Shows conversations and runs replies through the ``ChatSession`` it is given.

    The app shows the window first, then hands over the providers (``load_providers``) and
    the session (``set_session``; its secret store opens the keyring only when a secret is
    first needed): neither is on the path to the first paint. Sending waits for both.
    """

    reply_ended = Signal(str)
    """A reply reported its outcome ("finished", "failed", "cancelled"), before it is shown."""
    conversation_shown = Signal(str)
    """A conversation is on screen now (its id)."""

    find_bar: FindBar
    transcripts: Transcripts
    replies: Replies
    reply_status: ReplyStatus
    model_lists: ModelLists
    dialogs: ProviderDialogs
    turns: Turns
    message_actions: MessageActions
    window_actions: WindowActions

    def __init__(self, tasks: TaskTracker, *, complete: bool = True) -> None:
        """The window as the first paint shows it; with ``complete`` (else by ``complete()``
        once it has painted) the parts not on screen yet: the find bar, the controllers,
        the menus' actions, the signals."""
        super().__init__()
        self._tasks = tasks
        self.session: ChatSession | None = None
        self._looking_again = False
        self.registry: ProviderRegistry | None = None
        self.settings: Settings | None = None
        self._store_problem = ""
        self.chat_settings: QDialog | None = None
        """The conversation's settings dialog while it is open."""
        self.library = Library(tasks, self)
        self._conversation = self.library.new()
        self.setWindowTitle("Parley")
        self.resize(1000, 700)
        self._build()
        self.themes = Themes(self)
        self.view.set_colours(self.themes.colours)
        bar = self.menuBar()
        self._menus: dict[str, QMenu] = {
            title: add_menu(bar, title, [])
            for title in ("&File", "&Edit", "&Conversation", "&View", "&Help")
        }
        window_state.restore(self, self.splitter)
        self.composer.editor.setFocus()
        self.completed = False
        if complete:
            self.complete()

    def complete(self) -> None:
        """Make what the first paint does not show (see ``__init__``); once."""
        if self.completed:
            return
        from .find_bar import FindBar
        from .message_actions import MessageActions
        from .model_lists import ModelLists
        from .provider_dialogs import ProviderDialogs
        from .replies import Replies
        from .reply_status import ReplyStatus
        from .transcripts import Transcripts
        from .turns import Turns
        from .window_actions import WindowActions

        tasks = self._tasks
        self.transcripts = Transcripts(
            self, self.library, self.sidebar, tasks, lambda: self._conversation
        )
        self.find_bar = FindBar(self.view, self.pane, open_message=self.show_current)
        layout = self.pane_layout
        layout.insertWidget(layout.indexOf(self.undo_bar), self.transcripts.notice)
        layout.insertWidget(layout.indexOf(self.view), self.find_bar)
        self.replies = Replies(tasks, self.statusBar().showMessage, self)
        self.reply_status = ReplyStatus(self)
        self.statusBar().addPermanentWidget(self.reply_status)
        self.model_lists = ModelLists(self.picker, tasks)
        self.dialogs = ProviderDialogs(self, self, tasks)
        self.turns = Turns(self)
        self.message_actions = MessageActions(self)
        self.window_actions = WindowActions(self)
        self._build_menus()
        self._connect_signals()
        self.completed = True

    def _build(self) -> None:
        self.new_action = QAction("&New conversation", self)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.settings_action = QAction("&Settings…", self)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.setToolTip("Providers, their keys, the network and preferences")
        self.settings_action.setEnabled(False)
        self.chat_settings_action = QAction("Conversation se&ttings…", self)
        self.chat_settings_action.setShortcut(QKeySequence("Ctrl+Shift+,"))
        self.chat_settings_action.setToolTip(
            "System prompt, options and history of this conversation"
        )
        self.endpoint_action = QAction("Add an &endpoint…", self)
        self.endpoint_action.setToolTip("Your own OpenAI-compatible server or gateway")
        self.endpoint_action.setEnabled(False)
        self.sidebar = Sidebar(self.library.model, self.new_action, self)
        self.addAction(self.sidebar.search_action)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.sidebar)
        splitter.addWidget(self._build_chat_pane())
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([230, 770])
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        self.setCentralWidget(splitter)
        self.statusBar().showMessage(LOADING_PROVIDERS)

    def _build_menus(self) -> None:
        """Fill the menus the first paint showed by their titles."""
        menus, acts = self._menus, self.window_actions
        transcripts = [self.transcripts.import_action, self.transcripts.export_action]
        fill_menu(menus["&File"], [self.new_action, *transcripts, None, self.quit_action])
        fill_menu(menus["&Edit"], [acts.copy_reply, None, acts.find, acts.focus_composer])
        sidebar = [self.sidebar.search_action, self.sidebar.rename_action]
        replies = [acts.regenerate, acts.stop]
        steps = [acts.previous, acts.next]
        more = [self.chat_settings_action, self.settings_action, self.endpoint_action]
        fill_menu(menus["&Conversation"], [*sidebar, None, *replies, None, *steps, None, *more])
        menus["&View"].addMenu("&Theme").addActions(self.themes.menu_actions.actions())
        fill_menu(menus["&Help"], [acts.shortcuts, acts.open_logs, None, acts.about])

    def _build_chat_pane(self) -> QWidget:
        pane = QWidget(self)
        self.picker = ProviderPicker(pane)
        self.notice = QLabel(pane)
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(BANNER_STYLE)
        self.notice.hide()
        self.settings_notice = Banner(pane)
        self.network_notice = Banner(pane)
        """Why requests fail before they go out (a CA bundle that cannot be read)."""
        self.store_notice = Banner(pane)
        self.undo_bar = UndoBar(pane)
        self.view = ConversationView(pane)
        self.composer = ComposerBar(pane)
        self.pane = pane
        layout = QVBoxLayout(pane)
        self.pane_layout = layout
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
        layout.addWidget(self.network_notice)
        layout.addWidget(self.store_notice)
        layout.addWidget(self.undo_bar)  # (``complete`` puts the transcripts' notice above)
        layout.addWidget(self.view, 1)  # (and the find bar above it)
        layout.addWidget(self.composer)
        return pane

    def _connect_signals(self) -> None:
        self.new_action.triggered.connect(self.on_new_action_triggered)
        self.quit_action.triggered.connect(self.close)
        self.settings_action.triggered.connect(self.on_settings_action_triggered)
        self.endpoint_action.triggered.connect(self.on_endpoint_action_triggered)
        self.chat_settings_action.triggered.connect(
            self.window_actions.on_chat_settings_action_triggered
        )
        self.sidebar.chosen.connect(self.on_sidebar_chosen)
        self.sidebar.hit_chosen.connect(self.on_sidebar_hit_chosen)
        self.sidebar.delete_requested.connect(self.on_sidebar_delete_requested)
        self.sidebar.pin_requested.connect(self.library.pin)
        self.sidebar.export_requested.connect(self.transcripts.on_sidebar_export_requested)
        self.library.model.renamed.connect(self.library.rename)
        self.replies.ended.connect(self.turns.on_replies_ended)
        self.replies.shown.connect(self.turns.on_replies_shown)
        self.view.action_requested.connect(self.message_actions.on_view_action_requested)
        self.view.welcome_chosen.connect(self.on_view_welcome_chosen)
        self.view.link_hovered.connect(self.window_actions.on_view_link_hovered)
        self.composer.editor.escaped.connect(self.turns.on_composer_escaped)
        self.composer.editor.up_when_empty.connect(self.turns.on_composer_up_when_empty)
        self.picker.provider_changed.connect(self.on_picker_provider_changed)
        self.picker.refresh_requested.connect(self.on_picker_refresh_requested)
        self.composer.send_requested.connect(self.turns.on_composer_send_requested)
        self.composer.stop_requested.connect(self.turns.on_composer_stop_requested)
        self._tasks.failed.connect(self.on_tasks_failed)
        self.themes.changed.connect(self.window_actions.on_themes_changed)
        self.themes.menu_actions.triggered.connect(self.window_actions.on_theme_chosen)

    # The parts the app hands over once the window is showing.

    def set_settings(self, settings: Settings) -> None:
        """The saved settings: the last provider and model are picked again."""
        self.settings = settings
        self.themes.choose(str(settings.get("theme")))
        self.view.set_font_size(int(settings.get("font_size")))
        settings.watch(self.on_setting_changed)
        self.settings_notice.show_message(settings.problem)
        self._select_saved()
        self._update_ready()

    def on_setting_changed(self, name: str, provider: str | None) -> None:
        """A setting changed (in the Settings window, say): what it drives follows."""
        if self.settings is None or provider is not None:
            return
        if name == "theme":
            self.themes.choose(str(self.settings.get("theme")))
        elif name == "font_size":
            self.view.set_font_size(int(self.settings.get("font_size")))

    def load_providers(self, registry: ProviderRegistry) -> None:
        self.registry = registry
        self.picker.populate(registry, hidden=self.turned_off())
        self._select_saved()
        self._update_ready()

    def turned_off(self) -> set[str]:
        """The providers the user left out (unticked in Settings)."""
        if self.settings is None or self.registry is None:
            return set()
        settings = self.settings
        return {n for n in self.registry.names() if not settings.provider(n, "enabled")}

    def set_session(self, session: ChatSession) -> None:
        self.session = session
        self.on_secrets_opened(session.secrets)
        if self.statusBar().currentMessage() == LOADING_PROVIDERS:
            self.statusBar().clearMessage()
        self._update_ready()
        self._load_models()
        self.model_lists.find_local_servers(session, self.on_local_servers_found)
        QTimer.singleShot(0, self.view.warm_up)  # once started: the first reply comes sooner

    def on_secrets_opened(self, secrets: SecretStore) -> None:
        """The secret store is open (at the start, or at the first secret a reply or a
        dialog needs): say where secrets are kept, when that is not the keyring."""
        notice = getattr(secrets, "notice", "")
        self.notice.setText(notice)
        self.notice.setVisible(bool(notice))

    def set_store(self, store: Store | None, problem: str = "") -> None:
        """The conversation store (None when it cannot be used: ``problem`` says why, and
        conversations last until the window closes)."""
        self.store_notice.show_message(problem or (store.notice if store else ""))
        self.transcripts.store_problem = problem
        if store is None:
            return
        self.library.attach_store(store)
        self.sidebar.set_searcher(self._search, self._start_search, self.library.indexed)
        saved = str(self.settings.get("last_conversation")) if self.settings else ""
        if saved and not self._conversation.all_messages():
            self._tasks.start(self._reopen(saved), name="reopen the last conversation")

    async def _reopen(self, saved: str) -> None:
        """Show the conversation open when the window last closed, unless it is gone (deleted:
        nothing to say) or another was opened meanwhile."""
        found = await self.library.last_open(saved)
        if found is not None and not self._conversation.all_messages():
            self._show(found)

    def on_store_problem(self, error: StoreError) -> None:
        """The store could not write (called on the window's thread). The first problem
        stays until it is dismissed: the writes that fail after it mostly follow from it."""
        if self._store_problem and not self.store_notice.isHidden():
            return
        self._store_problem = str(error)
        self.store_notice.show_message(self._store_problem)

    async def _search(self, text: str) -> tuple[list, int]:  # type: ignore[type-arg]
        return await self.library.search(text, self._conversation.id)

    def _start_search(self, coro: object) -> object:
        return self._tasks.start(coro, name="search")  # type: ignore[arg-type]

    @property
    def conversation(self) -> Conversation:
        return self._conversation

    def new_conversation(self) -> None:
        """Start a fresh conversation (or stay on the empty one on screen), with the default
        provider and model when the settings name them."""
        if self._conversation.all_messages():
            self._show(self.library.new())
        self._select_default()
        self.composer.editor.setFocus()

    def _select_default(self) -> bool:
        settings = self.settings
        if settings is None or not (name := str(settings.get("default_provider"))):
            return False
        model = str(settings.get("default_model")) or str(settings.provider(name, "model"))
        return self.picker.select(name, model)

    def show_conversation(self, conversation_id: str, message_id: str = "") -> None:
        """Open a conversation (read from the store if need be), at ``message_id`` if given."""
        found = self.library.opened(conversation_id)
        if found is not None:
            self._show(found, message_id)
        else:
            self._tasks.start(self._open(conversation_id, message_id), name="open conversation")

    async def _open(self, conversation_id: str, message_id: str) -> None:
        found = await self.library.get(conversation_id)
        if found is None:
            self.statusBar().showMessage("That conversation is no longer there.", 5000)
            return
        self._show(found, message_id)

    def show_current(self, message_id: str = "") -> None:
        """Draw the conversation on screen again (its branch changed)."""
        self._show(self._conversation, message_id)

    def _show(self, conversation: Conversation, message_id: str = "") -> None:
        message = conversation.get(message_id) if message_id else None
        if message is not None and message not in conversation.messages:
            conversation.switch_to(message)  # the hit is on another branch
        self.replies.hide_all()
        if conversation is not self._conversation and conversation.provider:
            self.picker.select(conversation.provider, conversation.model or "")
        self._conversation = conversation
        running = self.replies.running(conversation.id)
        live = running.reply if running else None
        block = self.view.show_conversation(conversation, live, at=message_id)
        self.replies.show_in(conversation.id, block)
        if message_id:
            self.view.scroll_to(message_id)
        self.sidebar.select(conversation.id)
        self.composer.set_busy(running is not None)
        if running is not None:
            self.reply_status.follow(running.reply)
        else:
            self.reply_status.show_message(_last_reply(conversation))
        self.remember_open(conversation)
        self.find_bar.refresh()
        self.conversation_shown.emit(conversation.id)

    # Slots.

    def on_new_action_triggered(self) -> None:
        self.new_conversation()

    def on_sidebar_chosen(self, conversation_id: str) -> None:
        if conversation_id != self._conversation.id:
            self.show_conversation(conversation_id)

    def on_sidebar_hit_chosen(self, conversation_id: str, message_id: str) -> None:
        self.show_conversation(conversation_id, message_id)

    def on_sidebar_delete_requested(self, conversation_id: str) -> None:
        self.replies.stop(conversation_id)
        entry = self.library.delete(conversation_id)
        if conversation_id == self._conversation.id:
            self._show(self.library.new())
        if entry is not None:
            title = entry.title or "New conversation"
            self.undo_bar.offer(f"Deleted “{title}”.", lambda: self._undelete(entry))

    def _undelete(self, entry: object) -> None:
        from .conversation_list import Entry

        assert isinstance(entry, Entry)
        self.library.undelete(entry)
        self.show_conversation(entry.id)

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
            if self.view.welcoming:
                self._show(self._conversation)  # the empty pane again: ready to chat
        elif not found:
            if self._looking_again:
                self.statusBar().showMessage(
                    "No server answered on this machine: start one, then look again.", 8000
                )
            self._tasks.start(self._welcome(), name="first start")
        self._looking_again = False

    async def _welcome(self) -> None:
        """No local server runs: on a first start (nothing set up), the welcome."""
        import asyncio

        from .welcome import is_set_up, site_needing_nothing

        if self.settings is None or self._conversation.all_messages():
            return
        providers = self.picker.providers()
        if await asyncio.to_thread(is_set_up, self.settings, providers):
            return
        site = site_needing_nothing(providers)
        if not self._conversation.all_messages() and site is not None:
            self.view.show_welcome(site.get_label())

    def on_view_welcome_chosen(self, choice: str) -> None:
        """A choice of the welcome: look for local servers again, add a key, or try a site
        that needs nothing."""
        from .welcome import key_provider, site_needing_nothing

        providers = self.picker.providers()
        if choice == "look" and self.session is not None:
            self._looking_again = True
            self.statusBar().showMessage("Looking for servers on this machine…", 4000)
            self.model_lists.find_local_servers(self.session, self.on_local_servers_found)
        elif choice == "key" and (provider := key_provider(providers)) is not None:
            self.picker.select(provider.get_name())
            self.on_settings_action_triggered()
        elif choice == "seed" and (site := site_needing_nothing(providers)) is not None:
            self.picker.select(site.get_name())
            self.composer.editor.setFocus()

    def on_picker_refresh_requested(self) -> None:
        self._load_models(refresh=True)

    def _load_models(self, *, refresh: bool = False) -> None:
        provider = self.picker.current_provider()
        if self.session is not None and provider is not None:
            self.model_lists.load(self.session, self.configured(provider), refresh=refresh)

    def on_settings_action_triggered(self) -> None:
        if self.settings is not None and self.session is not None:
            self.dialogs.open_settings(self.picker.current_provider())

    def on_endpoint_action_triggered(self) -> None:
        self.dialogs.open_endpoint()

    def on_tasks_failed(self, message: str) -> None:
        self.statusBar().showMessage(message)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing stops the streaming replies (the app then waits for their tasks to end)
        and keeps the window's size and splitter for the next start."""
        self.replies.stop_all()
        window_state.save(self, self.splitter)
        super().closeEvent(event)

    # Helpers.

    def remember_open(self, conversation: Conversation) -> None:
        """Reopen ``conversation`` at the next start (once it has something in it)."""
        if self.settings is None or not conversation.all_messages():
            return
        if self.settings.get("last_conversation") != conversation.id:
            self.settings.set("last_conversation", conversation.id)
            self.save_settings()

    def _update_ready(self) -> None:
        has_provider = self.picker.current_provider() is not None
        self.composer.set_ready(self.session is not None and has_provider)
        self.settings_action.setEnabled(self.settings is not None and self.session is not None)
        self.endpoint_action.setEnabled(self.settings is not None and self.session is not None)

    def _select_saved(self) -> None:
        if self._select_default():
            return
        if self.settings is not None and (name := self.settings.get("provider")):
            self.picker.select(name, self.settings.provider(name, "model"))

    def remember(self, provider: Provider, model: str) -> None:
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


def _last_reply(conversation: Conversation) -> Message | None:
    replies = [m for m in conversation.messages if m.role == "assistant"]
    return replies[-1] if replies else None
