"""``parley``: no arguments opens the window; subcommands run without importing Qt."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from chat.conversation import Conversation
    from chat.transcript.options import ExportOptions


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args:  # a command, or an option the parser checks (an unknown one is a usage error)
        from chat.cli import main as cli_main

        return cli_main(args, pdf=write_pdf, self_test=self_test)
    if problem := display_problem(os.environ, sys.platform):
        print(f"parley: {problem}", file=sys.stderr)
        return 1
    import gc

    gc.disable()  # nothing made before the first paint is garbage: collect after it (gui.start)
    from gui.start import run

    return run([])


def write_pdf(conversations: Sequence[Conversation], path: Path, options: ExportOptions) -> None:
    """``parley export --format pdf``: Qt's text engine, with no window (Qt is imported only
    now, and only for this)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no screen is needed to write a PDF
    from .pdf_export import write_pdf as write

    write(conversations, path, options)


def self_test(out: TextIO, err: TextIO) -> int:
    """``parley --self-test``: the real window, offscreen (see gui.self_test)."""
    from .self_test import run_self_test

    return run_self_test(out, err)


def display_problem(env: Mapping[str, str], platform: str) -> str:
    """Why the window cannot open here (no display on Linux), or "" when it can.

    Qt aborts with a long message when it finds no display; this says what to do instead.
    """
    if not platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return ""
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return ""
    return (
        "the window needs a graphical display, and none was found (DISPLAY and "
        "WAYLAND_DISPLAY are unset). Start Parley from your desktop session, or use "
        "`parley ask ...` on this machine (see `parley --help`)."
    )


if __name__ == "__main__":
    sys.exit(main())
