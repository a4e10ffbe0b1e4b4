"""A desktop's session services for a benchmark's processes: a D-Bus session bus with an
unlocked Secret Service (gnome-keyring), as a person's desktop has, so that what Parley does
with the keyring at a start is measured as it happens there, never on the user's own keyring."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator

NEEDED = ("dbus-daemon", "gnome-keyring-daemon")


class NoDesktopError(RuntimeError):
    """dbus-daemon or gnome-keyring-daemon is not installed."""


@contextlib.contextmanager
def desktop_session(env: dict[str, str]) -> Iterator[dict[str, str]]:
    """``env`` joined to a fresh session bus whose keyring is unlocked and empty; both end
    with the block."""
    missing = [name for name in NEEDED if shutil.which(name) is None]
    if missing:
        raise NoDesktopError(
            f"This benchmark runs Parley as on a desktop, with a keyring: install "
            f"{' and '.join(missing)} (scripts/test-all.sh installs them when run as root)."
        )
    with tempfile.TemporaryDirectory(prefix="parley-bench-desktop-") as folder:
        run, data = os.path.join(folder, "run"), os.path.join(folder, "data")
        os.mkdir(run, 0o700)
        os.mkdir(data)
        base = {k: v for k, v in env.items() if k != "GNOME_KEYRING_CONTROL"}
        base |= {"XDG_RUNTIME_DIR": run, "XDG_DATA_HOME": data}
        bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=base,
        )
        try:
            assert bus.stdout is not None
            session = {**base, "DBUS_SESSION_BUS_ADDRESS": bus.stdout.readline().strip()}
            subprocess.run(
                ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
                input="parley-bench",
                env=session,
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            )
            yield session
        finally:
            bus.terminate()  # the keyring daemon leaves with its bus
            bus.wait(timeout=30)
