"""The window's background tasks: created, kept and cancelled in one place, errors shown."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    import asyncio

T = TypeVar("T")


class TaskTracker(QObject):
    """Owns the app's asyncio tasks so they can be stopped, and reports their failures.

    qasync's ``@asyncSlot`` hands back no task, so nothing could cancel it; here every task
    is kept until it ends. A task that raises emits ``failed`` with a sentence for the
    window: an exception never ends up only in a log.
    """

    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(self, coro: Coroutine[Any, Any, T], *, name: str) -> asyncio.Task[T]:
        """Run ``coro`` as a task on the running loop and keep it until it ends."""
        import asyncio  # here, not at import: the window paints before asyncio is loaded

        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._on_task_done)
        return task

    @property
    def running(self) -> list[asyncio.Task[Any]]:
        return [task for task in self._tasks if not task.done()]

    def cancel_all(self) -> None:
        for task in self._tasks:
            task.cancel()

    async def shutdown(self) -> None:
        """Cancel every task and wait until each has ended."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            import asyncio

            await asyncio.gather(*tasks, return_exceptions=True)

    def _on_task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            import logging

            logging.getLogger(__name__).warning("Task %s failed", task.get_name(), exc_info=error)
            self.failed.emit(f"Something went wrong ({task.get_name()}): {error!r}")
