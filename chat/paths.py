"""Where Parley keeps its files: the OS's folders for an app, or all under ``PARLEY_HOME``.

Without ``PARLEY_HOME`` the folders are the ones the OS sets aside for an app's settings, data,
caches and logs (platformdirs: ``~/.config/parley``, ``~/.local/share/parley``, ... on Linux,
with the XDG variables honoured; ``%LOCALAPPDATA%\\parley`` on Windows; ``~/Library/...`` on
macOS). With it, every file Parley writes goes under that one folder (``config/``, ``data/``,
``cache/``, ``logs/``): a portable install on a USB stick, or a test that must touch nothing else.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "parley"
HOME_VARIABLE = "PARLEY_HOME"


def _xdg(variable: str, fallback: str) -> Path | None:
    """On Linux, the XDG base folder ``variable`` names, as platformdirs finds it, without
    importing platformdirs (the window reads its place before it is painted); None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    value = os.environ.get(variable, "")
    if os.path.isabs(value):  # the XDG specification ignores a relative path
        return Path(value) / APP
    home = os.environ.get("HOME", "")
    if not os.path.isabs(home):
        import pwd

        home = pwd.getpwuid(os.getuid()).pw_dir
    return Path(home) / fallback / APP


def _home() -> Path | None:
    home = os.environ.get(HOME_VARIABLE, "").strip()
    return Path(home).expanduser().absolute() if home else None


def config_dir() -> Path:
    """Settings and the user's endpoints (never a secret: those are in the keyring)."""
    if home := _home():
        return home / "config"
    if linux := _xdg("XDG_CONFIG_HOME", ".config"):
        return linux
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False, roaming=True))


def data_dir() -> Path:
    """The conversations' database and its backups."""
    if home := _home():
        return home / "data"
    if linux := _xdg("XDG_DATA_HOME", ".local/share"):
        return linux
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def cache_dir() -> Path:
    """What can be fetched again (model lists)."""
    if home := _home():
        return home / "cache"
    if linux := _xdg("XDG_CACHE_HOME", ".cache"):
        return linux
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def log_dir() -> Path:
    """Logs (which never hold a secret)."""
    if home := _home():
        return home / "logs"
    if linux := _xdg("XDG_STATE_HOME", ".local/state"):
        return linux / "log"
    import platformdirs

    return Path(platformdirs.user_log_dir(APP, appauthor=False))
