"""The shortcut sheet lists every key; the screenshot builders render."""

from __future__ import annotations

import re
from pathlib import Path

from pytestqt.qtbot import QtBot

from assessor_app.ui.main_window import MainWindow
from assessor_app.ui.qt import QImage, QSettings, Qt
from assessor_app.ui.shortcut_sheet import ShortcutSheet
from assessor_app.ui.shortcuts import SHORTCUTS
from tests.ui.samples import ROOT
from tests.ui.screenshots import (
    build_queue,
    build_rubric_overview,
    build_rubric_panel,
    build_shortcut_sheet,
    render,
)


def test_shortcut_sheet_lists_every_key(qtbot: QtBot) -> None:
    """The sheet shows SHORTCUTS whole, in order, each key with its action; the README's
    key table is held to the same list below, so the sheet and the README agree."""
    sheet = ShortcutSheet()
    qtbot.addWidget(sheet)
    rows = [
        (sheet.table.item(row, 0).text(), sheet.table.item(row, 1).text())
        for row in range(sheet.table.rowCount())
    ]
    assert rows == [(s.keys, s.action) for s in SHORTCUTS]
    assert sheet.listed_keys() == [s.keys for s in SHORTCUTS]
    assert sheet.table.accessibleName() == "Shortcut table"


def _readme_keys() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("| key | action |") :].split("\n\n", 1)[0]
    rows = re.findall(r"^\| (.+?) \| (.+?) \|$", table, flags=re.MULTILINE)
    return [(k, a) for k, a in rows if k not in ("key", "---")]


def test_readme_lists_the_key_table_as_the_sheet_does() -> None:
    assert _readme_keys() == [(s.keys, s.action) for s in SHORTCUTS]


def test_f1_and_question_mark_open_the_sheet_from_the_main_window(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window = MainWindow(None, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    # F1 works anywhere, even while typing a filter; ? where it is not typed text.
    for key, focus in (
        (Qt.Key.Key_F1, window.queue.filter_edit),
        (Qt.Key.Key_Question, window.queue.table),
    ):
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        focus.setFocus()
        qtbot.keyClick(focus, key)
        qtbot.waitUntil(lambda: window.findChild(ShortcutSheet) is not None, timeout=2000)
        sheet = window.findChild(ShortcutSheet)
        assert sheet.isVisible() and len(sheet.listed_keys()) == len(SHORTCUTS)
        sheet.close()  # Esc's job; the sheet deletes itself on close
        qtbot.waitUntil(lambda: window.findChild(ShortcutSheet) is None, timeout=2000)


def test_screenshot_builders_render_non_blank_images(qtbot: QtBot, tmp_path: Path) -> None:
    queue = build_queue(QSettings(str(tmp_path / "q.ini"), QSettings.Format.IniFormat))
    panel = build_rubric_panel()
    overview = build_rubric_overview()
    sheet = build_shortcut_sheet()
    for widget in (queue, panel, overview, sheet):
        qtbot.addWidget(widget)
    for widget, name in (
        (queue, "queue.png"),
        (panel, "rubric.png"),
        (overview, "overview.png"),
        (sheet, "sheet.png"),
    ):
        render(widget, tmp_path / name)
        image = QImage(str(tmp_path / name))
        assert image.width() == widget.width() and image.height() == widget.height()
        colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, 200, 5)}
        assert len(colours) > 5  # text and frames, not an empty fill
    assert (ROOT / "docs" / "screenshots" / "rubric-panel.png").exists()
