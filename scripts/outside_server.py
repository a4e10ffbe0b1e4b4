"""What scripts/against_*.py share: a server that is not ours, waited for, and parley run at it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def wait_until_up(url: str, server: subprocess.Popen[bytes], seconds: float) -> None:
    """Return once ``url`` answers; exit with a sentence if ``server`` dies or stays silent."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"The server exited with {server.returncode}; see its log.")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"The server did not answer {url} within {seconds:.0f} s.")


Key = tuple[str, str, str]
"""(provider, base URL, API key): a key ``parley keys set`` stores for the checks."""


def run_checks(
    checks: list[tuple[str, list[str], str | None]], home: Path, keys: tuple[Key, ...] = ()
) -> bool:
    """Run ``parley ARGS`` for each (what, ARGS, expected output or None for any non-empty
    output) with fresh config and cache folders under ``home``; print each outcome.

    Each of ``keys`` is stored first as a user stores it (``parley ask`` takes no key on the
    command line), in the keyring of this session, for its loopback base URL only; it is
    removed again at the end."""
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "NO_PROXY": "127.0.0.1,localhost",
    }
    for provider, base_url, key in keys:
        done = _parley(env, ["keys", "set", provider, "api_key", "--base-url", base_url], key)
        if done.returncode != 0:
            raise SystemExit(f"The key for {provider} could not be stored: {done.stderr.strip()}")
    try:
        return _run(checks, env)
    finally:
        for provider, base_url, _ in keys:
            _parley(env, ["keys", "remove", provider, "api_key", "--base-url", base_url])


def _parley(
    env: dict[str, str], args: list[str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gui", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _run(checks: list[tuple[str, list[str], str | None]], env: dict[str, str]) -> bool:
    passed = True
    for name, args, expected in checks:
        done = _parley(env, args)
        shown = done.stdout == expected if expected is not None else bool(done.stdout.strip())
        ok = done.returncode == 0 and shown
        passed &= ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}: exit {done.returncode}, {done.stdout[:60]!r}")
        if not ok:
            print(done.stderr, file=sys.stderr)
    return passed
