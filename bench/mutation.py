"""Mutation score of providers/ and chat/: how many planted bugs the suite catches (mutmut)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from .common import Figure

TITLE = "Mutation score: providers/ and chat/"
ABOUT = (
    "`mutmut run` (configured in pyproject's `[tool.mutmut]`) plants one small bug at a time "
    "in providers/ and chat/ and runs the tests that cover it; a mutant is killed when a test "
    "fails. The score is killed ÷ all mutants (one that no test reaches counts as surviving). "
    "docs/MUTATION.md lists every survivor by file. Not part of CI: it takes an hour or more."
)
ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "MUTATION.md"
_RESULT = re.compile(r"^\s*([\w.]+)__mutmut_(\d+): (.+)$")


def run() -> list[Figure]:
    # Every line runs traced: the tests' time bounds (there to catch superlinear work) widen.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PARLEY_SLOW_FACTOR": "10"}
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    started = time.perf_counter()
    workers = str(os.cpu_count() or 1)
    done = subprocess.run([mutmut, "run", "--max-children", workers], cwd=ROOT, env=env)
    took = time.perf_counter() - started
    subprocess.run([mutmut, "export-cicd-stats"], cwd=ROOT, env=env, check=True)
    stats = json.loads((ROOT / "mutants" / "mutmut-cicd-stats.json").read_text())
    if done.returncode != 0 or stats["killed"] + stats["survived"] == 0:
        # mutmut first runs the whole suite unmutated; if a test fails there, nothing is known.
        raise SystemExit(
            "mutmut could not run the suite on unmutated code (see its output above): "
            "no score is written. Fix that test, then run `python -m bench mutation` again."
        )
    listed = subprocess.run(
        [mutmut, "results"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    survivors = [m.groups() for line in listed.splitlines() if (m := _RESULT.match(line))]
    PAGE.write_text(_page(stats, survivors, took))
    score = stats["killed"] / stats["total"] if stats["total"] else 0.0
    note = f"{stats['killed']} of {stats['total']} killed; survivors in docs/MUTATION.md"
    return [Figure("mutants killed", 100 * score, "%", note=note)]


def _module_file(function: str) -> str:
    """``providers.stream.x__line_batches`` → ``providers/stream.py``."""
    path = (function.rsplit(".", 1)[0] if ".x" in function else function).replace(".", "/")
    return f"{path}/__init__.py" if (ROOT / path).is_dir() else f"{path}.py"


def _page(stats: dict[str, int], survivors: list[tuple[str, ...]], took: float) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    score = stats["killed"] / stats["total"] if stats["total"] else 0.0
    by_file = Counter(_module_file(function) for function, _, _ in survivors)
    lines = [
        "# Mutation score",
        "",
        f"Measured {stamp} by `python -m bench mutation` in {took / 60:.0f} min. {ABOUT}",
        "",
        f"**{100 * score:.1f}% killed**: {stats['killed']} of {stats['total']} mutants; "
        f"{stats['survived']} survived, {stats['no_tests']} reached by no test, "
        f"{stats['timeout']} timed out.",
        "",
        "| file | surviving mutants |",
        "|---|---|",
        *(f"| {name} | {count} |" for name, count in by_file.most_common()),
        "",
        "## Survivors",
        "",
        "Each is a planted bug no test caught. `mutmut show NAME` prints its diff. For each, "
        "the next step is a test that kills it, or a line here saying why it is equivalent.",
        "",
        *(f"- `{function}__mutmut_{number}`: {status}" for function, number, status in survivors),
        "",
    ]
    return "\n".join(lines)
