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
from typing import Any

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
RESULTS = ROOT / "bench" / "mutation_results.json"
"""Each function's source hash and its mutants' verdicts from the last run, kept in the tree:
a run on a fresh clone tests again only the functions that changed since (delete the file to
test everything again)."""
REUSE = "PARLEY_MUTATION_REUSE"
"""Set it to write the page from the last run's results without running mutmut again."""
_SURVIVOR = re.compile(r"^- `([\w.]+__mutmut_\d+)` \(([^)]+)\): (.+)$")
_REFRESHED = "Notes refreshed "
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
        restore(ROOT)
        done = subprocess.run([mutmut, "run", "--max-children", workers], cwd=ROOT, env=env)
        keep(ROOT)
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


def refresh_notes() -> int:
    """Write the notes of mutation_notes.md beside the page's survivors, without running
    mutmut (the score and the survivors stay those of the run the page names), and say
    when; how many survivors are still open. ``python -m bench.mutation --notes``."""
    notes = _notes()
    lines, still_open = [], 0
    for line in PAGE.read_text().splitlines():
        if line.startswith(_REFRESHED):
            continue
        if match := _SURVIVOR.match(line):
            name, status, _ = match.groups()
            note = notes.get(name, "*open*")
            still_open += note == "*open*"
            line = f"- `{name}` ({status}): {note}"
        lines.append(line)
        if line.startswith("**") and " killed**" in line:
            lines += ["", "{refreshed}"]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    refreshed = (
        f"{_REFRESHED}{stamp} on commit {commit or 'unknown'}, without a new run: tests "
        "written since kill the survivors their notes name (each checked on its own mutant); "
        f"{still_open} survivors are still open. The next run counts them again."
    )
    text = "\n".join(lines).replace("\n\n{refreshed}\n", f"\n\n{refreshed}\n", 1)
    PAGE.write_text(text.replace("\n\n\n", "\n\n") + "\n")
    return still_open


def keep(root: Path) -> None:
    """Write the verdicts of ``root``'s mutants/ folder into ``RESULTS`` (compactly: per
    function, its hash and the exit code of each of its mutants by number)."""
    kept: dict[str, dict[str, Any]] = {}
    for meta in sorted((root / "mutants").rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        source = str(meta.relative_to(root / "mutants"))[: -len(".meta")]
        codes: dict[str, dict[int, int | None]] = {}
        for key, code in data["exit_code_by_key"].items():
            function, _, number = key.rpartition("__mutmut_")
            codes.setdefault(function.rsplit(".", 1)[-1], {})[int(number)] = code
        kept[source] = {
            function: [
                digest,
                [codes.get(function, {}).get(n) for n in range(1, _count(codes, function) + 1)],
            ]
            for function, digest in sorted(data["hash_by_function_name"].items())
        }
    RESULTS.write_text(json.dumps(kept, separators=(",", ":"), ensure_ascii=False) + "\n")


def _count(codes: dict[str, dict[int, int | None]], function: str) -> int:
    return max(codes.get(function, {0: None}))


def restore(root: Path) -> None:
    """Seed ``root``'s mutants/ folder with the kept verdicts where it has none, so that mutmut
    tests again only what changed (it drops a verdict whose function's hash differs)."""
    if not RESULTS.exists():
        return
    for source, functions in json.loads(RESULTS.read_text()).items():
        meta = root / "mutants" / f"{source}.meta"
        if meta.exists() or not (root / source).exists():
            continue
        module = source[: -len(".py")].replace("/", ".").removesuffix(".__init__")
        exit_codes = {
            f"{module}.{function}__mutmut_{n}": code
            for function, (_, codes) in functions.items()
            for n, code in enumerate(codes, start=1)
        }
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(
            json.dumps(
                {
                    "exit_code_by_key": exit_codes,
                    "hash_by_function_name": {f: h for f, (h, _) in functions.items()},
                    "type_check_error_by_key": {},
                    "durations_by_key": {},
                    "estimated_durations_by_key": {},
                }
            )
        )


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


if __name__ == "__main__" and sys.argv[1:] == ["--notes"]:
    print(f"{refresh_notes()} survivors still open: {PAGE}")
