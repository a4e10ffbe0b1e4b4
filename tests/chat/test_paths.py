"""Where Parley's files go: the OS's folders, or all of them under PARLEY_HOME."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from chat import paths
from chat.models import default_cache_path
from chat.settings import Settings, default_path

FOLDERS = (paths.config_dir, paths.data_dir, paths.cache_dir, paths.log_dir)


def test_parley_home_holds_every_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_HOME", str(tmp_path / "stick"))
    found = [folder() for folder in FOLDERS]
    assert found == [tmp_path / "stick" / name for name in ("config", "data", "cache", "logs")]
    assert default_path() == tmp_path / "stick" / "config" / "settings.json"
    assert default_cache_path() == tmp_path / "stick" / "cache" / "models.json"


def test_a_relative_or_tilde_parley_home_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PARLEY_HOME", "portable")
    assert paths.data_dir() == tmp_path / "portable" / "data"
    monkeypatch.setenv("HOME", str(tmp_path / "me"))
    monkeypatch.setenv("PARLEY_HOME", "~/p")
    assert paths.config_dir() == tmp_path / "me" / "p" / "config"


@pytest.mark.parametrize("unset", ["", "  ", None])
def test_without_parley_home_the_os_folders_are_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unset: str | None
) -> None:
    if unset is None:
        monkeypatch.delenv("PARLEY_HOME")
    else:
        monkeypatch.setenv("PARLEY_HOME", unset)
    for variable, name in (
        ("XDG_CONFIG_HOME", "c"),
        ("XDG_DATA_HOME", "d"),
        ("XDG_CACHE_HOME", "k"),
        ("XDG_STATE_HOME", "s"),
    ):
        monkeypatch.setenv(variable, str(tmp_path / name))
    assert paths.config_dir() == tmp_path / "c" / "parley"
    assert paths.data_dir() == tmp_path / "d" / "parley"
    assert paths.cache_dir() == tmp_path / "k" / "parley"
    assert paths.log_dir() == tmp_path / "s" / "parley" / "log"


def test_settings_saved_under_parley_home_stay_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARLEY_HOME", str(tmp_path / "stick"))
    settings = Settings.load()
    settings.set("provider", "VoiGpt")
    settings.save()
    assert [p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()] == [
        Path("stick/config/settings.json")
    ]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux folders")
@pytest.mark.parametrize("xdg", ["absolute", "relative", "empty", "unset"])
@pytest.mark.parametrize("home", ["absolute", "relative", "unset"])
def test_the_linux_folders_are_the_ones_platformdirs_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, xdg: str, home: str
) -> None:
    import platformdirs

    monkeypatch.delenv("PARLEY_HOME", raising=False)
    values = {"absolute": str(tmp_path / "x-"), "relative": "x/y-", "empty": ""}
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        if xdg == "unset":
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, values[xdg] and values[xdg] + variable[4])
    if home == "unset":
        monkeypatch.delenv("HOME", raising=False)
    else:
        monkeypatch.setenv("HOME", str(tmp_path / "me") if home == "absolute" else "me")
    expected = [
        platformdirs.user_config_dir("parley", appauthor=False, roaming=True),
        platformdirs.user_data_dir("parley", appauthor=False),
        platformdirs.user_cache_dir("parley", appauthor=False),
        platformdirs.user_log_dir("parley", appauthor=False),
    ]
    assert [str(folder()) for folder in FOLDERS] == expected
