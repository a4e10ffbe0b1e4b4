"""The one way a transcript shows a moment: local time, to the minute."""

from __future__ import annotations

from datetime import datetime

UNKNOWN = "unknown time"
"""What a moment that no calendar holds (an imported record's odd number) shows as."""


def when(timestamp: float) -> str:
    """``timestamp`` (seconds since the epoch) in local time, e.g. ``2026-12-01 14:03``.

    Every format calls this one function, so a translation can change it in one place.
    """
    try:
        return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, OSError, ValueError):
        return UNKNOWN
