"""Debian's tinyproxy on a free loopback port, logging every request it forwards."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

CONFIG = """Port {port}
Listen 127.0.0.1
Timeout 30
MaxClients 20
Allow 127.0.0.1
LogFile "{log}"
LogLevel Connect
PidFile "{pid}"
"""


def tinyproxy_command() -> str:
    """The tinyproxy binary; without it the test skips, or fails when CI is set."""
    found = shutil.which("tinyproxy") or next(
        (p for p in ("/usr/bin/tinyproxy", "/usr/sbin/tinyproxy") if os.access(p, os.X_OK)), None
    )
    if found:
        return found
    reason = "tinyproxy is not installed (apt-get install tinyproxy)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the proxy tests", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Tinyproxy:
    """``with Tinyproxy(tmp_dir) as proxy``: ``proxy.url`` to use, ``proxy.log()`` to check."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.log_path = directory / "tinyproxy.log"
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Tinyproxy:
        command = tinyproxy_command()
        for _ in range(3):  # a port picked as free may be taken before tinyproxy binds it
            if self._start(command):
                return self
        raise RuntimeError(f"tinyproxy did not start; its log:\n{self.log()}")

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def _start(self, command: str) -> bool:
        self.port = free_port()
        config = self.directory / "tinyproxy.conf"
        pid = self.directory / "tinyproxy.pid"
        config.write_text(CONFIG.format(port=self.port, log=self.log_path, pid=pid))
        self._process = subprocess.Popen(
            [command, "-d", "-c", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self._process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            except OSError:
                time.sleep(0.05)
                continue
            return True
        self._stop()
        return False

    def _stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
        self._process = None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    async def logged(self, line: str, wait: float = 5.0) -> bool:
        """Has ``line`` appeared in the log (tinyproxy writes it as it forwards)?"""
        deadline = time.monotonic() + wait
        while line not in self.log():
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True
