"""Half a character (a lone surrogate, from a JSON string a service split in two) is kept as
U+FFFD, never the end of the writer: every save after it still happens."""

from __future__ import annotations

from chat.conversation import Conversation, MessageState
from chat.store import Store, StoreError, rows


def test_a_lone_surrogate_in_a_streamed_piece_does_not_stop_the_writer(
    store: Store, problems: list[StoreError]
) -> None:
    conversation = Conversation()
    store.follow(conversation)
    conversation.add("user", "emoji please")
    reply = conversation.add("assistant", "", state=MessageState.STREAMING)
    conversation.streamed(reply, "smile \ud83d")
    store.submit(lambda db: None).result(timeout=10)  # the pieces are written before it
    reply.content, reply.state = "smile \ud83d", MessageState.COMPLETE
    conversation.changed(reply)
    conversation.add("user", "thanks \ud83d\ude00")
    store.submit(lambda db: None).result(timeout=10)
    loaded = store.read_now(rows.load_conversation, conversation.id)
    assert [m.content for m in loaded.messages] == ["emoji please", "smile \ufffd", "thanks 😀"]
    assert problems == []


def test_a_lone_surrogate_in_a_title_or_system_prompt_is_saved(store: Store) -> None:
    conversation = Conversation(system_prompt="be \udc00 brief")
    conversation.add("user", "\ud800 question")
    store.save(conversation).result(timeout=10)
    loaded = store.read_now(rows.load_conversation, conversation.id)
    assert (loaded.title, loaded.system_prompt) == ("\ufffd question", "be \ufffd brief")
