"""Parley's log: warnings and errors with their tracebacks in a rotating file, written on a
thread of its own, and never a secret in it, whatever path the secret takes into a record."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import chat.logs
from chat.logs import BACKUPS, FILE_NAME, HIDDEN, MAX_BYTES, default_path, redact, start_logging
from chat.paths import log_dir
from tests.support.fuzz import only_raises

SECRETS = {
    "bearer": ("Authorization: Bearer live-token-value-1", "live-token-value-1"),
    "x-api-key": ("sent x-api-key: anthropic-key-value-2 to the API", "anthropic-key-value-2"),
    "x-goog-api-key": ("X-Goog-Api-Key: goog-key-value-3", "goog-key-value-3"),
    "cookie": ("Cookie: session=cookie-value-4; theme=dark", "cookie-value-4"),
    "set-cookie": ("Set-Cookie: __Secure-next-auth=cookie-value-5; Path=/", "cookie-value-5"),
    "header dict": ("headers={'Authorization': 'Bearer dict-token-6', 'A': 'b'}", "dict-token-6"),
    "query key": (
        "GET https://generativelanguage.googleapis.com/v1beta/models?alt=sse&key=query-key-7",
        "query-key-7",
    ),
    "api_key pair": ("options api_key=pair-key-8 temperature=1", "pair-key-8"),
    "proxy password": ("via http://alice:proxy-pass-9@127.0.0.1:3128 failed", "proxy-pass-9"),
    "openai key": ("the key sk-proj-ABCDEFGHIJ1234 was refused", "sk-proj-ABCDEFGHIJ1234"),
    "anthropic key": ("key sk-ant-api03-abcdefghijklmn", "sk-ant-api03-abcdefghijklmn"),
    "google key": ("key AIzaSyA-1234567890abcdefghij", "AIzaSyA-1234567890abcdefghij"),
    "jwt": (
        "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXZhbHVl expired",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXZhbHVl",
    ),
    "long hex": ("csrf " + "ab12" * 12, "ab12" * 12),
    "long base64": ("session " + "Zm9vYmFy" * 7, "Zm9vYmFy" * 7),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(SECRETS))
def test_every_kind_of_secret_is_taken_out(kind: str) -> None:
    text, secret = SECRETS[kind]
    redacted = redact(text)
    assert secret not in redacted
    assert HIDDEN in redacted


@pytest.mark.parametrize(
    "text",
    [
        "Anthropic failed unexpectedly",
        "model claude-sonnet-4-5 at https://api.anthropic.com/v1/messages",
        "conversation 3f2b9c1d4e5f60718293a4b5c6d7e8f9 saved",  # an id: 32 hex digits
        "proxy http://127.0.0.1:3128 refused",
        "KeyError('choices')",
    ],
)
def test_what_is_not_a_secret_is_kept_as_it_is(text: str) -> None:
    assert redact(text) == text


def test_the_words_around_a_secret_stay() -> None:
    assert redact("Authorization: Bearer abc") == f"Authorization: {HIDDEN}"
    assert redact("https://x.example/v1?alt=sse&key=abc&n=1") == (
        f"https://x.example/v1?alt=sse&key={HIDDEN}&n=1"
    )
    assert redact("http://alice:pw@127.0.0.1:3128") == f"http://alice:{HIDDEN}@127.0.0.1:3128"


@pytest.mark.fuzz
@given(st.text(max_size=2000))
def test_any_text_is_redacted_quickly_and_once_is_enough(text: str) -> None:
    once = only_raises(lambda: redact(text))
    assert isinstance(once, str)
    assert redact(once) == once


@pytest.mark.parametrize("size", [100_000, 1_000_000])
def test_redacting_takes_time_linear_in_the_text(size: int) -> None:
    for hostile in (
        "a" * size,
        "Authorization:" + " " * size,
        "http://" + ":" * size,
        "sk-" * size,
    ):
        only_raises(lambda hostile=hostile: redact(hostile))


def log_text(path: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(path.parent.glob(FILE_NAME + "*")))


def test_the_log_is_in_the_log_folder() -> None:
    assert default_path() == log_dir() / "parley.log"


def test_every_path_into_the_log_leaves_the_secrets_out(tmp_path: Path) -> None:
    path = tmp_path / "logs" / FILE_NAME
    logs = start_logging(path)
    try:
        for kind, (text, _) in SECRETS.items():
            logging.getLogger("chat.session").warning("%s: %s", kind, text)  # as an argument
            logging.getLogger("gui.tasks").warning(f"{kind} in the message: {text}")
            try:
                raise RuntimeError(f"the service said {text}")
            except RuntimeError:
                logging.getLogger("providers").warning(
                    "%s failed unexpectedly", kind, exc_info=True
                )
            logging.getLogger().warning("extra", extra={"detail": text})
        logging.getLogger("chat").info("an info line is not kept")
    finally:
        logs.stop()
    written = log_text(path)
    for kind, (_, secret) in SECRETS.items():
        assert secret not in written, kind
    assert written.count("Traceback (most recent call last)") == len(SECRETS)
    assert "WARNING chat.session: bearer: Authorization: [hidden]" in written
    assert "an info line is not kept" not in written


def test_the_log_turns_over_at_its_size_and_keeps_a_few(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (MAX_BYTES, BACKUPS) == (1 << 20, 3)  # at most 4 MB in all
    monkeypatch.setattr(chat.logs, "MAX_BYTES", 20_000)  # the same, quicker
    path = tmp_path / FILE_NAME
    logs = start_logging(path)
    try:
        for number in range(3 * BACKUPS * 20):
            logging.getLogger("chat").warning("line %d %s", number, "words " * 170)
    finally:
        logs.stop()
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert kept == [FILE_NAME, *(f"{FILE_NAME}.{n}" for n in range(1, BACKUPS + 1))]
    assert all(p.stat().st_size <= 20_000 for p in tmp_path.iterdir())


def test_a_log_that_cannot_be_kept_stops_nothing(tmp_path: Path) -> None:
    (tmp_path / "logs").write_text("a file where the folder should be", encoding="utf-8")
    logs = start_logging(tmp_path / "logs" / FILE_NAME)
    assert logs in logging.getLogger().handlers
    logging.getLogger("chat").warning("nowhere to go")  # no error, nothing on stderr
    logging.getLogger("chat").warning("still nowhere")
    logs.stop()
    assert logs not in logging.getLogger().handlers
    assert logs.listener is None


def test_a_line_is_written_off_the_callers_thread(tmp_path: Path) -> None:
    import threading

    path = tmp_path / FILE_NAME
    logs = start_logging(path)
    assert logs.listener is None  # nothing logged yet: no file, no thread
    assert not path.exists()
    logging.getLogger("chat").warning("the first line opens the log")
    writers: list[str] = []
    assert logs.listener is not None
    (writer,) = logs.listener.handlers
    emit = writer.emit

    def noting(record: logging.LogRecord) -> None:
        writers.append(threading.current_thread().name)
        emit(record)

    writer.emit = noting  # type: ignore[method-assign]
    try:
        logging.getLogger("chat").warning("one line")
        deadline = time.monotonic() + 5
        while not writers and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        logs.stop()
    assert writers
    assert writers[0] != threading.current_thread().name
    assert re.search(r"WARNING chat: one line", path.read_text(encoding="utf-8"))
