"""The rule behind the hardening: every parser of outside input (a network body, a file the
user hands over, the settings file, a keyring entry, the command line) raises only its
documented error, and ends in time linear in its input, on the same hostile corpus.

The property-based tests beside each parser (``-m fuzz``) search wider; this one holds all of
them to the rule at once, so a parser added later has one obvious place to be listed.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chat.cli import UsageError, parse_options
from chat.endpoints import endpoints
from chat.logs import redact
from chat.models import ModelCache
from chat.secrets import decode_cookies
from chat.settings import Settings
from chat.stored_names import StoredNames
from chat.transcript.chatgpt import conversation_from_chatgpt
from chat.transcript.claude import conversation_from_claude
from chat.transcript.detect import open_export
from chat.transcript.errors import TranscriptError
from providers.api import api_error, error_text
from providers.cookies import CookieFormatError, parse_cookies
from providers.errors import MalformedResponseError
from providers.gemini import generating_models
from providers.http import excerpt, is_cloudflare_page, retry_after_seconds, status_error
from providers.ollama import tag_names
from providers.openai_compat import model_ids
from providers.presets import OPENAI
from providers.reasoning import ThinkSplitter
from providers.seeds.chatgpt_events import ReplyDecoder, ReplyError
from providers.seeds.chatgpt_turnstile import TurnstileError, decode_program, solve_turnstile
from providers.stream import parse_json
from tests.support.fuzz import BASE_BOUND_SECONDS, FUZZ_BOUND_SECONDS, only_raises

MIB = 1 << 20
DEEP = 100_000

HOSTILE: dict[str, str] = {
    "empty": "",
    "unclosed tags": "<" * MIB,
    "unclosed title": "<title>" + "<" * MIB,
    "unclosed script": "<script>" * (MIB // 8),
    "deep lists": "[" * DEEP + "]" * DEEP,
    "deep objects": '{"a":' * DEEP + "1" + "}" * DEEP,
    "unclosed deep": "[" * MIB,
    "huge number": "1" + "0" * 5000,
    "huge exponent": "1e" + "9" * 400,
    "NUL bytes": "\0" * MIB,
    "BOM then JSON": '\ufeff{"a": 1}',
    "controls": "".join(chr(c) for c in range(32)) * (MIB // 32),
    "lone surrogates": "\ud800\udfff" * 1000,
    "quotes": '"' * MIB,
    "backslashes": "\\" * MIB,
    "equals and semicolons": "a=;" * (MIB // 3),
    "tabs": "\t" * MIB,
    "newlines": "\r\n" * (MIB // 2),
    "long line": "x" * MIB,
    "cookie header prefix": "cookie:" + " " * MIB,
    "netscape rows": ".a.com\tTRUE\t/\tFALSE\t9" + "9" * 400 + "\tn\tv\n" * 10,
    "har with odd types": json.dumps({"log": {"entries": [{"request": {"headers": 5}}] * 1000}}),
    "json of every kind": json.dumps([None, True, 1.5, "s", {"k": [1, {"x": None}]}] * 20000),
    "turnstile-ish": json.dumps([[1, 2, "x" * 1000]] * 1000),
}


def _settings_file(tmp_path: Path) -> Callable[[str], Any]:
    def load(text: str) -> Any:
        path = tmp_path / "settings.json"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        settings = Settings.load(path)
        path.unlink(missing_ok=True)
        for aside in tmp_path.glob("settings.json.damaged*"):
            aside.unlink()
        return settings

    return load


def _reply_events(text: str) -> Any:
    decoder = ReplyDecoder("ChatGpt")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        value = {"v": text}
    return decoder.feed(value if isinstance(value, dict) else {"v": value})


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


def _split_think(text: str) -> Any:
    splitter = ThinkSplitter()
    return [*splitter.feed(text[: len(text) // 2]), *splitter.feed(text[len(text) // 2 :]),
            *splitter.finish()]  # fmt: skip


def _endpoints(text: str) -> Any:
    settings = Settings()
    settings.set_section("endpoints", {"E": _json_or_text(text), "F": {"base_url": text}})
    return endpoints(settings)


def _gemini_models(text: str) -> Any:
    value = _json_or_text(text)
    return generating_models(value if isinstance(value, dict) else {"models": value}, "Gemini")


def _imported(text: str) -> list[Any]:
    """What ``open_export`` finds in a file holding ``text``, as ``parley import`` reads it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "conversations.json"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        with open_export(path) as source:
            return list(source.conversations())


PARSERS: dict[str, tuple[Callable[..., Any], tuple[type[BaseException], ...]]] = {
    # network bodies and headers
    "parse_json": (lambda text: parse_json(text, "Test"), (MalformedResponseError,)),
    "excerpt": (excerpt, ()),
    "is_cloudflare_page": (lambda text: is_cloudflare_page(403, text), ()),
    "status_error": (lambda text: status_error(502, text, {}, "Test"), ()),
    "retry_after_seconds": (lambda text: retry_after_seconds(text[:10_000]), ()),
    "ChatGpt reply events": (_reply_events, (ReplyError,)),
    "API error body": (error_text, ()),
    "API error reply": (lambda text: api_error(400, text, {}, OPENAI, model="m"), ()),
    "OpenAI model list": (
        lambda text: model_ids(_json_or_text(text), "T"),
        (MalformedResponseError,),
    ),
    "Ollama model list": (
        lambda text: tag_names(_json_or_text(text), "T"),
        (MalformedResponseError,),
    ),
    "Gemini model list": (_gemini_models, (MalformedResponseError,)),
    "inline <think> reasoning": (_split_think, ()),
    "ChatGpt turnstile program": (
        lambda text: decode_program(text, "gAAAAACtoken"),
        (TurnstileError,),
    ),
    "ChatGpt turnstile run": (
        lambda text: solve_turnstile(text, "gAAAAACtoken", "https://chatgpt.com", 0.0),
        (TurnstileError,),
    ),
    # what the user hands over, and what Parley kept
    "parse_cookies": (parse_cookies, (CookieFormatError,)),
    "parse_cookies for a site": (
        lambda text: parse_cookies(text, domain="chat-gpt.org"),
        (CookieFormatError,),
    ),
    "decode_cookies (a keyring entry)": (decode_cookies, ()),
    "redact (a line for the log)": (redact, ()),
    "endpoints in the settings file": (_endpoints, ()),
    "parley ask -o": (lambda text: parse_options([f"temperature={text[:100_000]}"]), (UsageError,)),
    # exports a person imports
    "an export file (any format)": (_imported, (TranscriptError,)),
    "a ChatGPT conversation": (
        lambda text: conversation_from_chatgpt(_json_or_text(text), index=0),
        (TranscriptError,),
    ),
    "a Claude conversation": (
        lambda text: conversation_from_claude(_json_or_text(text), index=0),
        (TranscriptError,),
    ),
}


@pytest.mark.parametrize("corpus", list(HOSTILE), ids=list(HOSTILE))
@pytest.mark.parametrize("parser", list(PARSERS), ids=list(PARSERS))
def test_a_parser_of_outside_input_raises_only_its_documented_error(
    parser: str, corpus: str
) -> None:
    call, documented = PARSERS[parser]
    text = HOSTILE[corpus]
    only_raises(lambda: call(text), *documented)  # and within FUZZ_BOUND_SECONDS


@pytest.mark.parametrize("corpus", list(HOSTILE), ids=list(HOSTILE))
def test_the_settings_file_never_stops_parley(tmp_path: Path, corpus: str) -> None:
    settings = only_raises(lambda: _settings_file(tmp_path)(HOSTILE[corpus]))
    assert isinstance(settings, Settings)


def test_the_bound_is_generous_and_fixed() -> None:
    assert BASE_BOUND_SECONDS == 5.0  # a quadratic parser took 23 s on 256 KiB of "<"
    assert FUZZ_BOUND_SECONDS >= BASE_BOUND_SECONDS


@pytest.mark.parametrize("corpus", list(HOSTILE), ids=list(HOSTILE))
async def test_the_model_cache_file_is_outside_input_too(tmp_path: Path, corpus: str) -> None:
    path = tmp_path / "models.json"
    path.write_text(HOSTILE[corpus], encoding="utf-8", errors="surrogatepass")
    assert await ModelCache(path).get(OPENAI) is None


@pytest.mark.parametrize("corpus", list(HOSTILE), ids=list(HOSTILE))
def test_the_stored_names_file_is_outside_input_too(tmp_path: Path, corpus: str) -> None:
    path = tmp_path / "stored-secrets.json"
    path.write_text(HOSTILE[corpus], encoding="utf-8", errors="surrogatepass")
    assert only_raises(lambda: StoredNames(path).read()) is None
