"""Waiting for Qt signals inside a coroutine on the qasync loop (qtbot.wait* would hang)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import SignalInstance


async def next_signal(signal: SignalInstance, within: float = 5.0) -> tuple[Any, ...]:
    """The arguments of ``signal``'s next emission."""
    future: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()

    def slot(*args: Any) -> None:
        if not future.done():
            future.set_result(args)

    signal.connect(slot)
    try:
        return await asyncio.wait_for(future, within)
    finally:
        signal.disconnect(slot)


async def until(condition: Callable[[], object], within: float = 5.0) -> None:
    """Yield to the loop (and so to Qt) until ``condition()`` is true."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {within} s")
        await asyncio.sleep(0.005)


def pane_text(view: Any) -> str:
    """The pane's text as a reader sees it, without the messages' action lines."""
    from gui.message_footer import is_footer

    document = view.document()
    lines = []
    block = document.begin()
    while block.isValid():
        if not is_footer(block):
            lines.append(block.text())
        block = block.next()
    return "\n".join(lines).replace("\u2028", "\n")
