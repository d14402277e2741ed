"""Render the app icon (``resources/icons/assessor.svg``) to the PNG sizes desktops use
and to ``assessor.ico`` for Windows, with Qt's own SVG renderer (no extra tools).

    .venv/bin/python packaging/make_icons.py

The outputs are committed; run this again after editing the SVG. The macOS ``.icns`` is
made on a Mac from these PNGs with ``iconutil`` (packaging/macos/README.md).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / "assessor.svg"))
    if not renderer.isValid():
        raise SystemExit("assessor.svg is not a valid SVG")
    for size in SIZES:
        path = ICONS / f"assessor-{size}.png"
        if not render(renderer, size).save(str(path), "PNG"):
            raise SystemExit(f"could not write {path}")
    if not render(renderer, 256).save(str(ICONS / "assessor.ico"), "ICO"):
        raise SystemExit("could not write assessor.ico (Qt's ico image plugin is missing)")
    print(f"wrote {len(SIZES)} PNGs and assessor.ico to {ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
