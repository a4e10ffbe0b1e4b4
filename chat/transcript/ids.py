"""Ids of imported conversations and messages: the same file imported twice gives the same
ids, so a second import finds the first one's conversations instead of making copies."""

from __future__ import annotations

import hashlib
import json
import uuid

NAMESPACE = uuid.UUID("1b6aed14-378e-49e3-8347-88553c8bc02c")
"""Parley's own namespace for imported ids (fixed for ever: changing it duplicates imports)."""
_PREFIX = NAMESPACE.bytes
_encode = json.JSONEncoder().encode  # ASCII: a lone surrogate is escaped, not an error


def imported_id(source: str, *parts: str) -> str:
    """``uuid5(NAMESPACE, name).hex`` where the name is ``[source, *parts]`` as JSON: the
    source (``"chatgpt"``, ``"claude"``), then the ids it gave (a conversation's, then a
    message's). As a JSON list no two different lists of parts give the same name.

    Computed as uuid5 is (RFC 4122: SHA-1, then the version and variant bits), without
    making a UUID object: an import of a large export makes one per message."""
    digest = bytearray(hashlib.sha1(_PREFIX + _encode([source, *parts]).encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    return digest.hex()
