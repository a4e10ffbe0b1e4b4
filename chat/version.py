"""Parley's version: the one place it is written (pyproject, ``parley --version``, Help → About,
the packages and CHANGELOG.md's newest release all read or check it)."""

VERSION = "0.2.0"
