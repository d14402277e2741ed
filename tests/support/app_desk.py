"""What the app's tests against a real hub do the same way: the evidence they seed (a
lesson plan PDF, a photo) and the main window at 1366x768 on a signed-in profile,
synced, with one submission open. The hub and the signed-in profile are the fixtures
of tests/app/conftest.py."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from pytestqt.qtbot import QtBot

from assessor_app.services.account import ProfileSession
from assessor_app.ui.main_window import MainWindow
from assessor_app.ui.qt import QBuffer, QByteArray, QColor, QImage, QIODevice, QSettings
from assessor_app.ui.workspace.workspace import Workspace

LESSON_PLAN_PAGES = (
    "Lesson plan page 1: wait five seconds after asking",
    "Lesson plan page 2: wait five seconds after asking",
)


def lesson_plan_pdf(pages: Sequence[str] = LESSON_PLAN_PAGES) -> bytes:
    """An A4 PDF with one line of text a page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    for text in pages:
        pdf.drawString(72, 760, text)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def photo_png(width: int = 320, height: int = 240, colour: str = "#3a7a50") -> bytes:
    """A PNG of one colour (a QApplication must exist)."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def main_window(qtbot: QtBot, session: ProfileSession, tmp_path: Path) -> MainWindow:
    """The main window on ``session``'s profile, 1366x768, shown."""
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    return window


def sync(qtbot: QtBot, window: MainWindow) -> None:
    """Sync through the window and wait until its queue shows the result."""
    with qtbot.waitSignal(window.sync_runner.finished, timeout=60_000):
        window.sync_now()
    window.refresh_queue()
    qtbot.waitUntil(lambda: window.executors.db.wait(0), timeout=5000)


def open_workspace(qtbot: QtBot, window: MainWindow, assignment_id: str) -> Workspace:
    window.open_assignment(assignment_id)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10_000)
    workspace = window.workspace
    assert workspace is not None
    return workspace
