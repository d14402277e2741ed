"""The landscape A4 page the calibration and reliability reports are printed on: its
margins, the width left for content, and the document with a footer on every page (the
report's words on the left, the page number on the right)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate

from assessor_app.reports.fonts import ReportFonts
from assessor_app.reports.styles import MUTED

PAGE_SIZE = landscape(A4)
MARGIN = 15 * mm
CONTENT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN - 12


def build_landscape_pdf(
    out: Path | BinaryIO,
    story: list[Flowable],
    fonts: ReportFonts,
    footer: str,
    *,
    title: str,
    subject: str | None = None,
) -> None:
    """Write ``story`` to ``out``, ``title`` and ``subject`` in the document's properties."""
    doc = SimpleDocTemplate(
        str(out) if isinstance(out, Path) else out,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        author="Assessor",
        creator="Assessor",
        lang="en",
        displayDocTitle=True,
        initialFontName=fonts.regular,
        title=title,
        subject=subject,
    )

    def page(canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(fonts.regular, 8.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN + 6, MARGIN - 2 * mm, footer)
        canvas.drawRightString(
            PAGE_SIZE[0] - MARGIN - 6, MARGIN - 2 * mm, f"Page {canvas.getPageNumber()}"
        )
        canvas.restoreState()

    doc.build(story, onFirstPage=page, onLaterPages=page)
