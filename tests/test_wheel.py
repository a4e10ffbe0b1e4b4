"""What the wheel installs: Parley's four packages and its metadata, nothing else, nothing missing.

The wheel puts top-level packages named ``chat``, ``gui``, ``providers`` and ``resources`` into the
environment it is installed in: the reason Parley installs into an environment of its own (the
install script's venv, pipx, the bundle or the .deb), never a shared one (README).
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest

from chat.version import VERSION

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("chat", "gui", "providers", "resources")
DIST_INFO = f"parley_desktop-{VERSION}.dist-info"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    # no build isolation: the environment's setuptools builds it, with no download
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    command += ["--disable-pip-version-check", "-w", str(out), str(ROOT)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    (path,) = out.glob("*.whl")
    assert path.name == f"parley_desktop-{VERSION}-py3-none-any.whl"
    return zipfile.ZipFile(io.BytesIO(path.read_bytes()))


def in_the_tree() -> set[str]:
    """Every file of the four packages that git knows of (no caches, no local leftovers)."""
    listed = subprocess.run(
        ["git", "ls-files", "--", *PACKAGES], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return {name for name in listed if (ROOT / name).is_file()}


def test_the_wheel_holds_the_four_packages_whole_and_nothing_else(wheel: zipfile.ZipFile) -> None:
    names = {name for name in wheel.namelist() if not name.startswith(DIST_INFO + "/")}
    assert names == in_the_tree()
    assert {name.split("/")[0] for name in wheel.namelist()} == {*PACKAGES, DIST_INFO}


def test_resources_is_a_package_with_its_data(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    assert "resources/__init__.py" in names
    sizes = (16, 32, 48, 64, 128, 256)
    assert {f"resources/icons/parley-{size}.png" for size in sizes} <= names
    assert {"resources/parley.svg", "resources/parley-transcript.schema.json"} <= names


def test_the_metadata_names_parley_desktop_at_the_one_version(wheel: zipfile.ZipFile) -> None:
    metadata = HeaderParser().parsestr(wheel.read(f"{DIST_INFO}/METADATA").decode())
    assert (metadata["Name"], metadata["Version"]) == ("parley-desktop", VERSION)
    assert metadata.get_all("Provides-Extra") == ["socks", "test", "mutation", "bench"]


def test_parley_is_a_console_script_and_parley_gui_a_gui_one(wheel: zipfile.ZipFile) -> None:
    entry_points = wheel.read(f"{DIST_INFO}/entry_points.txt").decode()
    assert "[console_scripts]\nparley = gui.__main__:main\n" in entry_points
    assert "[gui_scripts]\nparley-gui = gui.__main__:main\n" in entry_points
    assert "[parley.providers]\n" in entry_points
