"""What a benchmark returns, and small measuring helpers."""

from __future__ import annotations

import os
import statistics
import tempfile
from dataclasses import dataclass

BYTECODE = os.path.join(tempfile.gettempdir(), "parley-bench-bytecode")
"""Where the benchmarks' processes keep their compiled modules (outside the tree)."""


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


def installed(env: dict[str, str]) -> dict[str, str]:
    """``env`` for a process that runs as an installed Parley does: from modules compiled
    once (an installer writes the bytecode; a shell with PYTHONDONTWRITEBYTECODE would make
    every start compile them all again, about 100 ms here)."""
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": BYTECODE}
