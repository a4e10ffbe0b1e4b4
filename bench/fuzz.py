"""The property-based tests of outside input, run long: many more examples than CI runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from .common import Figure

TITLE = "Fuzzing: property-based tests of every parser of outside input, long run"
EXAMPLES = int(os.environ.get("PARLEY_FUZZ_EXAMPLES", "20000"))
ABOUT = (
    "`python -m pytest -m fuzz` with the `long` hypothesis profile (`PARLEY_FUZZ=long`, up to "
    f"{EXAMPLES} examples per test instead of CI's 150): the stream readers against a "
    "reference of the WHATWG rules, the cookie parser, the settings loader, the reply decoder, "
    "the turnstile interpreter and the cookie encoding. Each call must raise only its "
    "documented error and end within the time bound. A failure prints its reproducer."
)
ROOT = Path(__file__).resolve().parent.parent


def run() -> list[Figure]:
    env = {**os.environ, "PARLEY_FUZZ": "long", "QT_QPA_PLATFORM": "offscreen"}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-m",
        "fuzz",
        "-q",
        "-p",
        "no:randomly",
        "-o",
        "timeout=0",
        "tests",
    ]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-400:]
    if done.returncode != 0:
        print(done.stdout[-8000:], file=sys.stderr)
    passed = int(match.group(1)) if (match := re.search(r"(\d+) passed", summary)) else 0
    verdict = "all passed" if done.returncode == 0 else f"FAILED: {summary}"
    return [Figure(f"{passed} fuzz tests, long profile", took, "s", note=verdict)]
