"""The API providers' shared error wording: any body in, a sentence out, in linear time."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from providers.api import api_error, error_text, stream_error
from providers.errors import ProviderError
from providers.presets import OPENAI
from tests.support.fuzz import ends_within


@given(st.text(max_size=2000))
def test_any_error_body_gives_a_short_text(body: str) -> None:
    said = error_text(body)
    assert isinstance(said, str)
    assert len(said) <= 200


@given(st.integers(400, 599), st.text(max_size=500))
def test_any_error_reply_gives_a_provider_error_with_its_status(status: int, body: str) -> None:
    error = api_error(status, body, {}, OPENAI, model="m", path="/chat/completions")
    assert isinstance(error, ProviderError)
    assert error.status == status
    assert str(error).startswith("OpenAI: ")


def test_a_deeply_nested_error_object_in_a_stream_is_still_a_sentence() -> None:
    for depth in (10, 900, 990, 999):
        value = json.loads(
            '{"error": {"message": "boom", "param": ' + "[" * depth + "]" * depth + "}}"
        )
        error = stream_error(value, OPENAI)
        assert "boom" in str(error)


def test_a_huge_error_body_is_read_in_linear_time() -> None:
    body = '{"error": {"message": "' + "x" * 5_000_000 + '"}}'
    with ends_within():
        assert error_text(body).endswith("…")
