"""What a benchmark returns, and small measuring helpers."""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One measured figure. ``peer``/``ratio`` compare against a baseline run in the same go."""

    name: str
    value: float
    unit: str
    peer: float | None = None
    ratio: float | None = None
    note: str = ""

    def row(self) -> str:
        peer = f"{self.peer:.4g} {self.unit}" if self.peer is not None else "—"
        ratio = f"{self.ratio:.2f}×" if self.ratio is not None else "—"
        return f"| {self.name} | {self.value:.4g} {self.unit} | {peer} | {ratio} | {self.note} |"


def median(values: list[float]) -> float:
    return statistics.median(values)
