"""The task tracker keeps tasks, cancels them, and reports a failure as a signal."""

from __future__ import annotations

import asyncio

from gui.tasks import TaskTracker
from tests.support.qt import next_signal


async def boom() -> None:
    await asyncio.sleep(0)
    raise ValueError("the disk is full")


async def test_a_failing_task_is_reported_not_only_logged() -> None:
    tracker = TaskTracker()
    tracker.start(boom(), name="saving")
    (message,) = await next_signal(tracker.failed)
    assert "saving" in message
    assert "the disk is full" in message
    assert tracker.running == []


async def test_shutdown_cancels_and_waits_for_every_task() -> None:
    tracker = TaskTracker()
    first = tracker.start(asyncio.sleep(60), name="one")
    second = tracker.start(asyncio.sleep(60), name="two")
    assert set(tracker.running) == {first, second}
    await tracker.shutdown()
    assert first.cancelled()
    assert second.cancelled()
    assert tracker.running == []


async def test_a_cancelled_task_is_not_a_failure() -> None:
    tracker = TaskTracker()
    failures: list[str] = []
    tracker.failed.connect(failures.append)
    task = tracker.start(asyncio.sleep(60), name="stream")
    await asyncio.sleep(0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await asyncio.sleep(0)
    assert failures == []
    assert tracker.running == []
