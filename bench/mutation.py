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
    "fails (or hangs past mutmut's time-out). The score is killed ÷ all mutants (one that no "
    "test reaches counts as surviving). The window's tests (tests/gui, tests/e2e) are left out "
    "of the run, and so are the tests slow by design (marked `slow`: real time-outs, bounds on "
    "time); property tests run 15 examples each, and each mutant's tests run fastest first "
    "(tests/support/fastest_first.py). Not part of CI: it takes hours on two cores; mutmut "
    "keeps each result and tests again only the functions that changed."
)
ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "MUTATION.md"
NOTES = ROOT / "bench" / "mutation_notes.md"
"""For each survivor: the test that now kills it, or why it is equivalent (kept by hand)."""
REUSE = "PARLEY_MUTATION_REUSE"
"""Set it to write the page from the last run's results without running mutmut again."""
_RESULT = re.compile(r"^\s*([\w.]+)__mutmut_(\d+): (.+)$")
_NOTE = re.compile(r"^- `?([\w.]+__mutmut_\d+)`?: (.+)$")


def run() -> list[Figure]:
    # Every line runs traced: the tests' time bounds (there to catch superlinear work) widen.
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PARLEY_SLOW_FACTOR": "10",
        "PARLEY_FUZZ": "mutation",  # few examples per property test; fastest tests first
    }
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    started = time.perf_counter()
    workers = str(os.cpu_count() or 1)
    if os.environ.get(REUSE):
        done = subprocess.CompletedProcess([], 0)
    else:
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
        [mutmut, "results", "--all", "true"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    results = [m.groups() for line in listed.splitlines() if (m := _RESULT.match(line))]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    PAGE.write_text(_page(stats, results, took, _notes(), commit or "an unknown commit"))
    caught = stats["killed"] + stats["timeout"]
    score = caught / stats["total"] if stats["total"] else 0.0
    note = f"{caught} of {stats['total']} killed; survivors in docs/MUTATION.md"
    return [Figure("mutants killed", 100 * score, "%", note=note)]


def _module_file(function: str) -> str:
    """``providers.stream.x__line_batches`` → ``providers/stream.py``."""
    path = (function.rsplit(".", 1)[0] if ".x" in function else function).replace(".", "/")
    return f"{path}/__init__.py" if (ROOT / path).is_dir() else f"{path}.py"


def _notes() -> dict[str, str]:
    """The notes kept in ``NOTES``, by mutant name."""
    if not NOTES.exists():
        return {}
    found = (_NOTE.match(line.strip()) for line in NOTES.read_text().splitlines())
    return {m.group(1): m.group(2) for m in found if m}


_CAUGHT = ("killed", "timeout")


def _by_file(results: list[tuple[str, ...]]) -> list[str]:
    """A table row per file: its mutants, how many were caught, the score."""
    total = Counter(_module_file(function) for function, _, _ in results)
    caught = Counter(_module_file(f) for f, _, status in results if status in _CAUGHT)
    rows = sorted(total, key=lambda name: (caught[name] / total[name], name))
    return [
        f"| {name} | {total[name]} | {caught[name]} | {100 * caught[name] / total[name]:.0f}% |"
        for name in rows
    ]


def _unfinished(results: list[tuple[str, ...]]) -> list[str]:
    """A warning when the run was stopped before every mutant was tried."""
    left = sum(1 for _, _, status in results if status == "not checked")
    if not left:
        return []
    return [
        f"**The run was stopped early: {left} mutants were not tried**, and count as not killed "
        "in the score above. A complete run gives the real score.",
        "",
    ]


def _page(
    stats: dict[str, int],
    results: list[tuple[str, ...]],
    took: float,
    notes: dict[str, str],
    commit: str,
) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    caught = stats["killed"] + stats["timeout"]
    score = caught / stats["total"] if stats["total"] else 0.0
    survivors = [r for r in results if r[2] not in (*_CAUGHT, "not checked")]
    lines = [
        "# Mutation score",
        "",
        f"Measured {stamp} on commit {commit} by `python -m bench mutation`"
        + (f" in {took / 60:.0f} min. " if took > 60 else ". ")
        + ABOUT,
        "",
        f"**{100 * score:.1f}% killed**: {caught} of {stats['total']} mutants "
        f"({stats['timeout']} of them by a time-out: the planted bug made a test hang); "
        f"{stats['survived']} survived, {stats['no_tests']} reached by no test.",
        "",
        *_unfinished(results),
        "| file | mutants | killed | score |",
        "|---|---|---|---|",
        *_by_file(results),
        "",
        "## Survivors",
        "",
        "Each is a planted bug no test caught in that run. `mutmut show NAME` prints its diff. "
        f"Beside each: the test that kills it now, or why it is equivalent (from {NOTES.name}); "
        "*open* when neither is written yet.",
        "",
        *(
            f"- `{function}__mutmut_{number}` ({status}): "
            + notes.get(f"{function}__mutmut_{number}", "*open*")
            for function, number, status in survivors
        ),
        "",
    ]
    return "\n".join(lines)
