"""Typed fields at their edges: a whole number that is text or a flag."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from chat.transcript import parley_json
from chat.transcript.errors import TranscriptError


@pytest.mark.parametrize(("status", "found"), [("429", "text"), (True, "true"), (4.5, "a number")])
def test_a_status_that_is_no_whole_number_is_named(status: Any, found: str) -> None:
    message = {"id": "m1", "parent_id": None, "role": "assistant", "content": "", "created": 1.0}
    message["error"] = {"kind": "http", "sentence": "Try again.", "status": status}
    conversation = {"id": "c1", "title": "T", "created": 1.0, "messages": [message]}
    text = json.dumps(
        {"format": "parley-transcript", "version": 1, "conversations": [conversation]}
    )
    with pytest.raises(TranscriptError) as caught:
        list(parley_json.load(io.BytesIO(text.encode())))
    assert caught.value.detail == (
        f"“messages[0].error.status” should be a whole number or null, found {found}"
    )
