"""What a message's action line does: copy, edit, regenerate, try another provider, retry,
continue, delete (with Undo), and switching between the versions of a turn."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QCursor
from PySide6.QtWidgets import QMenu

from .message_footer import cut_off
from .provider_picker import provider_models

if TYPE_CHECKING:
    from chat.conversation import Conversation, Message
    from providers.contract import Provider

    from .main_window import MainWindow

BUSY = "Wait for the reply to end, or stop it (Esc), before changing this conversation."
COPIED = "Copied to the clipboard."
NOT_READY = "Pick a provider first (the keyring may still be opening), then try again."
TRY_MODELS = 12
"""A provider's models listed in "Try with…" at most (the rest are in the model box)."""


class MessageActions(QObject):
    """Carries out the actions the pane's messages offer, on the window's conversation."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window

    def on_view_action_requested(self, action: str, message_id: str) -> None:
        conversation = self._window.conversation
        message = conversation.get(message_id)
        if message is None:
            return
        if action in ("copy", "markdown"):
            self._copy(message, markdown=action == "markdown")
        elif action in ("previous", "next"):
            self.switch(conversation, message, -1 if action == "previous" else 1)
        elif self._window.replies.running(conversation.id) is not None:
            self._say(BUSY)
        elif action == "edit":
            self._window.composer.begin_edit(message)
        elif action == "delete":
            self.delete(conversation, message)
        elif action == "try":
            self.providers_menu(message).popup(QCursor.pos())
        else:
            self._again(conversation, message, action)

    def _say(self, text: str) -> None:
        self._window.statusBar().showMessage(text, 5000)

    def _copy(self, message: Message, *, markdown: bool) -> None:
        if self._window.view.copy_message(message.id, markdown=markdown):
            self._say(COPIED)

    def copy_last_reply(self) -> bool:
        """Copy the last reply of the conversation on screen, as Markdown (Ctrl+Shift+C)."""
        replies = [m for m in self._window.conversation.messages if m.role == "assistant"]
        if not replies or not replies[-1].content:
            self._say("There is no reply to copy yet.")
            return False
        self._copy(replies[-1], markdown=True)
        return True

    def switch(self, conversation: Conversation, message: Message, step: int) -> None:
        """Show the version of ``message``'s turn ``step`` away from it."""
        siblings = conversation.siblings(message)
        at = siblings.index(message) + step
        if 0 <= at < len(siblings):
            conversation.switch_to(siblings[at])
            self._window.show_current(message_id=siblings[at].id)

    def delete(self, conversation: Conversation, message: Message) -> None:
        leaf_id = conversation.leaf_id
        gone = conversation.remove(message)
        self._window.show_current()
        what = "your message" if message.role == "user" else "the reply"
        more = len(gone) - 1
        after = f" and the {more} that followed it" if more else ""
        self._window.undo_bar.offer(
            f"Deleted {what}{after}.", lambda: self._undelete(conversation, gone, leaf_id)
        )

    def _undelete(
        self, conversation: Conversation, gone: list[Message], leaf_id: str | None
    ) -> None:
        conversation.restore(gone, leaf_id)
        if conversation is self._window.conversation:
            self._window.show_current()

    def regenerate_last(self) -> bool:
        """Another reply to the last question (Ctrl+R)."""
        conversation = self._window.conversation
        if self._window.replies.running(conversation.id) is not None:
            return False
        last = conversation.messages[-1] if conversation.messages else None
        if last is None:
            return False
        self._again(conversation, last, "regenerate")
        return True

    def _again(
        self,
        conversation: Conversation,
        message: Message,
        action: str,
        chosen: tuple[Provider, str] | None = None,
    ) -> None:
        """A new reply in place of ``message`` (or, for a question, a reply to it): from the
        provider picked now, from ``chosen``, or (Retry) from the one that failed; Continue
        goes on in ``message`` itself."""
        window = self._window
        if action == "retry" and message.provider:
            window.picker.select(message.provider, message.model or "")
        elif chosen is not None:
            window.picker.select(chosen[0].name, chosen[1])
        if not window.turns.can_reply():  # nothing is changed until a reply can start
            self._say(NOT_READY)
            return
        if action == "continue":
            if cut_off(message):
                window.turns.start_reply(continuing=message)
            return
        question = message if message.role == "user" else conversation.get(message.parent_id or "")
        conversation.truncate_to(question)
        window.show_current()
        window.turns.start_reply()

    def providers_menu(self, message: Message) -> QMenu:
        """A menu of the providers (with their models) to answer in place of ``message``
        (or to answer it, for a question); it deletes itself once closed."""
        menu = QMenu(self._window)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.setAccessibleName("Try with another provider")
        for provider in self._window.picker.providers():
            models, default = provider_models(provider)
            if len(models) <= 1:
                self._try_action(menu, provider.get_label(), message, provider, default)
                continue
            sub = menu.addMenu(provider.get_label())
            for model in models[:TRY_MODELS]:
                self._try_action(sub, model, message, provider, model)
        return menu

    def _try_action(
        self, menu: QMenu, label: str, message: Message, provider: Provider, model: str
    ) -> QAction:
        action = menu.addAction(label)
        action.triggered.connect(
            lambda: self._again(self._window.conversation, message, "try", (provider, model))
        )
        return action
