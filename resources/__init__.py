"""Parley's data (icons, the desktop file, the transcript schema), read with importlib.resources."""
