"""The window's icon: PNG sizes drawn from the SVG source, kept in step with it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from gui.start import window_icon

ROOT = Path(__file__).resolve().parents[2]


def icons_module() -> Any:
    """packaging/icons.py (a script: ``packaging`` is not a package to import)."""
    spec = importlib.util.spec_from_file_location("icons", ROOT / "packaging" / "icons.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("size", [16, 32, 48, 64, 128, 256])
def test_each_png_is_the_svg_drawn_at_its_size(qapp: QApplication, size: int) -> None:
    icons = icons_module()
    stored = QImage(str(icons.png_path(size))).convertToFormat(QImage.Format.Format_ARGB32)
    drawn = icons.draw(size)
    assert (stored.width(), stored.height()) == (size, size)
    assert stored == drawn, "run `python packaging/icons.py` after changing the SVG"


def test_the_window_icon_has_every_size_and_no_svg(qapp: QApplication) -> None:
    icon = window_icon()
    assert sorted(s.width() for s in icon.availableSizes()) == [16, 32, 48, 64, 128, 256]
