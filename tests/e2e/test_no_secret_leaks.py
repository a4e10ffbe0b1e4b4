"""The promise, proved: a secret goes into the OS keyring and nowhere else.

Every provider kind gets a secret of its own (API keys, a custom header, cookies, a token a
site hands out, a proxy password), a whole session runs against the emulators through
``parley`` as a person runs it (chat with each, fail with each: 401 and 403; export every
format; change a setting), and then every file Parley could have written (the database and
its WAL, the settings, the log, the caches, the exports) and everything it printed is
searched for each secret, as it is and base64- or URL-encoded. There must be no hit.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import keyring.backends.SecretService
import pytest

from chat.secrets import SERVICE, _listed_names
from tests.chat.test_cli import parley
from tests.chat.test_secrets import NO_SERVICE, _secret_service_problem, _skip_or_fail
from tests.emulators.aichat import AichatEmulator
from tests.emulators.anthropic import AnthropicEmulator
from tests.emulators.gemini import GeminiEmulator
from tests.emulators.openai import OpenAIEmulator
from tests.emulators.voigpt import VoiGptEmulator

pytestmark = pytest.mark.keyring

PROXY = "http://alice@127.0.0.1:9"
"""A proxy that names its user; its password is in the keyring (and nobody listens)."""


def secret(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex}"


def encodings(value: str) -> set[bytes]:
    """``value`` as a leak could write it: as it is, URL-encoded, and base64 (standard and
    URL-safe) at each of the three alignments a longer text could give it."""
    raw = value.encode()
    found = {raw, quote(value).encode(), quote_plus(value).encode()}
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        for before in (b"", b"x", b"xy"):
            text = encode(before + raw + b"z")
            found.add(text[4:-4])  # the part that only ``value`` decides
    return found


def files_under(folder: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


@pytest.fixture(autouse=True)
def _keyring() -> Iterator[None]:
    """The suite's Secret Service, left as it was found: what the test stored goes again,
    even when it fails half-way."""
    if (problem := _secret_service_problem()) is not None:
        _skip_or_fail(f"{NO_SERVICE} ({problem})")
    backend = keyring.backends.SecretService.Keyring()
    before = set(_listed_names(backend, SERVICE) or ())
    yield
    for name in set(_listed_names(backend, SERVICE) or ()) - before:
        backend.delete_password(SERVICE, name)


async def test_no_secret_is_written_anywhere_but_the_keyring(tmp_path: Path) -> None:
    said: list[str] = []

    async def run(*args: str, stdin: str = "", expect: int | None = 0) -> str:
        code, out, err = await parley(*args, stdin=stdin.encode())
        said.append(out + err)
        if expect is not None:
            assert code == expect, f"{args}: {err}"
        return err

    secrets = {kind: secret(kind) for kind in ("openai", "anthropic", "gemini", "mine", "gate")}
    secrets["proxy"] = secret("proxy")
    exports = tmp_path / "exports"
    async with (
        OpenAIEmulator() as openai,
        AnthropicEmulator() as anthropic,
        GeminiEmulator() as gemini,
        OpenAIEmulator() as mine,
        AichatEmulator() as aichat,
        VoiGptEmulator() as voigpt,
    ):
        emulators = {"OpenAI": openai, "Anthropic": anthropic, "Gemini": gemini}
        for provider, emulator in emulators.items():
            emulator.key = secrets[provider.lower()]
        mine.key = secrets["mine"]
        secrets.update({f"cookie {name}": value for name, value in aichat.cookies.items()})
        sites = {provider: emulator.base_url for provider, emulator in emulators.items()}
        models = {provider: emulator.models[0] for provider, emulator in emulators.items()}
        # Store each secret as a person does.
        for provider, url in sites.items():
            await run("keys", "set", provider, "--base-url", url, stdin=secrets[provider.lower()])
        await run(
            "endpoints", "add", "Mine", "--base-url", mine.base_url,
            "--secret-header", "X-Gateway-Key",
        )  # fmt: skip
        await run("keys", "set", "Mine", "api_key", stdin=secrets["mine"])
        await run("keys", "set", "Mine", "header:X-Gateway-Key", stdin=secrets["gate"])
        cookie = "Cookie: " + "; ".join(f"{k}={v}" for k, v in aichat.cookies.items())
        await run("keys", "set", "Aichat", "--base-url", f"{aichat.url}/chat", stdin=cookie)
        keyring.backends.SecretService.Keyring().set_password(
            SERVICE, f"proxy/password@{PROXY}", secrets["proxy"]
        )  # as the Settings window's hidden Proxy password field stores it
        await run("keys", "list")
        # Chat with each.
        for provider, url in sites.items():
            await run("ask", "-p", provider, "--base-url", url, "--model", models[provider], "Hi")
        await run("ask", "-p", "Mine", "--model", "test-model", "Hi")
        await run("ask", "-p", "Aichat", "--base-url", f"{aichat.url}/chat", "Hi")
        await run("ask", "-p", "VoiGpt", "--base-url", voigpt.url, "Hi")
        secrets.update({f"voigpt token {n}": token for n, token in enumerate(voigpt.tokens)})
        assert voigpt.tokens  # the site handed one out, and Parley kept it
        assert openai.seen[-1].headers["Authorization"] == f"Bearer {secrets['openai']}"
        assert anthropic.seen[-1].headers["x-api-key"] == secrets["anthropic"]
        assert mine.seen[-1].headers["X-Gateway-Key"] == secrets["gate"]  # it was sent
        # Fail with each: a key the service no longer takes (401), then a refusal (403).
        for emulator in (openai, anthropic, gemini):
            emulator.key = "rotated-" + uuid.uuid4().hex
        for provider, url in sites.items():
            await run("ask", "-p", provider, "--base-url", url, "--model", models[provider],
                      "Hi", expect=1)  # fmt: skip
        for emulator in (openai, anthropic, gemini, mine):
            emulator.status_reply = (403, json.dumps({"error": {"message": "forbidden"}}), {})
        for provider, url in sites.items():
            await run("ask", "-p", provider, "--base-url", url, "--model", models[provider],
                      "Hi", expect=1)  # fmt: skip
        # Through a proxy whose password is in the keyring, that nobody answers.
        await run("config", "set", "proxy", PROXY, "--provider", "Mine")
        refused = await run("ask", "-p", "Mine", "--model", "test-model", "Hi", expect=1)
        assert "127.0.0.1:9" in refused  # the proxy was tried, with its password
    # Export every format, change a setting.
    for form in ("md", "txt", "json", "html", "pdf"):
        await run("export", "--format", form, "--all-branches", "--reasoning",
                  "--out", str(exports / form))  # fmt: skip
    await run("config", "set", "theme", "dark")
    await run("list")

    written = files_under(tmp_path)
    assert any(path.name == "parley.db" for path in written)
    assert any(path.suffix == ".pdf" for path in written)
    assert sum(len(files) for files in said) > 0
    hits = [
        f"{kind} in {where}"
        for kind, value in secrets.items()
        for shape in encodings(value)
        for where, data in [
            *written.items(),
            *((f"output {n}", t.encode()) for n, t in enumerate(said)),
        ]
        if shape in data
    ]
    assert hits == []


@pytest.mark.parametrize("before", ["", "a", "ab", "abc", "abcd"])
@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode])
def test_the_search_finds_a_secret_base64_encoded_inside_a_longer_text(
    before: str, encode: object
) -> None:
    value = secret("probe")
    written = encode(f"{before}{value} and more".encode())  # type: ignore[operator]
    assert any(shape in written for shape in encodings(value))
