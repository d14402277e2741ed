"""The look the reports share: one palette, one set of paragraph styles and one ruled
table, so the educator's feedback report and the calibration report read as one family."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import TableStyle

from assessor_app.reports.fonts import ReportFonts

INK = colors.HexColor("#1f2328")
MUTED = colors.HexColor("#57606a")
RULE = colors.HexColor("#b8c0c8")
HEADER_FILL = colors.HexColor("#eef1f4")


class ReportStyles:
    """Body text, small print, labels, the title block and two heading levels."""

    def __init__(self, fonts: ReportFonts) -> None:
        base = ParagraphStyle(
            "body", fontName=fonts.regular, fontSize=10, leading=14, textColor=INK, spaceAfter=4
        )
        self.body = base
        self.small = ParagraphStyle("small", parent=base, fontSize=9, leading=12, spaceAfter=0)
        self.small_bold = ParagraphStyle("small_bold", parent=self.small, fontName=fonts.bold)
        self.muted = ParagraphStyle("muted", parent=base, textColor=MUTED, fontName=fonts.italic)
        self.label = ParagraphStyle("label", parent=base, fontName=fonts.bold, spaceAfter=0)
        self.value = ParagraphStyle("value", parent=base, spaceAfter=0)
        self.title = ParagraphStyle(
            "title", parent=base, fontName=fonts.bold, fontSize=20, leading=25, spaceAfter=2
        )
        self.subtitle = ParagraphStyle(
            "subtitle", parent=base, fontSize=13, leading=17, textColor=MUTED, spaceAfter=10
        )
        self.h2 = ParagraphStyle(
            "h2",
            parent=base,
            fontName=fonts.bold,
            fontSize=14,
            leading=18,
            spaceBefore=14,
            spaceAfter=6,
            keepWithNext=1,
        )
        self.h3 = ParagraphStyle(
            "h3",
            parent=base,
            fontName=fonts.bold,
            fontSize=11.5,
            leading=15,
            spaceBefore=12,
            spaceAfter=4,
        )


def grid_style(top_padding: float = 3, bottom_padding: float = 4) -> TableStyle:
    """A table ruled all over, its header row shaded, each cell's text at its top."""
    return TableStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (0, 0), (-1, -1), 0.5, RULE),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("TOPPADDING", (0, 0), (-1, -1), top_padding),
            ("BOTTOMPADDING", (0, 0), (-1, -1), bottom_padding),
        ]
    )
