"""Driving the real window in end-to-end tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .qt import next_signal, until

if TYPE_CHECKING:
    from gui.main_window import MainWindow


async def ask(window: MainWindow, text: str) -> None:
    """Send ``text`` from the composer and wait until its reply has finished and is shown."""
    window.composer.editor.setPlainText(text)
    window.composer.button.click()
    assert await next_signal(window.reply_ended) == ("finished",)
    await until(lambda: window.replies.settled)
