"""Parley's log: warnings and errors (with their tracebacks) in a rotating file in the log
folder (``chat.paths.log_dir``), written on a thread of its own, with every secret taken out
first: header values of ``Authorization``, ``Cookie``, ``Set-Cookie``, ``X-Api-Key`` and
``X-Goog-Api-Key``, ``key=`` query values, the password of a URL, and values shaped like keys
and tokens. ``redact`` runs in time linear in its input (no pattern can backtrack)."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

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


class Logging(logging.Handler):
    """The log, kept from ``start_logging`` until ``stop``. Its file, its writer's thread and
    ``logging.handlers`` (which loads pickle and socket: a tenth of ``parley``'s start) wait
    for the first warning: most runs never log one."""

    def __init__(self, path: Path) -> None:
        super().__init__(logging.WARNING)
        self.path = path
        self.handler: logging.Handler | None = None
        """Where records go once the log is open: the writer's queue."""
        self.listener: Any = None
        """The writer's thread (a ``QueueListener``), once the log is open."""
        self._closed = False

    def emit(self, record: logging.LogRecord) -> None:  # under the handler's lock
        if self.handler is None and not self._closed:
            self._open()
        if self.handler is not None:
            self.handler.handle(record)

    def _open(self) -> None:
        import logging.handlers
        import queue

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:  # no log can be kept: none is, and Parley goes on
            self._closed = True
            return
        writer = _writer(self.path)
        line: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
        self.listener = logging.handlers.QueueListener(line, writer)
        self.listener.start()
        self.handler = logging.handlers.QueueHandler(line)  # secrets go on the writer's thread

    def stop(self) -> None:
        """Write what is queued, close the file, and take the log off the root logger."""
        logging.getLogger().removeHandler(self)
        self.acquire()
        try:
            self._closed = True
            if self.listener is not None:
                self.listener.stop()
                for handler in self.listener.handlers:
                    handler.close()
        finally:
            self.release()
        self.close()


def start_logging(path: Path | None = None) -> Logging:
    """Keep warnings and errors of every logger in the rotating log file at ``path``; the
    file is written by a thread of its own, so a log line never waits on the disk. A log
    that cannot be kept never stops Parley: then there is none."""
    log = Logging(path or default_path())
    logging.getLogger().addHandler(log)
    return log


def _writer(path: Path) -> logging.Handler:
    """The log file; a line it cannot write (a full disk) is dropped without a word, where
    logging would print a traceback of its own to stderr."""
    import logging.handlers

    class Writer(logging.handlers.RotatingFileHandler):
        def handleError(self, record: logging.LogRecord) -> None:
            return

    writer = Writer(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True)
    writer.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    return writer
