"""The calibration report: one calibration session as a PDF for its facilitator and
participants.

Built with reportlab Platypus from the session's wire objects
(:mod:`assessor_app.protocol.calibration`) and the domain credential. In reading order:
the session (credential, state, facilitator, participants and who has submitted), its
items, the criteria x assessors matrix of levels per item with disagreements marked by a
symbol and in words as well as by colour, the agreement statistics with their meaning in
words (kappa bands), a bar chart of exact agreement per criterion, the consensus and the
discussion notes, and, when given, the reader's own agreement with answer keys over time
as a line chart. Charts are reportlab graphics, so their labels stay real text.

While a session is still blind the report says so and shows no levels. Its words, marks
and number formats are the ones the desktop views and the command line show
(:mod:`assessor_app.domain.calibration_display`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from assessor_app.domain import Credential
from assessor_app.domain.calibration_display import (
    AGREEMENT_MARK,
    BANDS_EXPLAINED,
    CONSENSUS_COLUMN,
    DISAGREEMENT_MARK,
    KEY_COLUMN,
    STATE_WORDS,
    STATISTIC_MEANINGS,
    DriftPoint,
    criterion_order,
    criterion_title,
    format_share,
    format_statistic,
    item_name,
    level_label,
)
from assessor_app.protocol.calibration import (
    AgreementStatistics,
    ItemResult,
    SessionDetail,
    SessionResults,
)
from assessor_app.reports.fonts import ReportFonts, load_fonts
from assessor_app.reports.landscape_pdf import CONTENT_WIDTH, build_landscape_pdf
from assessor_app.reports.styles import HEADER_FILL, ReportStyles, grid_style

__all__ = ["build_calibration_report"]

_DISAGREE_FILL = colors.HexColor("#fbe3d6")
_BAR = colors.HexColor("#2f6f9f")
_LINE = colors.HexColor("#7a4fa0")


# -- the report --------------------------------------------------------------------------


def build_calibration_report(
    out: Path | BinaryIO,
    *,
    detail: SessionDetail,
    results: SessionResults | None,
    credential: Credential | None,
    generated_at: datetime,
    drift: Sequence[DriftPoint] = (),
    fonts: ReportFonts | None = None,
) -> None:
    """Write the report of one session to ``out``. ``results`` is None while the session
    is blind; ``credential`` (the session's rubric) turns ids into titles and labels;
    ``drift`` adds the reader's agreement with answer keys over time."""
    fonts = fonts or load_fonts()
    writer = _Writer(detail, results, credential, fonts)
    story: list[Flowable] = []
    story += writer.header(generated_at)
    story += writer.items()
    if results is None:
        story += writer.still_blind()
    else:
        story += writer.matrices(results)
        story += writer.statistics(results)
        story += writer.consensus(results)
    if drift:
        story += writer.drift(drift)

    build_landscape_pdf(
        out,
        story,
        fonts,
        fonts.text(f"Calibration: {detail.title} · session {detail.id}")[:150],
        title=fonts.text(f"Calibration report: {detail.title}"),
        subject=fonts.text(f"Calibration session {detail.id}"),
    )


class _Writer:
    def __init__(
        self,
        detail: SessionDetail,
        results: SessionResults | None,
        credential: Credential | None,
        fonts: ReportFonts,
    ) -> None:
        self.detail = detail
        self.results = results
        self.credential = credential
        self.fonts = fonts
        self.s = ReportStyles(fonts)

    def para(self, text: str, style: ParagraphStyle, *, bold: bool = False) -> Paragraph:
        """Literal text: markup in anyone's notes is shown, never interpreted."""
        markup = escape(self.fonts.text(text)).replace("\n", "<br/>")
        return Paragraph(f"<b>{markup}</b>" if bold else markup, style)

    def paragraphs(self, text: str, style: ParagraphStyle) -> list[Flowable]:
        blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n")]
        return [self.para(b, style) for b in blocks if b]

    def _item(self, submission_id: str) -> str:
        title = self.detail.credential_title or (self.credential.title if self.credential else "")
        item = next((i for i in self.detail.items if i.submission_id == submission_id), None)
        return item_name(
            title,
            item.educator_pseudonym if item else "",
            item.attempt if item else None,
            submission_id,
        )

    def _name(self, username: str) -> str:
        for p in self.detail.participants:
            if p.username == username:
                return p.display_name or username
        return username

    # -- sections ------------------------------------------------------------------------

    def header(self, generated_at: datetime) -> list[Flowable]:
        d = self.detail
        credential = self.credential.title if self.credential else d.credential_id
        submitted = sum(1 for p in d.participants if p.submitted)
        rows = [
            ("Credential", f"{credential} (version {d.credential_version})"),
            ("State", STATE_WORDS.get(d.state, d.state)),
            ("Facilitator", self._name(d.facilitator)),
            ("Opened", f"{d.created_at:%d %B %Y %H:%M} UTC"),
        ]
        if d.revealed_at:
            rows.append(("Revealed", f"{d.revealed_at:%d %B %Y %H:%M} UTC"))
        rows.append(("Participants", f"{len(d.participants)}, of whom {submitted} have submitted"))
        rows.append(("Report made", f"{generated_at:%d %B %Y %H:%M} UTC"))
        summary = Table(
            [[self.para(k, self.s.label), self.para(v, self.s.body)] for k, v in rows],
            colWidths=[35 * mm, CONTENT_WIDTH - 35 * mm],
            hAlign="LEFT",
        )
        summary.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        people = [[self.para(h, self.s.small_bold) for h in ("Participant", "Submitted")]]
        item_count = len(d.items)
        for p in d.participants:
            done = "✓ all items" if p.submitted else f"{p.submitted_items} of {item_count} items"
            people.append(
                [self.para(self._name(p.username), self.s.small), self.para(done, self.s.small)]
            )
        table = Table(people, colWidths=[70 * mm, 50 * mm], hAlign="LEFT", repeatRows=1)
        table.setStyle(grid_style())
        return [
            self.para("Calibration report", self.s.title),
            self.para(d.title, self.s.subtitle),
            summary,
            Spacer(1, 6),
            table,
        ]

    def items(self) -> list[Flowable]:
        rows = [
            [
                self.para(h, self.s.small_bold)
                for h in ("Item", "Credential and educator", "Answer key")
            ]
        ]
        for number, item in enumerate(self.detail.items, start=1):
            rows.append(
                [
                    self.para(str(number), self.s.small),
                    self.para(self._item(item.submission_id), self.s.small),
                    self.para(
                        "Keyed: master scores exist" if item.keyed else "No key", self.s.small
                    ),
                ]
            )
        table = Table(rows, colWidths=[15 * mm, 80 * mm, 70 * mm], hAlign="LEFT", repeatRows=1)
        table.setStyle(grid_style())
        return [self.para("Items", self.s.h2), table]

    def still_blind(self) -> list[Flowable]:
        waiting = sum(1 for p in self.detail.participants if not p.submitted)
        return [
            self.para("Results", self.s.h2),
            self.para(
                "Results are hidden: scoring is blind until the facilitator reveals the "
                f"session or every participant has submitted ({waiting} still scoring). "
                "Make this report again afterwards to see the levels and statistics.",
                self.s.body,
            ),
        ]

    def matrices(self, results: SessionResults) -> list[Flowable]:
        story: list[Flowable] = [
            self.para("Levels by criterion and assessor", self.s.h2),
            self.para(
                f"{DISAGREEMENT_MARK} marks a criterion on which the assessors chose different "
                f"levels (also shaded); {AGREEMENT_MARK} marks one where everyone who scored "
                "agreed. A dash means no level was recorded.",
                self.s.muted,
            ),
        ]
        consensus = {(c.submission_id, c.criterion_id): c for c in results.consensus}
        for number, item in enumerate(results.items, start=1):
            story.append(self._matrix(number, item, results, consensus))
        return story

    def _matrix(
        self,
        number: int,
        item: ItemResult,
        results: SessionResults,
        consensus: dict[tuple[str, str], Any],
    ) -> Flowable:
        users = [p.username for p in results.participants]
        keyed = any(row.master_level for row in item.criteria)
        header = ["Criterion", "", *[self._name(u) for u in users]]
        if keyed:
            header.append(KEY_COLUMN)
        header.append(CONSENSUS_COLUMN)
        rows: list[list[Flowable]] = [[self.para(h, self.s.small_bold) for h in header]]
        shaded: list[int] = []
        by_id = {row.criterion_id: row for row in item.criteria}
        seen = (row.criterion_id for each in results.items for row in each.criteria)
        for criterion_id in criterion_order(self.credential, seen):
            row = by_id.get(criterion_id)
            if row is None:
                continue
            mark = DISAGREEMENT_MARK if row.disagreement else AGREEMENT_MARK
            cells: list[Flowable] = [
                self.para(criterion_title(self.credential, criterion_id), self.s.small),
                self.para(mark, self.s.small_bold),
            ]
            cells += [
                self.para(
                    level_label(self.credential, criterion_id, row.levels.get(u)), self.s.small
                )
                for u in users
            ]
            if keyed:
                cells.append(
                    self.para(
                        level_label(self.credential, criterion_id, row.master_level), self.s.small
                    )
                )
            agreed = consensus.get((item.submission_id, criterion_id))
            cells.append(
                self.para(
                    level_label(self.credential, criterion_id, agreed.level_id) if agreed else "–",
                    self.s.small,
                )
            )
            if row.disagreement:
                shaded.append(len(rows))
            rows.append(cells)
        decisions: list[Flowable] = [
            self.para("Decision", self.s.small_bold),
            self.para("", self.s.small),
        ]
        decisions += [
            self.para(_decision_words(item.decisions.get(u)), self.s.small) for u in users
        ]
        if keyed:
            decisions.append(self.para(_decision_words(item.master_decision), self.s.small))
        decisions.append(self.para("", self.s.small))
        rows.append(decisions)
        fixed = 55 * mm + 8 * mm
        rest = max(len(header) - 2, 1)
        width = min(35 * mm, (CONTENT_WIDTH - fixed) / rest)
        table = Table(
            rows,
            colWidths=[55 * mm, 8 * mm, *([width] * rest)],
            hAlign="LEFT",
            repeatRows=1,
        )
        style = grid_style()
        for r in shaded:
            style.add("BACKGROUND", (0, r), (-1, r), _DISAGREE_FILL)
        table.setStyle(style)
        heading = self.para(f"Item {number}: {self._item(item.submission_id)}", self.s.h3)
        return KeepTogether([heading, table])

    def statistics(self, results: SessionResults) -> list[Flowable]:
        stats = results.statistics
        header = ["Criterion", *[label for _, label, _ in STATISTIC_MEANINGS]]
        rows: list[list[Flowable]] = [[self.para(h, self.s.small_bold) for h in header]]

        def line(title: str, values: AgreementStatistics, bold: bool = False) -> list[Flowable]:
            cells: list[Flowable] = [self.para(title, self.s.small, bold=bold)]
            for name, _, _ in STATISTIC_MEANINGS:
                cells.append(
                    self.para(
                        format_statistic(name, getattr(values, name), values.n_items), self.s.small
                    )
                )
            return cells

        for row in stats.per_criterion:
            rows.append(line(criterion_title(self.credential, row.criterion_id), row))
        rows.append(line("All criteria", stats.overall, bold=True))
        first = 50 * mm
        other = (CONTENT_WIDTH - first) / len(STATISTIC_MEANINGS)
        table = Table(
            rows,
            colWidths=[first, *([other] * len(STATISTIC_MEANINGS))],
            hAlign="LEFT",
            repeatRows=1,
        )
        style = grid_style()
        style.add("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), HEADER_FILL)
        table.setStyle(style)
        story: list[Flowable] = [
            self.para("Agreement statistics", self.s.h2),
            self.para(
                f"Computed by the hub from {stats.overall.n_ratings} levels chosen, on level "
                "ranks (a criterion's lowest level is rank 0).",
                self.s.muted,
            ),
            table,
            Spacer(1, 6),
            self.para("What these numbers mean", self.s.h3),
        ]
        for _, label, meaning in STATISTIC_MEANINGS:
            story.append(self.para(f"{label}: {meaning}", self.s.body))
        story.append(self.para(BANDS_EXPLAINED, self.s.body))
        story.append(self._agreement_chart(results))
        return story

    def _agreement_chart(self, results: SessionResults) -> Flowable:
        per = results.statistics.per_criterion
        titles = [_short(criterion_title(self.credential, s.criterion_id), 28) for s in per]
        values = [round((s.exact_agreement or 0.0) * 100, 1) for s in per]
        width, height = CONTENT_WIDTH, 75 * mm
        drawing = Drawing(width, height)
        drawing.add(
            String(
                0,
                height - 12,
                self.fonts.text("Exact agreement per criterion (%)"),
                fontName=self.fonts.bold,
                fontSize=10,
            )
        )
        chart = VerticalBarChart()
        chart.x, chart.y = 40, 35
        # Chart sizes are whole points.
        chart.width = round(min(width - 60, 60 * mm * max(len(per), 1)))
        chart.height = round(height - 60)
        chart.data = [values or [0.0]]
        chart.valueAxis.valueMin = 0
        chart.valueAxis.valueMax = 100
        chart.valueAxis.valueStep = 20
        chart.valueAxis.labels.fontName = self.fonts.regular
        chart.categoryAxis.categoryNames = [self.fonts.text(t) for t in titles] or ["-"]
        chart.categoryAxis.labels.fontName = self.fonts.regular
        chart.categoryAxis.labels.fontSize = 8
        chart.bars[0].fillColor = _BAR
        chart.barLabelFormat = "%.0f%%"
        chart.barLabels.fontName = self.fonts.regular
        chart.barLabels.fontSize = 8
        chart.barLabels.nudge = 7
        drawing.add(chart)
        return KeepTogether([Spacer(1, 6), drawing])

    def consensus(self, results: SessionResults) -> list[Flowable]:
        story: list[Flowable] = [self.para("Consensus", self.s.h2)]
        if results.consensus:
            rows = [
                [
                    self.para(h, self.s.small_bold)
                    for h in ("Item", "Criterion", "Agreed level", "Why")
                ]
            ]
            for entry in results.consensus:
                rows.append(
                    [
                        self.para(self._item(entry.submission_id), self.s.small),
                        self.para(
                            criterion_title(self.credential, entry.criterion_id), self.s.small
                        ),
                        self.para(
                            level_label(self.credential, entry.criterion_id, entry.level_id),
                            self.s.small,
                        ),
                        self.para(entry.note or "–", self.s.small),
                    ]
                )
            widths = [45 * mm, 60 * mm, 35 * mm]
            table = Table(
                rows,
                colWidths=[*widths, CONTENT_WIDTH - sum(widths)],
                hAlign="LEFT",
                repeatRows=1,
            )
            table.setStyle(grid_style())
            story.append(table)
        else:
            story.append(self.para("No consensus has been recorded yet.", self.s.muted))
        story.append(self.para("Discussion notes", self.s.h3))
        story += self.paragraphs(results.notes, self.s.body) or [
            self.para("No discussion notes were written.", self.s.muted)
        ]
        return story

    def drift(self, points: Sequence[DriftPoint]) -> list[Flowable]:
        ordered = sorted(points, key=lambda p: p.decided_at)
        lead: list[Flowable] = [
            self.para("Your agreement with answer keys over time", self.s.h2),
            self.para(
                "Each point is one keyed calibration item you scored, in the order you decided "
                "them: the share of its criteria where your level was exactly the key's.",
                self.s.muted,
            ),
        ]
        width, height = CONTENT_WIDTH, 65 * mm
        drawing = Drawing(width, height)
        plot = LinePlot()
        plot.x, plot.y = 40, 25
        plot.width, plot.height = round(width - 60), round(height - 40)
        plot.data = [[(i + 1, p.exact_share * 100) for i, p in enumerate(ordered)]]
        plot.lines[0].strokeColor = _LINE
        plot.lines[0].symbol = makeMarker("FilledCircle")
        plot.xValueAxis.valueMin = 0.5
        plot.xValueAxis.valueMax = len(ordered) + 0.5
        plot.xValueAxis.valueStep = 1
        plot.xValueAxis.labels.fontName = self.fonts.regular
        plot.yValueAxis.valueMin = 0
        plot.yValueAxis.valueMax = 100
        plot.yValueAxis.valueStep = 20
        plot.yValueAxis.labels.fontName = self.fonts.regular
        drawing.add(plot)
        story: list[Flowable] = [KeepTogether([*lead, drawing])]
        rows = [
            [
                self.para(h, self.s.small_bold)
                for h in ("#", "Decided", "Item", "Exact", "Exact or adjacent")
            ]
        ]
        for number, p in enumerate(ordered, start=1):
            rows.append(
                [
                    self.para(str(number), self.s.small),
                    self.para(f"{p.decided_at:%d %b %Y}", self.s.small),
                    self.para(p.label or p.assignment_id, self.s.small),
                    self.para(format_share(p.exact_share), self.s.small),
                    self.para(format_share(p.adjacent_share), self.s.small),
                ]
            )
        table = Table(
            rows,
            colWidths=[10 * mm, 30 * mm, 100 * mm, 25 * mm, 35 * mm],
            hAlign="LEFT",
            repeatRows=1,
        )
        table.setStyle(grid_style())
        story.append(table)
        return story


def _decision_words(decision: object) -> str:
    label = getattr(decision, "label", None)
    if label:
        return str(label)
    return "–" if decision is None else str(decision)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
