"""The one way every transcript shows a moment."""

from __future__ import annotations

import time

import pytest

from chat.transcript.when import UNKNOWN, when


def test_a_moment_is_local_time_to_the_minute() -> None:
    moment = 1_780_000_000.0
    assert when(moment) == time.strftime("%Y-%m-%d %H:%M", time.localtime(moment))
    assert len(when(moment)) == len("2026-12-01 14:03")


@pytest.mark.parametrize("odd", [1e20, -1e20, float("nan"), float("inf")])
def test_a_moment_no_calendar_holds_reads_as_unknown(odd: float) -> None:
    assert when(odd) == UNKNOWN
