"""Turns of the conversation on screen: a question sent (or an earlier one edited), the reply
started from the provider and model picked, stopped, and drawn once it has ended."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from chat.conversation_settings import reply_options

from .conversation_view import reply_title

if TYPE_CHECKING:
    from chat.conversation import Conversation, Message
    from providers.contract import Provider

    from .main_window import MainWindow


class Turns(QObject):
    """Sends what the composer holds and runs the replies of the window's conversation."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window

    def can_reply(self) -> bool:
        window = self._window
        return (
            window.session is not None
            and window.picker.current_provider() is not None
            and window.replies.running(window.conversation.id) is None
        )

    def on_composer_send_requested(self, text: str) -> None:
        if not self.can_reply():
            return
        window = self._window
        window.replies.flush()
        window.view.show_latest()  # the question goes at the end: it must be on screen
        conversation = window.conversation
        editing = window.composer.take_editing()
        if editing is not None and conversation.get(editing.id) is editing:
            conversation.truncate_to(conversation.get(editing.parent_id or ""))  # a new version
            window.show_current()
        question = conversation.add("user", text)
        window.view.add_user(text, conversation, question)
        self.start_reply()

    def start_reply(self, continuing: Message | None = None) -> None:
        """A reply at the end of the conversation on screen (or going on in ``continuing``)
        from the provider and model picked."""
        window = self._window
        provider = window.picker.current_provider()
        if not self.can_reply() or provider is None or window.session is None:
            return
        window.view.show_latest()
        conversation = window.conversation
        model = window.picker.current_model()
        conversation.provider, conversation.model = provider.get_name(), model or None
        block = (
            None
            if continuing
            else window.view.begin_reply(reply_title(provider.get_label(), model))
        )
        window.remember(provider, model)
        reply = window.replies.start(
            window.session,
            conversation,
            window.configured(provider),
            model,
            block,
            continuing=continuing,
            options=self._options(conversation, provider),
        )
        window.reply_status.follow(reply)
        if block is not None:
            window.view.attach_reply(block, reply.message)
        else:
            shown = window.view.show_conversation(conversation, reply)
            window.replies.show_in(conversation.id, shown)
        window.library.set_streaming(conversation, True)
        window.sidebar.select(conversation.id)
        window.composer.set_busy(True)
        window.remember_open(conversation)

    def _options(self, conversation: Conversation, provider: Provider) -> dict[str, object]:
        options, left_out = reply_options(conversation, provider)
        if left_out:
            names = ", ".join(n.replace("_", " ") for n in left_out)
            self._window.statusBar().showMessage(
                f"{provider.get_label()} does not take {names}: this reply is asked without.", 8000
            )
        return options

    def on_composer_escaped(self) -> None:
        """Esc: stop editing an earlier message, or else stop the reply."""
        composer = self._window.composer
        if composer.editing is not None:
            composer.cancel_edit()
        else:
            self.on_composer_stop_requested()

    def on_composer_stop_requested(self) -> None:
        self._window.replies.stop(self._window.conversation.id)

    def on_composer_up_when_empty(self) -> None:
        """Up in an empty composer: edit the last question."""
        window = self._window
        asked = [m for m in window.conversation.messages if m.role == "user"]
        if asked and window.replies.running(window.conversation.id) is None:
            window.composer.begin_edit(asked[-1])

    def on_replies_ended(self, conversation_id: str, outcome: str) -> None:
        window = self._window
        if (conversation := window.library.opened(conversation_id)) is not None:
            window.library.set_streaming(conversation, False)
        if conversation_id == window.conversation.id:
            window.composer.set_busy(False)
        window.reply_ended.emit(outcome)

    def on_replies_shown(self, conversation_id: str, message: Message) -> None:
        window = self._window
        if (conversation := window.library.opened(conversation_id)) is not None:
            window.view.reply_ended(conversation, message)
        if conversation_id == window.conversation.id:
            window.reply_status.show_message(message)
