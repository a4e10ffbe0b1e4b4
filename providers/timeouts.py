"""How long a provider call may wait: to connect, and for the next bytes of a reply."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to open a connection, and to wait for the next bytes of a reply."""

    connect: float = 15.0
    idle: float = 60.0

    def client_timeout(self) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(
            total=None, connect=None, sock_connect=self.connect, sock_read=self.idle
        )
