"""Run every benchmark and rewrite docs/PERFORMANCE.md with the figures."""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
from pathlib import Path

from .common import Figure

# Each module has ``TITLE`` and ``run() -> list[Figure]``; later issues add theirs here.
MODULES = [
    "bench.startup",
    "bench.ask",
    "bench.stream",
    "bench.api_stream",
    "bench.discovery",
    "bench.pow",
    "bench.store",
]
ON_REQUEST = ["bench.fuzz", "bench.mutation", "bench.search", "bench.transcripts", "bench.pane"]
"""Modules run only when named (`python -m bench fuzz`): they take minutes, not seconds (search
builds its stores of a million messages once, then keeps them)."""
ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("only", nargs="*", help="module names to run (default: all)")
    parser.add_argument("--no-write", action="store_true", help="print, do not rewrite the doc")
    args = parser.parse_args()
    sections: list[str] = []
    for name in MODULES + ON_REQUEST:
        short = name.split(".")[-1]
        if (args.only and short not in args.only) or (not args.only and name in ON_REQUEST):
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name == name:
                continue  # not written yet
            raise
        print(f"== {module.TITLE}", flush=True)
        figures: list[Figure] = module.run()
        for figure in figures:
            print("  " + figure.row(), flush=True)
        sections.append(section(module.TITLE, getattr(module, "ABOUT", ""), figures))
    doc = ROOT / "docs" / "PERFORMANCE.md"
    command = " ".join(["python -m bench", *args.only])
    kept = _sections(doc.read_text()) if doc.exists() else []  # what was not re-measured
    text = document(merged(kept, sections), command)
    if args.no_write:
        print(text)
    else:
        doc.parent.mkdir(exist_ok=True)
        doc.write_text(text)
        print(f"wrote {doc}")
    return 0


def _sections(text: str) -> list[str]:
    """The ``## `` sections of an earlier document, each with its heading."""
    parts = text.split("\n## ")[1:]
    return ["## " + part.rstrip("\n") + "\n" for part in parts]


def merged(old: list[str], new: list[str]) -> list[str]:
    """``old`` with the sections measured now put in their place (new ones at the end)."""
    fresh = {part.splitlines()[0]: part for part in new}
    out = [fresh.pop(part.splitlines()[0], part) for part in old]
    return out + [part for part in new if part.splitlines()[0] in fresh]


def section(title: str, about: str, figures: list[Figure]) -> str:
    rows = "\n".join(f.row() for f in figures)
    head = "| figure | Parley | peer | Parley ÷ peer | note |\n|---|---|---|---|---|"
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return f"## {title}\n\n{about} (Measured {stamp}.)\n\n{head}\n{rows}\n"


def document(sections: list[str], command: str) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return (
        "# Performance\n\n"
        f"Last written {stamp} on {machine()} by `{command}` (run from the repository root in "
        "the test venv; a run of some benchmarks keeps the others' sections). Ratios compare "
        "Parley with a peer measured in the same run; this machine "
        "is noisy, so read ratios, not absolute times.\n\n" + "\n".join(sections)
    )


if __name__ == "__main__":
    sys.exit(main())
