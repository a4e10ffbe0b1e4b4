"""``parley ask`` writes only the answer to stdout; ``--reasoning`` shows the rest on stderr."""

from __future__ import annotations

import asyncio

import pytest

from chat.cli import EXIT_OK, main
from tests.emulators.openai import OpenAIEmulator

THOUGHT = "Let me think about it."
REPLY = "Hello from the emulator."


async def ask(server: OpenAIEmulator, *flags: str) -> int:
    argv = ["ask", "-p", "OpenAICompatible", "--base-url", server.base_url, "-m", "test-model"]
    return await asyncio.to_thread(main, [*argv, *flags, "hi"])


@pytest.mark.parametrize("quirk", ["reasoning_content", "reasoning", "think_inline"])
async def test_only_the_answer_goes_to_stdout(
    quirk: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async with OpenAIEmulator("keyless", quirk) as server:
        server.script.reasoning = THOUGHT
        assert await ask(server) == EXIT_OK
        out, err = capsys.readouterr()
        assert (out, err) == (REPLY, "")
        assert await ask(server, "--reasoning") == EXIT_OK
        out, err = capsys.readouterr()
        assert out == REPLY
        assert err.strip() == THOUGHT


async def test_reasoning_that_came_as_text_is_said_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with OpenAIEmulator("keyless", "think_unopened") as server:
        server.script.reasoning = THOUGHT
        assert await ask(server) == EXIT_OK
    out, err = capsys.readouterr()
    assert out == f"{THOUGHT}{REPLY}"
    assert err == "parley: the text above was the model's reasoning; its answer follows.\n"
