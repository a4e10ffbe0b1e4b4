"""The window's conversations: those open in this session, the store behind them, and the
list model that shows them all. No disk work here: the store reads and writes on its threads."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from chat.conversation import Change, Conversation, TextStreamed

from .conversation_list import ConversationListModel, Entry

if TYPE_CHECKING:
    import asyncio

    from chat.store import Store, Summary
    from chat.store.search import Hit

    from .tasks import TaskTracker


class Library(QObject):
    """Finds, opens, renames, pins and deletes conversations; every open one is saved as it
    changes (once there is a store) and kept in step with the list."""

    def __init__(self, tasks: TaskTracker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self.store: Store | None = None
        self._open: dict[str, Conversation] = {}
        self.model = ConversationListModel(None, self._start, parent=self)

    def _start(self, coro: Any) -> object:
        return self._tasks.start(coro, name="read the conversation list")

    def attach_store(self, store: Store) -> None:
        """Save to and read from ``store`` from now on (what is open so far is saved too)."""
        self.store = store
        for conversation in self._open.values():
            store.follow(conversation)
            if conversation.all_messages():
                store.save(conversation)
        self.model.set_loader(self._page)

    async def _page(self, offset: int, limit: int) -> list[Summary]:
        from chat.store import rows

        assert self.store is not None
        return await self.store.read(rows.list_conversations, offset=offset, limit=limit)

    def new(self) -> Conversation:
        conversation = Conversation()
        self._watch(conversation)
        return conversation

    def _watch(self, conversation: Conversation) -> None:
        self._open[conversation.id] = conversation
        conversation.listen(self.on_conversation_changed)
        if self.store is not None:
            self.store.follow(conversation)

    def opened(self, conversation_id: str) -> Conversation | None:
        """The conversation if it is open in this session (no reading needed)."""
        return self._open.get(conversation_id)

    async def get(self, conversation_id: str) -> Conversation | None:
        """The conversation, read from the store if it is not open yet."""
        if (found := self._open.get(conversation_id)) is not None:
            return found
        if self.store is None:
            return None
        from chat.store import rows

        loaded = await self.store.read(rows.load_conversation, conversation_id)
        if loaded is None:
            return None
        if (found := self._open.get(conversation_id)) is not None:  # opened meanwhile
            return found
        self._watch(loaded)
        return loaded

    def on_conversation_changed(self, conversation: Conversation, change: Change) -> None:
        if not isinstance(change, TextStreamed):  # the hot path: a piece of a reply
            self.model.touch(conversation)

    def set_streaming(self, conversation: Conversation, streaming: bool) -> None:
        self.model.touch(conversation, streaming=streaming)

    def rename(self, conversation_id: str, title: str) -> None:
        self._tasks.start(self._changed(conversation_id, title=title), name="rename")

    def pin(self, conversation_id: str, pinned: bool) -> None:
        self._tasks.start(self._changed(conversation_id, pinned=pinned), name="pin")

    async def _changed(self, conversation_id: str, **change: Any) -> None:
        conversation = await self.get(conversation_id)
        if conversation is None:
            return
        if "title" in change:
            conversation.rename(change["title"])
        else:
            conversation.update(**change)

    def delete(self, conversation_id: str) -> Entry | None:
        """Take it out of the list and the store (``undelete`` brings it back)."""
        entry = self.model.hide(conversation_id)
        if self.store is not None:
            self.store.delete(conversation_id)
        return entry

    def undelete(self, entry: Entry) -> None:
        self.model.unhide(entry)
        if self.store is not None:
            self.store.restore(entry.id)

    async def search(self, text: str, current: str | None) -> tuple[list[Hit], int]:
        """The hits, and how many messages are not searchable yet (an import's)."""
        from chat.store.indexing import searched

        if self.store is None:
            return [], 0
        return await self.store.read(searched, text, limit=50, current=current)

    async def indexed(self) -> None:
        """Return once every message is searchable (an import's are indexed after it)."""
        import asyncio

        if self.store is not None:
            await asyncio.wrap_future(self.store.catch_up())

    async def last_open(self, saved: str) -> Conversation | None:
        """The conversation open when the window last closed, if it is still there."""
        if not saved or self.store is None:
            return None
        return await self.get(saved)


def call_in_loop(loop: asyncio.AbstractEventLoop, call: Callable[..., None]) -> Callable[..., None]:
    """``call`` made safe to call from another thread: it runs on ``loop``."""
    return lambda *args: loop.call_soon_threadsafe(call, *args)
