"""Which Parleys still run, told by the locks on their files in ``parley.db.owners/``: every
running one is seen, a gone one's file is removed, and names that are no claim are passed by."""

from __future__ import annotations

from pathlib import Path

import pytest

from chat.store.owners import Owner, alive


def test_every_running_owner_is_seen_and_a_gone_one_s_file_is_removed(tmp_path: Path) -> None:
    folder = tmp_path / "parley.db.owners"
    first, second = Owner(folder), Owner(folder)
    gone = folder / ("0" * 32)
    gone.write_bytes(b"")
    try:
        tokens = {first.token, second.token, gone.name}
        assert alive(folder, tokens) == {first.token, second.token}
        assert not gone.exists()
    finally:
        first.release()
        second.release()


def test_names_that_are_no_claim_are_passed_by_whatever_their_order(tmp_path: Path) -> None:
    running = Owner(tmp_path / "parley.db.owners")
    try:
        for number in range(32):  # a set's order differs with its members: try many
            strays = {f"../claim{number}", f"unclaimed{number}"}  # not a name; no file
            assert alive(running.folder, {running.token, *strays}) == {running.token}
    finally:
        running.release()


def test_an_owner_another_parley_is_checking_at_that_moment_is_seen_gone(tmp_path: Path) -> None:
    fcntl = pytest.importorskip("fcntl")  # Windows has no shared lock to hold
    folder = tmp_path / "parley.db.owners"
    folder.mkdir()
    gone = folder / ("1" * 32)
    gone.write_bytes(b"")
    with gone.open("rb") as checker:  # the other Parley's check holds a shared lock
        fcntl.flock(checker.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        assert alive(folder, {gone.name}) == set()
