"""Where Parley keeps its files: the OS's folders for an app, or all under ``PARLEY_HOME``.

Without ``PARLEY_HOME`` the folders are the ones the OS sets aside for an app's settings, data,
caches and logs (platformdirs: ``~/.config/parley``, ``~/.local/share/parley``, ... on Linux,
with the XDG variables honoured; ``%LOCALAPPDATA%\\parley`` on Windows; ``~/Library/...`` on
macOS). With it, every file Parley writes goes under that one folder (``config/``, ``data/``,
``cache/``, ``logs/``): a portable install on a USB stick, or a test that must touch nothing else.
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "parley"
HOME_VARIABLE = "PARLEY_HOME"


def _home() -> Path | None:
    home = os.environ.get(HOME_VARIABLE, "").strip()
    return Path(home).expanduser().absolute() if home else None


def config_dir() -> Path:
    """Settings and the user's endpoints (never a secret: those are in the keyring)."""
    if home := _home():
        return home / "config"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False, roaming=True))


def data_dir() -> Path:
    """The conversations' database and its backups."""
    if home := _home():
        return home / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def cache_dir() -> Path:
    """What can be fetched again (model lists)."""
    if home := _home():
        return home / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def log_dir() -> Path:
    """Logs (which never hold a secret)."""
    if home := _home():
        return home / "logs"
    import platformdirs

    return Path(platformdirs.user_log_dir(APP, appauthor=False))
