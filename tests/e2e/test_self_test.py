"""``parley --self-test`` as a person runs it on a new install: a clean environment, no
screen, no keyring, no D-Bus; it passes quietly and leaves nothing behind, or fails with our
sentence."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from chat.cli import EXIT_USAGE, NO_SELF_TEST, main

ROOT = Path(__file__).resolve().parents[2]


def clean_environment(tmp_path: Path) -> tuple[dict[str, str], Path, Path]:
    """Only PATH, an empty HOME and an empty TMPDIR: no DISPLAY, QT_QPA_PLATFORM, D-Bus
    session, XDG variables or PARLEY_HOME (as root in CI, or over ssh)."""
    home, temporary = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    temporary.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TMPDIR": str(temporary),
    }
    return env, home, temporary


def self_test(
    env: dict[str, str], limit_file_size: int | None = None
) -> subprocess.CompletedProcess[str]:
    def limit() -> None:  # in the child, before Python starts (which ignores SIGXFSZ)
        if limit_file_size is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    return subprocess.run(
        [sys.executable, "-m", "gui", "--self-test"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=limit,
    )


def test_it_passes_quietly_and_leaves_nothing_behind(tmp_path: Path) -> None:
    env, home, temporary = clean_environment(tmp_path)
    done = self_test(env)
    assert (done.returncode, done.stderr) == (0, "")
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Parley ")
    assert lines[0].endswith(" self-test")
    checks = [line for line in lines if line.startswith("ok    ")]
    assert [
        line for line in lines[1:-1] if line not in checks
    ] == []  # no notes: Qt and the log said nothing
    assert len(checks) == 9
    assert any("a reply streams through the provider stack into the window" in c for c in checks)
    assert any("read back from the store, opened anew" in c for c in checks)
    assert lines[-1] == "Parley works: 9 checks passed."
    assert list(temporary.iterdir()) == []  # its PARLEY_HOME is gone
    assert list(home.iterdir()) == []  # and nothing of the user's was touched


def test_a_user_s_parley_home_is_left_alone(tmp_path: Path) -> None:
    env, _, _ = clean_environment(tmp_path)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "keep.txt").write_text("mine", encoding="utf-8")
    done = self_test({**env, "PARLEY_HOME": str(mine)})
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in mine.iterdir()) == ["keep.txt"]


def test_a_disk_that_takes_no_file_fails_it_with_our_sentence_and_nothing_left(
    tmp_path: Path,
) -> None:
    """A file size limit of 64 bytes: the temporary folder is made, but not its settings."""
    env, _, temporary = clean_environment(tmp_path)
    done = self_test(env, limit_file_size=64)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    failure = done.stderr.strip()
    assert failure.count("\n") == 0
    assert failure.startswith("parley: the self-test failed: ")
    assert "File too large" in failure
    assert failure.endswith(
        "report it with the output of `parley --version` and `parley --self-test`."
    )
    assert "ok    the window opens offscreen and paints" in done.stdout
    assert list(temporary.iterdir()) == []


def test_no_temporary_folder_at_all_says_what_to_do(tmp_path: Path) -> None:
    env, _, temporary = clean_environment(tmp_path)
    done = self_test(env, limit_file_size=0)  # not even the probe of a temporary folder
    assert done.returncode == 1
    assert done.stderr.startswith(
        "parley: the self-test needs a temporary folder and could not make one: set TMPDIR "
        "to a folder you can write to, then run it again ("
    )
    assert list(temporary.iterdir()) == []


def test_it_takes_no_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--self-test", "list"], self_test=lambda out, err: 0) == EXIT_USAGE
    assert capsys.readouterr().err == "parley: --self-test takes no command; run it alone.\n"


def test_without_the_window_it_says_how_to_run_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--self-test"]) == 1
    assert capsys.readouterr().err == NO_SELF_TEST + "\n"
