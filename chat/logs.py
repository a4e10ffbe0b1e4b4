"""Parley's log: warnings and errors (with their tracebacks) in a rotating file in the log
folder (``chat.paths.log_dir``), written on a thread of its own, with every secret taken out
first: header values of ``Authorization``, ``Cookie``, ``Set-Cookie``, ``X-Api-Key`` and
``X-Goog-Api-Key``, ``key=`` query values, the password of a URL, and values shaped like keys
and tokens. ``redact`` runs in time linear in its input (no pattern can backtrack)."""

from __future__ import annotations

import logging
import logging.handlers
import queue
import re
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "parley.log"
MAX_BYTES = 1 << 20
BACKUPS = 3
"""The log and its rotated copies: at most 4 MB in all."""
HIDDEN = "[hidden]"

_HEADERS = r"authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-goog-api-key"
_PATTERNS = (
    # A header as text (`Authorization: Bearer x`), or in a dict's repr ('cookie': 'a=b').
    re.compile(rf"(?i)((?:{_HEADERS})['\"]?\s*[:=]\s*['\"]?)[^'\"\r\n]+"),
    # A key in a URL's query (Gemini's ?key=...), or any `api_key=...`/`token=...` pair.
    re.compile(r"(?i)((?:[?&;]|\b)(?:key|api_key|apikey|access_token|token|password)=)[^&\s'\"]+"),
    # The password of a URL: scheme://user:password@host
    re.compile(r"(?i)(\b[a-z][a-z0-9+.-]{0,20}://[^:/@\s'\"]{0,200}:)[^@/\s'\"]{1,500}(?=@)"),
    # Values shaped like keys and tokens: sk-..., Anthropic's sk-ant-..., Google's AIza...,
    # JWTs (eyJ...), Fernet-like tokens (gAAAA...), and long runs of hex or base64 letters.
    re.compile(r"\b(?:sk-|sk_|AIza|gAAAA|eyJ)[A-Za-z0-9_\-.]{8,}"),
    re.compile(r"\b[A-Fa-f0-9]{40,}\b|\b[A-Za-z0-9_\-]{48,}\b"),
)


def redact(text: str) -> str:
    """``text`` with every secret in it replaced by ``[hidden]``."""
    for number, pattern in enumerate(_PATTERNS):
        text = pattern.sub(rf"\1{HIDDEN}" if number < 3 else HIDDEN, text)
    return text


class RedactingFormatter(logging.Formatter):
    """Formats a record, its traceback included, then takes the secrets out of all of it."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def default_path() -> Path:
    from .paths import log_dir

    return log_dir() / FILE_NAME


@dataclass
class Logging:
    """The log while it is kept: ``stop`` writes what is queued and closes the file. Without
    a ``listener`` no log is kept (its folder could not be made)."""

    path: Path
    handler: logging.Handler | None = None
    listener: logging.handlers.QueueListener | None = None

    def stop(self) -> None:
        if self.handler is None or self.listener is None:
            return
        logging.getLogger().removeHandler(self.handler)
        self.listener.stop()
        for handler in self.listener.handlers:
            handler.close()


def start_logging(path: Path | None = None) -> Logging:
    """Keep warnings and errors of every logger in the rotating log file at ``path``; the
    file is written by a thread of its own, so a log line never waits on the disk. A log
    that cannot be kept never stops Parley: then there is none."""
    path = path or default_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return Logging(path)
    writer = _Writer(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True)
    writer.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    line: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    handler = logging.handlers.QueueHandler(line)  # the secrets go on the writer's thread
    handler.setLevel(logging.WARNING)
    listener = logging.handlers.QueueListener(line, writer)
    listener.start()
    logging.getLogger().addHandler(handler)
    return Logging(path, handler, listener)


class _Writer(logging.handlers.RotatingFileHandler):
    """The log file; a line it cannot write (a full disk) is dropped without a word, where
    logging would print a traceback of its own to stderr."""

    def handleError(self, record: logging.LogRecord) -> None:
        return
