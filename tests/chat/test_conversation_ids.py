"""The ids of new conversations and messages: random UUIDs, as the store and exports expect."""

from __future__ import annotations

import uuid

from chat.conversation import Conversation


def test_new_conversations_and_messages_get_random_version_4_uuids() -> None:
    conversation = Conversation()
    ids = [conversation.id, *(conversation.add("user", f"q{n}").id for n in range(50))]
    for made in ids:
        assert len(made) == 32
        assert uuid.UUID(made).hex == made
        assert uuid.UUID(made).version == 4
        assert uuid.UUID(made).variant == uuid.RFC_4122
    assert len(set(ids)) == len(ids)
