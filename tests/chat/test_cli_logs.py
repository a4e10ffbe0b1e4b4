"""``parley`` keeps its log as the window does: a provider's bug is told on stderr in our words,
and its traceback goes to the log, with the secret it carried taken out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from chat.cli import EXIT_FAILED, main
from chat.logs import default_path
from providers.base import AsyncGeneratorProvider
from providers.types import Chunk, Messages

from .streaming_server import install_plugin

SECRET = "sk-proj-carried-in-the-bug-0123456789"


class Buggy(AsyncGeneratorProvider):
    """Fails as a provider with a bug does, with a secret in its error."""

    url = "http://127.0.0.1:9"
    working = True
    supports_stream = True

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        yield "partial "
        raise KeyError(f"choices (sent Authorization: Bearer {SECRET})")


@pytest.fixture(autouse=True)
def _plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = install_plugin(tmp_path, {"Buggy": "tests.chat.test_cli_logs:Buggy"})
    monkeypatch.syspath_prepend(str(path))


def test_a_providers_bug_is_told_in_our_words_and_its_trace_kept_in_the_log(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["ask", "--provider", "Buggy", "--model", "m", "--no-save", "hi"]) == EXIT_FAILED
    out, err = capsys.readouterr()
    assert out.startswith("partial ")
    assert "Traceback" not in err
    assert err.startswith(
        "parley: Buggy failed unexpectedly. Try again, or pick another provider; if it keeps "
        "happening, report it to the provider's authors, with what Parley's log says of it. "
        "(KeyError('choices (sent Authorization: [hidden]"
    )
    log = default_path().read_text(encoding="utf-8")
    assert "WARNING chat.session: Buggy failed unexpectedly" in log
    assert "Traceback (most recent call last)" in log
    assert "KeyError: 'choices (sent Authorization: [hidden]" in log
    assert SECRET not in log + err + out
