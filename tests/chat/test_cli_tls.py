"""``parley ask`` and ``parley models`` at an https:// address whose certificate a test CA
signed: refused in our words until ``parley config set ca_bundle`` names the CA's file."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chat.cli import EXIT_FAILED, EXIT_OK, main
from tests.emulators.openai import OpenAIEmulator
from tests.support.certs import MadeCa, make_test_ca

KEYRING = "tests.support.keyrings.RefusingKeyring"  # nothing stored; none is needed here
BAD_BUNDLE = (
    "The CA bundle {path} set in Settings → Network could not be read: there is no such file. "
    "Fix the path or clear it (on the command line: `parley config set ca_bundle PATH` or "
    "`parley config unset ca_bundle`)."
)


@pytest.fixture(autouse=True)
def _no_keyring_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", KEYRING)


@pytest.fixture
def test_ca(tmp_path: Path) -> MadeCa:
    return make_test_ca(tmp_path)


@pytest.fixture
async def server(test_ca: MadeCa) -> AsyncIterator[OpenAIEmulator]:
    async with OpenAIEmulator("keyless", ssl_context=test_ca.server) as server:
        yield server


async def parley(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``main`` on a worker thread (it runs its own loop; the emulator runs on this one)."""
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def ask(server: OpenAIEmulator) -> tuple[str, ...]:
    return ("ask", "--no-save", "-p", "LlamaCpp", "--base-url", server.base_url, "hi")


async def test_without_the_bundle_the_certificate_is_refused_in_our_words(
    server: OpenAIEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = await parley(capsys, *ask(server))
    host = server.url.removeprefix("https://")
    assert (code, out) == (EXIT_FAILED, "")
    assert err.startswith(
        f"parley: LlamaCpp: The secure connection to {host} failed: its certificate could not "
        "be verified (unable to get local issuer certificate"
    )
    assert "Traceback" not in err
    assert not server.seen


async def test_with_the_bundle_set_the_reply_and_the_models_come(
    server: OpenAIEmulator, test_ca: MadeCa, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = str(test_ca.bundle)
    said = f"parley: ca_bundle is {bundle} now.\n"
    assert await parley(capsys, "config", "set", "ca_bundle", bundle) == (EXIT_OK, "", said)
    assert await parley(capsys, *ask(server)) == (EXIT_OK, "Hello from the emulator.", "")
    models = ("models", "-p", "LlamaCpp", "--base-url", server.base_url)
    assert await parley(capsys, *models) == (EXIT_OK, "test-model\nother-model\n", "")


async def test_a_bundle_that_is_not_there_says_which_setting_to_fix(
    server: OpenAIEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "gone.pem"
    assert (await parley(capsys, "config", "set", "ca_bundle", str(path)))[0] == EXIT_OK
    code, out, err = await parley(capsys, *ask(server))
    assert (code, out, err) == (EXIT_FAILED, "", f"parley: {BAD_BUNDLE.format(path=path)}\n")
    code, out, err = await parley(capsys, "models", "-p", "LlamaCpp", "--base-url", server.base_url)
    assert (code, out) == (EXIT_FAILED, "")  # the preset has no built-in list
    assert err == (
        f"parley: The model list could not be fetched: {BAD_BUNDLE.format(path=path)} "
        "Showing no list.\n"
    )
    assert not server.seen
