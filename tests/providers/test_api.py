"""The API providers' shared error wording: any body in, a sentence out, in linear time."""

from __future__ import annotations

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
    nested: list[object] = []
    for _ in range(5000):  # deeper than json.dumps could write back
        nested = [nested]
    error = stream_error({"error": {"message": "boom", "param": nested}}, OPENAI)
    assert "boom" in str(error)


def test_a_huge_error_body_is_read_in_linear_time() -> None:
    body = '{"error": {"message": "' + "x" * 5_000_000 + '"}}'
    with ends_within():
        assert error_text(body).endswith("…")
