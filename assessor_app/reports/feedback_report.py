"""The educator feedback report: one decided submission as an accessible PDF.

Built with reportlab Platypus from domain objects only. The report is what the educator
reads: the credential, the decision in words, the overall feedback, what changed since the
previous attempt, and the rubric criterion by criterion with every level, the awarded one
marked in words (not by colour alone), the assessor's rationale and the evidence it cites as
readable references, then the notes the assessor chose to share. It is one flowing column
of real text in reading order, with a document title, section outline and "Page n of m"
footers.

Never in the report: the assessor's private note to the hub, the time-pinned notes not
marked shared, the reason for overriding the rubric's result, and the assessor's name
unless the caller says the credential allows it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import FrameBreak
from reportlab.platypus.flowables import _listWrapOn  # type: ignore[attr-defined]

from assessor_app.domain import (
    Credential,
    Criterion,
    Decision,
    Level,
    PreviousAttempt,
    ScoreSheet,
    Submission,
)
from assessor_app.domain.citations import describe_citations, format_timecode
from assessor_app.domain.notes import TimeNote
from assessor_app.reports.fonts import ReportFonts, load_fonts
from assessor_app.reports.styles import INK, MUTED, RULE, ReportStyles, grid_style

DEFAULT_ISSUER = "Assessor micro-credentials"
AWARDED_MARK = "✓ Awarded"

_PAGE_SIZE = A4
_MARGIN = 20 * mm
# Platypus frames pad their content by 6 pt on each side.
_FRAME_PADDING = 6
_CONTENT_WIDTH = _PAGE_SIZE[0] - 2 * _MARGIN - 2 * _FRAME_PADDING
_FOOTER_ROOM = 6 * mm
_FRAME_HEIGHT = _PAGE_SIZE[1] - 2 * _MARGIN - _FOOTER_ROOM - 2 * _FRAME_PADDING
_CELL_PADDING = 6

_AWARDED_FILL = colors.HexColor("#e4efe0")
_DECISION_FILL = {
    Decision.PASS: colors.HexColor("#e4efe0"),
    Decision.NOT_YET: colors.HexColor("#fbf0d9"),
    Decision.RETURN_INCOMPLETE: colors.HexColor("#eef1f4"),
}

_DECISION_EXPLANATION = {
    Decision.PASS: "The evidence you submitted shows this competency.",
    Decision.NOT_YET: (
        "The evidence you submitted does not show this competency yet. The feedback below "
        "says what evidence would show it; you are welcome to resubmit."
    ),
    Decision.RETURN_INCOMPLETE: (
        "Your submission was returned before it was assessed, because something it needs "
        "is missing. No judgement has been made about the competency; the reason is below."
    ),
}


def build_feedback_report(
    out: Path | BinaryIO,
    *,
    credential: Credential,
    submission: Submission,
    sheet: ScoreSheet,
    decision: Decision,
    decided_at: datetime,
    assessor_name: str | None = None,
    show_assessor_name: bool = False,
    issuer: str = DEFAULT_ISSUER,
    fonts: ReportFonts | None = None,
    badge_url: str | None = None,
    shared_notes: Sequence[TimeNote] = (),
) -> None:
    """Write the educator's feedback report for one decided submission to ``out``.

    ``issuer`` is the organisation that awards the credential; it is the PDF's author.
    ``badge_url``: the public page of the badge a Pass was issued as, linked from the
    summary (only an http(s) address, only for a Pass).
    ``fonts`` defaults to DejaVu Sans (Helvetica with ASCII stand-ins if it is missing).
    ``shared_notes``: the time-pinned notes the assessor shares with the educator, in
    evidence order (the caller leaves out the others).
    """
    fonts = fonts or load_fonts()
    styles = _Styles(fonts)
    writer = _ReportWriter(credential, submission, sheet, fonts, styles)
    shown_name = assessor_name.strip() if show_assessor_name and assessor_name else None

    story: list[Flowable] = []
    badge = badge_url if decision is Decision.PASS and _is_web_address(badge_url) else None
    story += writer.header(decision, decided_at, shown_name, badge)
    if decision is Decision.RETURN_INCOMPLETE:
        story += writer.return_reason()
    else:
        story += writer.overall_feedback()
        if submission.is_resubmission:
            story += writer.what_changed(decision)
        story += writer.criteria_results()
    if shared_notes:
        story += writer.notes_from_the_assessor(shared_notes)

    title = f"Feedback: {credential.title}, attempt {submission.attempt}"
    doc = _OutlinedDocTemplate(
        str(out) if isinstance(out, Path) else out,
        pagesize=_PAGE_SIZE,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN + _FOOTER_ROOM,
        title=fonts.text(title),
        author=fonts.text(issuer),
        subject=fonts.text(f"{decision.label}: {credential.competency}"),
        creator="Assessor",
        lang="en",
        displayDocTitle=True,
        initialFontName=fonts.regular,
    )
    footer = fonts.text(
        f"{credential.title} · attempt {submission.attempt} · {submission.educator_pseudonym}"
    )
    doc.build(story, canvasmaker=_numbered_canvas(footer, fonts))


class _Styles(ReportStyles):
    def __init__(self, fonts: ReportFonts) -> None:
        super().__init__(fonts)
        # Headings inside a criterion block, which keeps them with their table itself;
        # reportlab's keepWithNext there would regroup the block and defeat its split rule.
        self.h2_block = ParagraphStyle("h2_block", parent=self.h2, keepWithNext=0)
        self.decision = ParagraphStyle(
            "decision", parent=self.body, fontName=fonts.bold, fontSize=14, leading=18, spaceAfter=2
        )


def _is_web_address(url: str | None) -> bool:
    return url is not None and url.startswith(("https://", "http://")) and url.isprintable()


def _points(value: float) -> str:
    return f"{value:g}"


def _level_text(level: Level | None) -> str:
    if level is None:
        return "not recorded"
    return f"{level.label} ({_points(level.points)})"


def _latest(attempts: Sequence[PreviousAttempt]) -> PreviousAttempt | None:
    return max(attempts, key=lambda a: a.attempt, default=None)


class _ReportWriter:
    """Turns the domain objects into flowables; every piece of text goes through ``para``."""

    def __init__(
        self,
        credential: Credential,
        submission: Submission,
        sheet: ScoreSheet,
        fonts: ReportFonts,
        styles: _Styles,
    ) -> None:
        self.credential = credential
        self.submission = submission
        self.sheet = sheet
        self.fonts = fonts
        self.styles = styles

    def _markup(self, text: str) -> str:
        """Literal text as paragraph markup: markup in user input is shown, never interpreted."""
        return escape(self.fonts.text(text)).replace("\n", "<br/>")

    def para(self, text: str, style: ParagraphStyle, *, bold: bool = False) -> Paragraph:
        """A paragraph of literal text."""
        markup = self._markup(text)
        return Paragraph(f"<b>{markup}</b>" if bold else markup, style)

    def link(self, url: str, style: ParagraphStyle) -> Paragraph:
        """A clickable address, shown as it is."""
        shown = escape(self.fonts.text(url))
        target = escape(url, {'"': "&quot;"})
        return Paragraph(f'<a href="{target}" color="blue">{shown}</a>', style)

    def paragraphs(self, text: str, style: ParagraphStyle) -> list[Flowable]:
        """Free text as separate paragraphs at blank lines, so long text breaks across
        pages between paragraphs as well as within them."""
        blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n")]
        return [self.para(b, style) for b in blocks if b]

    def heading(self, text: str, style: ParagraphStyle) -> Paragraph:
        level = 1 if style is self.styles.h3 else 0
        return _Heading(self._markup(text), style, self.fonts.text(text), level)

    def header(
        self, decision: Decision, decided_at: datetime, assessor: str | None, badge: str | None
    ) -> list[Flowable]:
        s = self.styles
        c = self.credential
        rows: list[tuple[str, str]] = [
            ("Competency", c.competency),
            ("Educator", self.submission.educator_pseudonym),
            ("Attempt", str(self.submission.attempt)),
            ("Decided on", f"{decided_at.day} {decided_at:%B %Y}"),
        ]
        if assessor:
            rows.append(("Assessor", assessor))
        if decision is not Decision.RETURN_INCOMPLETE:
            total = sum(
                level.points
                for criterion in c.rubric.criteria
                if (level := self._awarded(criterion)) is not None
            )
            rows.append(("Points", f"{_points(total)} of {_points(c.rubric.max_points)}"))
        cells = [[self.para(k, s.label), self.para(v, s.value)] for k, v in rows]
        if badge:
            cells.append([self.para("Badge", s.label), self.link(badge, s.value)])
        summary = Table(
            cells,
            colWidths=[32 * mm, _CONTENT_WIDTH - 32 * mm],
            hAlign="LEFT",
        )
        summary.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                ]
            )
        )
        box = Table(
            [
                [self.para(f"Decision: {decision.label}", s.decision)],
                [self.para(_DECISION_EXPLANATION[decision], s.body)],
            ],
            colWidths=[_CONTENT_WIDTH],
            hAlign="LEFT",
        )
        box.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), _DECISION_FILL[decision]),
                    ("BOX", (0, 0), (-1, -1), 0.75, RULE),
                    ("LEFTPADDING", (0, 0), (-1, -1), 10),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                    ("TOPPADDING", (0, 0), (0, 0), 8),
                    ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
                ]
            )
        )
        return [
            self.para("Feedback on your submission", s.title),
            self.para(c.title, s.subtitle),
            summary,
            Spacer(1, 10),
            box,
        ]

    def return_reason(self) -> list[Flowable]:
        s = self.styles
        story: list[Flowable] = [self.heading("Reason for return", s.h2)]
        story += self.paragraphs(self.sheet.feedback, s.body) or [
            self.para("No reason was recorded.", s.muted)
        ]
        requirements = self.credential.artifact_requirements
        if requirements:
            story.append(self.heading("What this credential asks you to submit", s.h2))
            story.append(self._bullets(requirements))
        return story

    def overall_feedback(self) -> list[Flowable]:
        s = self.styles
        story: list[Flowable] = [self.heading("Overall feedback", s.h2)]
        story += self.paragraphs(self.sheet.feedback, s.body) or [
            self.para("No overall feedback was written.", s.muted)
        ]
        return story

    def what_changed(self, decision: Decision) -> list[Flowable]:
        s = self.styles
        earlier = _latest(self.submission.previous_attempts)
        previous_number = earlier.attempt if earlier else self.submission.attempt - 1
        now = self.submission.attempt
        story: list[Flowable] = [
            self.heading(f"What changed since attempt {previous_number}", s.h2),
            self.para("Your note on this resubmission", s.label),
        ]
        story += self.paragraphs(self.submission.change_note, s.body) or [
            self.para("No note was included with this resubmission.", s.muted)
        ]
        if earlier is None:
            story.append(
                self.para(f"The result of attempt {previous_number} is not on record.", s.muted)
            )
            return story
        story.append(Spacer(1, 4))
        story.append(
            self.para(
                f"Decision on attempt {earlier.attempt}: {earlier.decision.label}. "
                f"Decision now (attempt {now}): {decision.label}.",
                s.body,
            )
        )
        header = ["Criterion", f"Attempt {earlier.attempt}", f"Now (attempt {now})", "Change"]
        rows: list[list[Flowable]] = [[self.para(h, s.small_bold) for h in header]]
        for criterion in self.credential.rubric.criteria:
            before_id = earlier.criteria.get(criterion.id)
            before = criterion.level(before_id) if before_id else None
            after = self._awarded(criterion)
            rows.append(
                [
                    self.para(criterion.title, s.small),
                    self.para(_level_text(before), s.small),
                    self.para(_level_text(after), s.small),
                    self.para(_change(criterion, before, after), s.small),
                ]
            )
        widths = [62 * mm, 36 * mm, 40 * mm]
        table = Table(
            rows,
            colWidths=[*widths, _CONTENT_WIDTH - sum(widths)],
            repeatRows=1,
            hAlign="LEFT",
        )
        table.setStyle(grid_style(4, 5))
        story.append(table)
        return story

    def criteria_results(self) -> list[Flowable]:
        s = self.styles
        # The section heading travels with the first criterion's table, so that it is never
        # left alone at the foot of a page.
        lead: list[Flowable] = [self.heading("Results by criterion", s.h2_block)]
        story: list[Flowable] = []
        total = len(self.credential.rubric.criteria)
        for number, criterion in enumerate(self.credential.rubric.criteria, start=1):
            story += self._criterion(number, total, criterion, lead)
            lead = []
        return story

    def _awarded(self, criterion: Criterion) -> Level | None:
        level_id = self.sheet.score(criterion.id).level_id
        return criterion.level(level_id) if level_id else None

    def _criterion(
        self, number: int, total: int, criterion: Criterion, lead: list[Flowable]
    ) -> list[Flowable]:
        s = self.styles
        score = self.sheet.score(criterion.id)
        awarded = self._awarded(criterion)
        head: list[Flowable] = [
            *lead,
            self.heading(f"Criterion {number} of {total}: {criterion.title}", s.h3),
        ]
        if criterion.description.strip():
            head += self.paragraphs(criterion.description, s.muted)

        rows: list[list[Flowable]] = [
            [self.para(h, s.small_bold) for h in ("Level", "Points", "Descriptor", "Result")]
        ]
        awarded_rows: list[int] = []
        for level in criterion.levels:
            chosen = awarded is not None and level.id == awarded.id
            if chosen:
                awarded_rows.append(len(rows))
            rows.append(
                [
                    self.para(level.label, s.small, bold=chosen),
                    self.para(_points(level.points), s.small, bold=chosen),
                    self.para(level.descriptor, s.small, bold=chosen),
                    self.para(AWARDED_MARK if chosen else "", s.small, bold=True),
                ]
            )
        widths = [30 * mm, 17 * mm, 0.0, 27 * mm]
        widths[2] = _CONTENT_WIDTH - sum(widths)
        # Rows split across pages only when one is too tall for most of a page: otherwise
        # reportlab would also split rows mid-page after a whole-row split, repeating the
        # header row in the middle of the page.
        tallest = max(_row_height(row, widths) for row in rows[1:])
        split_in_row = int(tallest > 0.8 * _FRAME_HEIGHT)
        table = Table(rows, colWidths=widths, repeatRows=1, splitInRow=split_in_row, hAlign="LEFT")
        style = grid_style(4, 5)
        for row in awarded_rows:
            style.add("BACKGROUND", (0, row), (-1, row), _AWARDED_FILL)
            style.add("BOX", (0, row), (-1, row), 1.5, INK)
        table.setStyle(style)

        result = (
            f"Awarded level: {awarded.label}, {_points(awarded.points)} of "
            f"{_points(max(lv.points for lv in criterion.levels))} points."
            if awarded
            else "No level was awarded for this criterion."
        )
        story: list[Flowable] = [
            _CriterionBlock([*head, table], [*head, Table(rows[:2], colWidths=widths)]),
            Spacer(1, 4),
        ]
        rationale = self.paragraphs(score.rationale, s.body) or [
            self.para("No rationale was written for this criterion.", s.muted)
        ]
        # A label never ends a page: it travels with the first paragraph it introduces.
        story.append(
            KeepTogether(
                [
                    self.para(result, s.body, bold=True),
                    self.para("Assessor's rationale", s.label),
                    rationale[0],
                ]
            )
        )
        story += rationale[1:]
        references = describe_citations(score.citations, self.submission.artifacts)
        if references:
            story.append(
                KeepTogether([self.para("Evidence cited", s.label), self._bullets(references)])
            )
        return story

    def notes_from_the_assessor(self, notes: Sequence[TimeNote]) -> list[Flowable]:
        s = self.styles
        names = {a.id: a.display_name for a in self.submission.artifacts}
        titles = {c.id: c.title for c in self.credential.rubric.criteria}
        items = []
        for note in notes:
            where = f"{names.get(note.artifact_id, 'Evidence')}, {format_timecode(note.time_ms)}"
            if note.criterion_id in titles:
                where += f" ({titles[note.criterion_id]})"
            items.append(f"{where}: {note.text}")
        # The heading stays with the first note.
        first, *rest = items
        return [
            KeepTogether([self.heading("Notes from the assessor", s.h2), self._bullets([first])]),
            *([self._bullets(rest)] if rest else []),
        ]

    def _bullets(self, items: Sequence[str]) -> ListFlowable:
        s = self.styles
        return ListFlowable(
            # ListItem is no Flowable, so reportlab's stubs do not list it; ListFlowable
            # takes it as an item with its own indent.
            [ListItem(self.para(item, s.body), leftIndent=14) for item in items],  # type: ignore[misc]
            bulletType="bullet",
            start=self.fonts.text("•"),
            bulletFontName=self.fonts.regular,
            leftIndent=14,
        )


class _Heading(Paragraph):
    """A section heading, listed in the PDF outline at ``outline_level`` (0 = top)."""

    def __init__(
        self, markup: str, style: ParagraphStyle, outline_text: str, outline_level: int
    ) -> None:
        super().__init__(markup, style)
        self.outline_text = outline_text
        self.outline_level = outline_level


class _CriterionBlock(KeepTogether):
    """A criterion's heading and rubric table, placed so the heading is never left alone.

    The block moves to a new page when even its heading and first level do not fit, or when
    it would fit a page of its own and less than a quarter of this page is left; otherwise
    the table starts here and splits, repeating its header row. (Moving on with half a page
    left made page 1 of a report mostly blank.) ``first`` is the heading with
    the table's header and first level: the least that must fit where the block starts.
    """

    def __init__(self, content: list[Flowable], first: list[Flowable]) -> None:
        super().__init__(content)
        self._blocks = content
        self._first = first

    def split(self, aW: float, aH: float) -> list[Flowable]:
        # _listWrapOn measures as KeepTogether does (reportlab's stubs omit private names).
        content = list(self._blocks)
        height = _listWrapOn(content, aW, self.canv)[1]
        if height <= aH:
            return content
        frame = getattr(self, "_frame", None)
        if frame is None or getattr(frame, "_atTop", False):
            return content
        minimum = _listWrapOn(self._first, aW, self.canv)[1]
        fits_a_page = height <= frame._height
        if minimum > aH or (fits_a_page and aH < frame._height / 4):
            return [FrameBreak(), *content]
        return content


def _row_height(row: Sequence[Flowable], widths: Sequence[float]) -> float:
    """The height a table row of paragraphs will take, padding included."""
    cells = (
        cell.wrap(w - 2 * _CELL_PADDING, _FRAME_HEIGHT * 10)[1]
        for cell, w in zip(row, widths, strict=True)
    )
    return max(cells) + 2 * _CELL_PADDING


def _change(criterion: Criterion, before: Level | None, after: Level | None) -> str:
    if before is None or after is None:
        return "-"
    rank_before = criterion.level_index(before.id) or 0
    rank_after = criterion.level_index(after.id) or 0
    if rank_after > rank_before:
        return "Higher"
    if rank_after < rank_before:
        return "Lower"
    return "Same"


def _fit(text: str, width: float, fonts: ReportFonts) -> str:
    """``text`` shortened with an ellipsis until it fits ``width`` points of footer."""
    if stringWidth(text, fonts.regular, 8.5) <= width:
        return text
    ellipsis = fonts.text("…")
    while text and stringWidth(text + ellipsis, fonts.regular, 8.5) > width:
        text = text[:-1]
    return text.rstrip() + ellipsis


class _OutlinedDocTemplate(SimpleDocTemplate):
    """Adds every section heading to the PDF outline, so readers can navigate by section."""

    _sections = 0

    def afterFlowable(self, flowable: Flowable) -> None:
        if not isinstance(flowable, _Heading):
            return
        self._sections += 1
        key = f"section-{self._sections}"
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(
            flowable.outline_text, key, level=flowable.outline_level, closed=False
        )


def _numbered_canvas(footer: str, fonts: ReportFonts) -> type[Canvas]:
    """A canvas class that holds pages back until the end so each can say "Page n of m"."""

    class NumberedCanvas(Canvas):
        # Canvas's own page reset, which its type stubs leave out.
        _startPage: Callable[[], None]

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[Mapping[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            count = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._draw_footer(count)
                super().showPage()
            super().save()

        def _draw_footer(self, count: int) -> None:
            width, _ = _PAGE_SIZE
            y = _MARGIN - 2 * mm
            left = _MARGIN + _FRAME_PADDING
            right = width - _MARGIN - _FRAME_PADDING
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            self.line(left, y + 4 * mm, right, y + 4 * mm)
            self.setFont(fonts.regular, 8.5)
            self.setFillColor(MUTED)
            number = f"Page {self.getPageNumber()} of {count}"
            self.drawRightString(right, y, number)
            room = right - left - stringWidth(number, fonts.regular, 8.5) - 8 * mm
            self.drawString(left, y, _fit(footer, room, fonts))
            self.restoreState()

    return NumberedCanvas
