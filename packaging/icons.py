"""Draw the application icon's PNG sizes from its SVG source: ``python packaging/icons.py``
(the window uses the PNGs, so that it never loads Qt's SVG module at start; the installers
take the sizes for the desktop's icon theme). A test checks they match the SVG."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "resources" / "parley.svg"
SIZES = (16, 32, 48, 64, 128, 256)


def png_path(size: int) -> Path:
    return ROOT / "resources" / "icons" / f"parley-{size}.png"


def draw(size: int) -> object:
    """The icon drawn at ``size`` pixels (a QImage)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(SOURCE)).render(painter)
    painter.end()
    return image


def main() -> int:
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    png_path(SIZES[0]).parent.mkdir(exist_ok=True)
    for size in SIZES:
        draw(size).save(str(png_path(size)))  # type: ignore[attr-defined]
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
