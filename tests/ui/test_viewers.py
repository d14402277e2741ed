"""The PDF, image, text and CSV viewers load real files from memory and give cite targets."""

from __future__ import annotations

import io

from pytestqt.qtbot import QtBot

from assessor_app.domain import (
    Artifact,
    Citation,
    ImageRegion,
    PdfPage,
    Quote,
    TableCell,
    TimeRange,
)
from assessor_app.domain.citations import describe_citation
from assessor_app.ui.qt import QPointF, Qt
from assessor_app.ui.viewers.csv_viewer import CsvViewer, parse_csv
from assessor_app.ui.viewers.image_viewer import ImageViewer
from assessor_app.ui.viewers.pdf_viewer import PdfViewer
from assessor_app.ui.viewers.text_viewer import TextViewer

PDF = Artifact("pdf-1", "plan.pdf", "application/pdf", 1, "0" * 64, "Lesson plan")
PNG = Artifact("png-1", "work.png", "image/png", 1, "1" * 64, "Student work")
CSV = Artifact("csv-1", "checks.csv", "text/csv", 1, "2" * 64, "Check results")
MD = Artifact("md-1", "reflection.md", "text/markdown", 1, "3" * 64, "Reflection")


def test_pdf_viewer_pages_zoom_selection_and_citations(qtbot: QtBot, pdf_bytes: bytes) -> None:
    viewer = PdfViewer()
    qtbot.addWidget(viewer)
    viewer.resize(800, 900)
    viewer.show()
    with qtbot.waitSignal(viewer.loaded, timeout=5000):
        viewer.load(io.BytesIO(pdf_bytes), PDF)
    assert viewer.page_count() == 2
    qtbot.waitUntil(viewer.is_rendered, timeout=5000)
    assert viewer.cite_target() == PdfPage(1)
    assert viewer.citation() == Citation("pdf-1", PdfPage(1))

    viewer.next()
    assert viewer.cite_target() == PdfPage(2)
    assert viewer.page_box.value() == 2
    viewer.step_zoom(1)
    assert viewer.zoom() == 1.25
    assert viewer.position_state() == {"page": 2, "zoom": 1.25}

    # Dragging across the first line of page 2 selects its text as a quote.
    scale = viewer.scale()
    line = 842 - 760 - 4  # PDF points from the top, inside the first line of text
    start = QPointF(60 * scale, line * scale)  # in the margin, left of the text
    end = QPointF(400 * scale, line * scale)
    viewer.select_between(viewer.to_page_point(start), viewer.to_page_point(end))
    target = viewer.cite_target()
    assert isinstance(target, Quote)
    assert "think pair share" in target.text
    assert target.page == 2  # the quote keeps its page for the chip and the report

    # A drag that starts inside "two" and ends inside "think" selects both words whole.
    inside_two, inside_think = (
        QPointF(117 * scale, line * scale),
        QPointF(150 * scale, line * scale),
    )
    viewer.select_between(viewer.to_page_point(inside_two), viewer.to_page_point(inside_think))
    assert viewer.cite_target() == Quote("two: think", page=2)

    # Find selects text on another page for keyboard users, and go_to follows chips.
    assert viewer.find_text("hinge question")
    assert viewer.current_page() == 0
    assert viewer.cite_target() == Quote("hinge question", page=1)
    assert viewer.go_to(PdfPage(2)) and viewer.current_page() == 1
    assert viewer.go_to(Quote("Exit ticket", page=2)) and viewer.current_page() == 1
    assert viewer.cite_target() == Quote("Exit ticket", page=2)
    assert not viewer.go_to(PdfPage(9))
    assert not viewer.go_to(TimeRange(0, 1000))

    reopened = PdfViewer()
    qtbot.addWidget(reopened)
    reopened.restore_position_state({"page": 2, "zoom": 1.5})
    with qtbot.waitSignal(reopened.loaded, timeout=5000):
        reopened.load(io.BytesIO(pdf_bytes), PDF)
    assert reopened.current_page() == 1 and reopened.zoom() == 1.5


def test_pdf_viewer_reports_a_damaged_file(qtbot: QtBot) -> None:
    viewer = PdfViewer()
    qtbot.addWidget(viewer)
    with qtbot.waitSignal(viewer.failed, timeout=5000) as blocker:
        viewer.load(io.BytesIO(b"%PDF-1.4 this is not really a pdf"), PDF)
    assert "Lesson plan" in blocker.args[0]
    assert viewer.message() == blocker.args[0]
    assert viewer.cite_target() is None


def test_image_viewer_decodes_off_thread_zooms_and_fits(qtbot: QtBot, png_bytes: bytes) -> None:
    viewer = ImageViewer()
    qtbot.addWidget(viewer)
    viewer.resize(320, 240)
    viewer.show()
    with qtbot.waitSignal(viewer.loaded, timeout=5000):
        viewer.load(io.BytesIO(png_bytes), PNG)
    assert viewer.image_size == (640, 480)
    fitted = viewer.zoom()
    assert 0.3 < fitted < 0.6
    viewer.zoom_by(2.0)
    assert abs(viewer.zoom() - fitted * 2) < 1e-6
    state = viewer.position_state()
    assert state["fitted"] is False
    viewer.fit()
    assert abs(viewer.zoom() - fitted) < 1e-6
    assert viewer.cite_target() is None


def test_image_viewer_drag_marks_a_region_to_cite(qtbot: QtBot, png_bytes: bytes) -> None:
    viewer = ImageViewer()
    qtbot.addWidget(viewer)
    viewer.resize(680, 520)
    viewer.show()
    with qtbot.waitSignal(viewer.loaded, timeout=5000):
        viewer.load(io.BytesIO(png_bytes), PNG)
    view, port = viewer.view, viewer.view.viewport()
    start, end = view.mapFromScene(QPointF(100, 120)), view.mapFromScene(QPointF(300, 220))
    qtbot.mousePress(port, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(port, end)
    qtbot.mouseRelease(port, Qt.MouseButton.LeftButton, pos=end)
    target = viewer.cite_target()
    assert isinstance(target, ImageRegion)
    r = target.rect
    # Image pixels, whatever the zoom (to the pixel the screen can point at).
    assert abs(r.x - 100) <= 2 and abs(r.y - 120) <= 2
    assert abs(r.width - 200) <= 2 and abs(r.height - 100) <= 2
    assert viewer.citation() == Citation(PNG.id, target)
    assert describe_citation(Citation(PNG.id, target), {PNG.id: PNG}) == "Student work, region"
    # A drag past the edge stops at the image.
    beyond = view.mapFromScene(QPointF(900, 900))
    qtbot.mousePress(port, Qt.MouseButton.LeftButton, pos=end)
    qtbot.mouseMove(port, beyond)
    qtbot.mouseRelease(port, Qt.MouseButton.LeftButton, pos=beyond)
    clamped = viewer.cite_target()
    assert isinstance(clamped, ImageRegion)
    assert clamped.rect.x + clamped.rect.width == 640
    assert clamped.rect.y + clamped.rect.height == 480
    # Esc clears the region; a chip brings it back.
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert viewer.cite_target() is None and viewer.region() is None
    assert viewer.go_to(target) and viewer.region() == target.rect
    # A click without a drag clears it too.
    qtbot.mouseClick(port, Qt.MouseButton.LeftButton, pos=start)
    assert viewer.cite_target() is None
    assert not viewer.go_to(PdfPage(1))


def test_image_viewer_reports_an_unreadable_image(qtbot: QtBot) -> None:
    viewer = ImageViewer()
    qtbot.addWidget(viewer)
    with qtbot.waitSignal(viewer.failed, timeout=5000) as blocker:
        viewer.load(io.BytesIO(b"not an image"), PNG)
    assert "Student work" in blocker.args[0] and "could not be shown" in blocker.args[0]


def test_text_viewer_renders_markdown_and_quotes_the_selection(
    qtbot: QtBot, markdown_bytes: bytes
) -> None:
    viewer = TextViewer()
    qtbot.addWidget(viewer)
    with qtbot.waitSignal(viewer.loaded, timeout=2000):
        viewer.load(io.BytesIO(markdown_bytes), MD)
    plain = viewer.browser.toPlainText()
    assert "# Reflection" not in plain and "Reflection" in plain  # rendered, not raw
    assert viewer.cite_target() is None
    assert viewer.go_to(Quote("counted to five silently"))
    assert viewer.cite_target() == Quote("counted to five silently")
    assert not viewer.go_to(Quote("never written"))


def test_csv_viewer_is_tolerant_and_quotes_cells(qtbot: QtBot, csv_bytes: bytes) -> None:
    viewer = CsvViewer()
    qtbot.addWidget(viewer)
    with qtbot.waitSignal(viewer.loaded, timeout=5000):
        viewer.load(io.BytesIO(csv_bytes), CSV)
    model = viewer.model
    assert model is not None
    assert model.table.header == ["student", "check 1", "check 2", "Column 4"]
    assert model.rowCount() == 4
    assert model.index(2, 2).data() == ""  # the short row is padded
    assert "2 rows had a different number of fields" in viewer.notice.text()
    assert viewer.notice.isVisibleTo(viewer)

    # One cell cites as that cell: its row by the row's first cell, its column by heading.
    viewer.table.setCurrentIndex(model.index(1, 1))
    assert viewer.cite_target() == TableCell("S02", "check 1", "partly")
    artifacts = {CSV.id: CSV}
    assert (
        describe_citation(Citation(CSV.id, TableCell("S02", "check 1", "partly")), artifacts)
        == "Check results, row S02, column check 1"
    )
    viewer.table.setCurrentIndex(model.index(3, 3))
    assert viewer.cite_target() == TableCell("S04", "Column 4", "extra")
    assert viewer.go_to(TableCell("S01", "check 2", "secure"))
    assert (viewer.table.currentIndex().row(), viewer.table.currentIndex().column()) == (0, 2)
    assert not viewer.go_to(TableCell("S99", "check 2"))
    # Several cells quote as before.
    viewer.table.selectAll()
    several = viewer.cite_target()
    assert isinstance(several, Quote) and several.text.startswith("student: S01; check 1: secure")
    assert viewer.go_to(Quote("check 1: not yet"))
    assert viewer.table.currentIndex().row() == 2
    assert viewer.position_state()["row"] == 2


def test_parse_csv_reports_empty_and_bad_input() -> None:
    assert parse_csv(b"").problems == ["The file has no rows."]
    table = parse_csv(b"a,b\n1,2\n\xff\xfe,3\n")
    assert table.rows[0] == ["1", "2"]
    assert len(table.rows) == 2
