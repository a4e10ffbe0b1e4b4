"""``parley``: no arguments opens the window; subcommands run without importing Qt."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if (args and not args[0].startswith("-")) or any(
        a in ("--version", "-h", "--help") for a in args
    ):
        from chat.cli import main as cli_main

        return cli_main(args)
    from gui.app import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
