"""The reliability report as a PDF for a programme lead: per credential the headline
figures with what they rest on, a table of assessors, a bar chart of each assessor's
second-read agreement, and the weekly course (drift) of the figures as a line chart and a
table. Built with reportlab Platypus from ``protocol.reliability.ReliabilityReport`` only;
shares and kappa are worded as the calibration views and report word them
(``domain/calibration_display.py``). Charts are reportlab graphics, so labels stay text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
)

from assessor_app.domain.calibration_display import format_share, format_statistic
from assessor_app.domain.wording import plural
from assessor_app.protocol.reliability import (
    NOTHING_YET,
    CredentialReliability,
    ReliabilityFigures,
    ReliabilityReport,
    WeekFigures,
)
from assessor_app.reports.fonts import ReportFonts, load_fonts
from assessor_app.reports.landscape_pdf import CONTENT_WIDTH, build_landscape_pdf
from assessor_app.reports.styles import ReportStyles, grid_style

__all__ = ["build_reliability_pdf"]

_SERIES = (
    ("exact_agreement", "Second reads: exact agreement", colors.HexColor("#2f6f9f")),
    ("adjacent_agreement", "Second reads: exact or adjacent", colors.HexColor("#7a4fa0")),
    ("validity_accuracy", "Validity papers: exact with the key", colors.HexColor("#2e7d4f")),
    ("backread_disagreement", "Backreading: criteria disagreed", colors.HexColor("#b5562b")),
)
_MARKERS = ("FilledCircle", "FilledSquare", "FilledDiamond", "FilledTriangle")

MEANINGS = (
    "Exact / adjacent agreement: of the criteria both reads of a double-read submission "
    "scored, the share at the same level / at most one level apart. Kappa (quadratic): "
    "agreement beyond chance, with far-apart levels weighing more; 0.61-0.80 is "
    "substantial, above 0.80 almost perfect. Adjudication rate: the share of double-read "
    "submissions whose reads disagreed under the plan's rule. Validity accuracy: the share "
    "of a validity paper's criteria scored exactly as its key. Backread disagreement: the "
    "share of backread criteria a backreader disagreed with."
)


def _kappa(figures: ReliabilityFigures) -> str:
    return format_statistic(
        "cohen_kappa_quadratic", figures.kappa_quadratic, figures.criterion_pairs
    )


def _with_count(share: float | None, count: int, noun: str, nouns: str | None = None) -> str:
    return f"{format_share(share)} ({plural(count, noun, nouns)})" if count else "n/a"


def build_reliability_pdf(
    out: Path | BinaryIO, report: ReliabilityReport, fonts: ReportFonts | None = None
) -> None:
    """Write ``report`` as a PDF to ``out``."""
    fonts = fonts or load_fonts()
    writer = _Writer(fonts)
    story: list[Flowable] = writer.header(report)
    for credential in report.credentials:
        story += writer.credential(credential)
    footer = f"Reliability report · {report.generated_at:%d %b %Y %H:%M} UTC"
    build_landscape_pdf(out, story, fonts, footer, title="Reliability report")


class _Writer:
    def __init__(self, fonts: ReportFonts) -> None:
        self.fonts = fonts
        self.s = ReportStyles(fonts)

    def para(self, text: str, style: Any) -> Paragraph:
        return Paragraph(escape(self.fonts.text(text)), style)

    def header(self, report: ReliabilityReport) -> list[Flowable]:
        scope = (
            f"Work recorded since {report.since:%d %b %Y}"
            if report.since is not None
            else "All recorded work"
        )
        story: list[Flowable] = [
            self.para("Reliability report", self.s.title),
            self.para(
                f"{scope} · {plural(len(report.credentials), 'credential')} · generated "
                f"{report.generated_at:%d %b %Y %H:%M} UTC",
                self.s.subtitle,
            ),
            self.para(MEANINGS, self.s.muted),
        ]
        if not report.credentials:
            story.append(self.para("No credential has scoring data yet.", self.s.body))
        return story

    def credential(self, item: CredentialReliability) -> list[Flowable]:
        story: list[Flowable] = [self.para(f"{item.title} ({item.credential_id})", self.s.h2)]
        if not item.weeks:
            story.append(self.para(NOTHING_YET, self.s.muted))
            return story
        story.append(self.summary(item.figures))
        if item.assessors:
            story += [self.para("Assessors", self.s.h3), self.assessors(item)]
            chart = self.agreement_chart(item)
            if chart is not None:
                story.append(chart)
        if item.weeks:
            story += self.drift(item.weeks)
        if item.assessors and item.weeks:
            story += self.assessor_drift(item)
        return story

    def assessor_drift(self, item: CredentialReliability) -> list[Flowable]:
        """Assessors x weeks: each assessor's second-read exact agreement per week (the
        last eight weeks), so a lead sees who drifts."""
        starts = [w.week_start for w in item.weeks][-8:]
        rows = [["Assessor", *(f"{d:%d %b}" for d in starts)]]
        for a in item.assessors:
            mine = {w.week_start: w for w in a.weeks}
            cells = []
            for start in starts:
                week = mine.get(start)
                if week is None or week.exact_agreement is None:
                    cells.append("–")
                else:
                    cells.append(
                        f"{format_share(week.exact_agreement)} "
                        f"({plural(week.second_reads, 'read')})"
                    )
            rows.append([f"{a.display_name} ({a.username})", *cells])
        width = (CONTENT_WIDTH - 56 * mm) / max(len(starts), 1)
        return [
            self.para("Exact agreement per assessor and week", self.s.h3),
            self.para(
                "Second reads only; a dash is a week without a double-read submission.",
                self.s.muted,
            ),
            self.table(rows, [56 * mm, *([min(width, 30 * mm)] * len(starts))]),
        ]

    def summary(self, f: ReliabilityFigures) -> Table:
        rows = [
            ["Figure", "Value", "Based on"],
            [
                "Exact agreement",
                format_share(f.exact_agreement),
                plural(f.criterion_pairs, "criterion pair"),
            ],
            [
                "Exact or adjacent",
                format_share(f.adjacent_agreement),
                plural(f.criterion_pairs, "criterion pair"),
            ],
            ["Kappa (quadratic)", _kappa(f), plural(f.criterion_pairs, "criterion pair")],
            [
                "Adjudication rate",
                format_share(f.adjudication_rate),
                plural(f.second_reads, "double-read submission"),
            ],
            [
                "Validity accuracy",
                format_share(f.validity_accuracy),
                plural(f.validity_papers, "validity paper"),
            ],
            [
                "Backread disagreement",
                format_share(f.backread_disagreement),
                plural(f.backread_criteria, "backread criterion", "backread criteria"),
            ],
        ]
        return self.table(rows, [55 * mm, 45 * mm, 70 * mm])

    def assessors(self, item: CredentialReliability) -> Table:
        rows = [
            [
                "Assessor",
                "Second reads",
                "Exact",
                "Exact or adjacent",
                "Kappa (quadratic)",
                "Adjudicated",
                "Validity accuracy",
                "Backread disagreement",
            ]
        ]
        for a in item.assessors:
            f = a.figures
            rows.append(
                [
                    f"{a.display_name} ({a.username})",
                    str(f.second_reads),
                    format_share(f.exact_agreement),
                    format_share(f.adjacent_agreement),
                    _kappa(f),
                    format_share(f.adjudication_rate),
                    _with_count(f.validity_accuracy, f.validity_papers, "paper"),
                    _with_count(
                        f.backread_disagreement, f.backread_criteria, "criterion", "criteria"
                    ),
                ]
            )
        widths = [56 * mm, 22 * mm, 18 * mm, 24 * mm, 36 * mm, 26 * mm, 32 * mm, 40 * mm]
        return self.table(rows, widths)

    def agreement_chart(self, item: CredentialReliability) -> Flowable | None:
        rated = [a for a in item.assessors if a.figures.exact_agreement is not None]
        if not rated:
            return None
        height = 22 * mm + 9 * mm * len(rated)
        drawing = Drawing(CONTENT_WIDTH, height)
        chart = HorizontalBarChart()
        chart.x, chart.y = 150, 20
        chart.width, chart.height = round(CONTENT_WIDTH - 200), round(height - 30)
        chart.data = [
            [round((a.figures.exact_agreement or 0) * 100) for a in reversed(rated)],
            [round((a.figures.adjacent_agreement or 0) * 100) for a in reversed(rated)],
        ]
        chart.categoryAxis.categoryNames = [self.fonts.text(a.username) for a in reversed(rated)]
        chart.categoryAxis.labels.fontName = self.fonts.regular
        chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
        chart.valueAxis.labels.fontName = self.fonts.regular
        chart.valueAxis.labelTextFormat = "%d%%"
        chart.bars[0].fillColor = _SERIES[0][2]
        chart.bars[1].fillColor = _SERIES[1][2]
        drawing.add(chart)
        legend = Legend()
        legend.x, legend.y = chart.x + chart.width + 10, round(height - 10)
        self.legend_style(legend)
        legend.colorNamePairs = [(_SERIES[0][2], "Exact"), (_SERIES[1][2], "Exact or adjacent")]
        drawing.add(legend)
        title = self.para("Second-read agreement per assessor", self.s.h3)
        return KeepTogether([title, drawing])

    def drift(self, weeks: list[WeekFigures]) -> list[Flowable]:
        lead: list[Flowable] = [
            self.para("Weekly drift", self.s.h3),
            self.para(
                "Each point is one week (starting Monday); a week without that kind of work "
                "has no point.",
                self.s.muted,
            ),
        ]
        height = 70 * mm
        drawing = Drawing(CONTENT_WIDTH, height)
        plot = LinePlot()
        plot.x, plot.y = 40, 25
        plot.width, plot.height = round(CONTENT_WIDTH - 260), round(height - 40)
        series = []
        shown = []
        for name, label, colour in _SERIES:
            points = [
                (i, float(getattr(w, name)) * 100)
                for i, w in enumerate(weeks)
                if getattr(w, name) is not None
            ]
            if points:
                series.append(points)
                shown.append((label, colour))
        if series:
            plot.data = series
            for index, (_, colour) in enumerate(shown):
                plot.lines[index].strokeColor = colour
                plot.lines[index].symbol = makeMarker(_MARKERS[index])
                plot.lines[index].symbol.fillColor = colour
            plot.xValueAxis.valueMin = -0.5
            plot.xValueAxis.valueMax = len(weeks) - 0.5
            plot.xValueAxis.valueSteps = list(range(len(weeks)))
            plot.xValueAxis.labelTextFormat = lambda v: (
                f"{weeks[int(v)].week_start:%d %b}" if 0 <= int(v) < len(weeks) else ""
            )
            plot.xValueAxis.labels.fontName = self.fonts.regular
            plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = 0, 100
            plot.yValueAxis.valueStep = 20
            plot.yValueAxis.labelTextFormat = "%d%%"
            plot.yValueAxis.labels.fontName = self.fonts.regular
            drawing.add(plot)
            legend = Legend()
            legend.x, legend.y = plot.x + plot.width + 20, round(height - 10)
            self.legend_style(legend)
            legend.colorNamePairs = [(colour, label) for label, colour in shown]
            drawing.add(legend)
        rows = [
            [
                "Week of",
                "Double reads",
                "Exact",
                "Adjacent",
                "Kappa (quadratic)",
                "Adjudicated",
                "Validity",
                "Backread disagreement",
            ]
        ]
        for w in weeks:
            rows.append(
                [
                    f"{w.week_start:%d %b %Y}",
                    str(w.second_reads),
                    format_share(w.exact_agreement),
                    format_share(w.adjacent_agreement),
                    _kappa(w),
                    format_share(w.adjudication_rate),
                    _with_count(w.validity_accuracy, w.validity_papers, "paper"),
                    _with_count(
                        w.backread_disagreement, w.backread_criteria, "criterion", "criteria"
                    ),
                ]
            )
        widths = [30 * mm, 24 * mm, 18 * mm, 24 * mm, 36 * mm, 26 * mm, 32 * mm, 40 * mm]
        return [KeepTogether([*lead, drawing]), Spacer(1, 4 * mm), self.table(rows, widths)]

    def legend_style(self, legend: Legend) -> None:
        # One column, each swatch before its words.
        legend.fontName = self.fonts.regular
        legend.fontSize = 8
        legend.alignment = "right"
        legend.columnMaximum = len(_SERIES)
        legend.dx, legend.dy, legend.deltay = 8, 8, 12

    def table(self, rows: list[list[str]], widths: list[float]) -> Table:
        cells = [
            [self.para(text, self.s.small_bold if r == 0 else self.s.small) for text in row]
            for r, row in enumerate(rows)
        ]
        table = Table(cells, colWidths=widths, hAlign="LEFT", repeatRows=1)
        table.setStyle(grid_style())
        return table
