"""Score sheets, saved on every edit: each call is one committed transaction, so a crash
loses at most the edit in flight. Edits are refused once the sheet is finalized."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessor_app.domain import (
    Citation,
    CriterionScore,
    Decision,
    ImageRegion,
    PdfPage,
    Quote,
    Rect,
    ScoreSheet,
    TableCell,
    TimeRange,
)
from assessor_app.domain.assignment_state import EDITABLE, LocalState
from assessor_app.store.models import CitationRow, CriterionScoreRow, ScoreSheetRow, utcnow
from assessor_app.store.repositories._common import (
    NotFoundError,
    Repository,
    SheetLockedError,
    get_assignment,
    set_state,
)


@dataclass(frozen=True)
class StoredCitation:
    """A citation with the id that ``remove_citation`` takes."""

    id: int
    criterion_id: str
    citation: Citation


def _citation_from_row(row: CitationRow) -> Citation:
    if row.kind == "time":
        assert row.start_ms is not None and row.end_ms is not None
        return Citation(row.artifact_id, TimeRange(row.start_ms, row.end_ms))
    if row.kind == "page":
        assert row.page is not None
        rect = Rect(**row.shape) if row.shape else None
        return Citation(row.artifact_id, PdfPage(row.page, rect))
    if row.kind == "region":
        assert row.shape is not None
        return Citation(row.artifact_id, ImageRegion(Rect(**row.shape)))
    if row.kind == "cell":
        assert row.shape is not None
        cell = TableCell(str(row.shape["row"]), str(row.shape["column"]), row.text or "")
        return Citation(row.artifact_id, cell)
    return Citation(row.artifact_id, Quote(row.text or "", row.page))


def _rect_json(r: Rect) -> dict[str, float]:
    return {"x": r.x, "y": r.y, "width": r.width, "height": r.height}


def _citation_row(assignment_id: str, criterion_id: str, citation: Citation) -> CitationRow:
    row = CitationRow(
        assignment_id=assignment_id, criterion_id=criterion_id, artifact_id=citation.artifact_id
    )
    target = citation.target
    if isinstance(target, TimeRange):
        row.kind, row.start_ms, row.end_ms = "time", target.start_ms, target.end_ms
    elif isinstance(target, PdfPage):
        row.kind, row.page = "page", target.page
        if target.rect is not None:
            row.shape = _rect_json(target.rect)
    elif isinstance(target, ImageRegion):
        row.kind, row.shape = "region", _rect_json(target.rect)
    elif isinstance(target, TableCell):
        row.kind, row.text = "cell", target.value
        row.shape = {"row": target.row, "column": target.column}
    else:
        row.kind, row.text, row.page = "quote", target.text, target.page
    return row


def editable_sheet(session: Session, assignment_id: str) -> ScoreSheetRow:
    """The sheet header, created on the first edit; bumps its revision. Refuses a locked
    sheet and moves a ready assignment to in_progress."""
    assignment = get_assignment(session, assignment_id)
    state = LocalState(assignment.local_state)
    if state not in EDITABLE:
        raise SheetLockedError(
            f"assignment {assignment_id!r} is {state.value}: reopen it before editing"
        )
    now = utcnow()
    if state == LocalState.READY:
        set_state(assignment, LocalState.IN_PROGRESS, now)
    sheet = session.get(ScoreSheetRow, assignment_id)
    if sheet is None:
        sheet = ScoreSheetRow(
            assignment_id=assignment_id,
            feedback="",
            private_note="",
            override=None,
            override_reason="",
            revision=0,
        )
        session.add(sheet)
    sheet.revision += 1
    sheet.updated_at = now
    session.flush()
    return sheet


def write_override(
    session: Session, assignment_id: str, decision: Decision | None, reason: str
) -> None:
    """Set the assessor's own decision (None: the rubric's result) and its reason."""
    sheet = editable_sheet(session, assignment_id)
    sheet.override = None if decision is None else Decision(decision).value
    sheet.override_reason = reason


class ScoreSheets(Repository):
    def _score(self, session: Session, assignment_id: str, criterion_id: str) -> CriterionScoreRow:
        row = session.get(CriterionScoreRow, (assignment_id, criterion_id))
        if row is None:
            row = CriterionScoreRow(
                assignment_id=assignment_id, criterion_id=criterion_id, level_id=None, rationale=""
            )
            session.add(row)
        return row

    def set_level(self, assignment_id: str, criterion_id: str, level_id: str | None) -> None:
        with self._db.transaction() as session:
            editable_sheet(session, assignment_id)
            self._score(session, assignment_id, criterion_id).level_id = level_id

    def set_rationale(self, assignment_id: str, criterion_id: str, rationale: str) -> None:
        with self._db.transaction() as session:
            editable_sheet(session, assignment_id)
            self._score(session, assignment_id, criterion_id).rationale = rationale

    def add_citation(
        self, assignment_id: str, criterion_id: str, citation: Citation, at: int | None = None
    ) -> int:
        """Add a citation to a criterion: last, or at index ``at`` of its citations (the
        ones from there on move one place down); returns its id."""
        with self._db.transaction() as session:
            editable_sheet(session, assignment_id)
            self._score(session, assignment_id, criterion_id)
            rows = session.scalars(
                select(CitationRow)
                .where(
                    CitationRow.assignment_id == assignment_id,
                    CitationRow.criterion_id == criterion_id,
                )
                .order_by(CitationRow.position)
            ).all()
            row = _citation_row(assignment_id, criterion_id, citation)
            place = len(rows) if at is None else max(0, min(at, len(rows)))
            # Positions are renumbered 0.. in order, the new citation at its place.
            for position, other in enumerate([*rows[:place], row, *rows[place:]]):
                other.position = position
            session.add(row)
            session.flush()
            return row.id

    def remove_citation(self, assignment_id: str, citation_id: int) -> None:
        with self._db.transaction() as session:
            editable_sheet(session, assignment_id)
            row = session.get(CitationRow, citation_id)
            if row is None or row.assignment_id != assignment_id:
                raise NotFoundError(f"no citation {citation_id} on assignment {assignment_id!r}")
            session.delete(row)

    def citations(self, assignment_id: str) -> list[StoredCitation]:
        with self._db.reading() as session:
            rows = session.scalars(
                select(CitationRow)
                .where(CitationRow.assignment_id == assignment_id)
                .order_by(CitationRow.criterion_id, CitationRow.position)
            )
            return [StoredCitation(r.id, r.criterion_id, _citation_from_row(r)) for r in rows]

    def set_feedback(self, assignment_id: str, feedback: str) -> None:
        with self._db.transaction() as session:
            editable_sheet(session, assignment_id).feedback = feedback

    def set_private_note(self, assignment_id: str, note: str) -> None:
        with self._db.transaction() as session:
            editable_sheet(session, assignment_id).private_note = note

    def set_override(self, assignment_id: str, decision: Decision | None, reason: str) -> None:
        with self._db.transaction() as session:
            write_override(session, assignment_id, decision, reason)

    def revision(self, assignment_id: str) -> int:
        """How many edits the sheet has had: a cheap way to see if it changed."""
        with self._db.reading() as session:
            sheet = session.get(ScoreSheetRow, assignment_id)
            return 0 if sheet is None else sheet.revision

    def load_sheet(self, assignment_id: str) -> ScoreSheet:
        """The sheet as saved (an empty one before the first edit)."""
        with self._db.reading() as session:
            get_assignment(session, assignment_id)
            sheet = session.get(ScoreSheetRow, assignment_id)
            if sheet is None:
                return ScoreSheet()
            cited: dict[str, list[Citation]] = {}
            for row in session.scalars(
                select(CitationRow)
                .where(CitationRow.assignment_id == assignment_id)
                .order_by(CitationRow.position, CitationRow.id)
            ):
                cited.setdefault(row.criterion_id, []).append(_citation_from_row(row))
            scores = {
                row.criterion_id: CriterionScore(
                    row.criterion_id,
                    row.level_id,
                    row.rationale,
                    tuple(cited.get(row.criterion_id, ())),
                )
                for row in session.scalars(
                    select(CriterionScoreRow)
                    .where(CriterionScoreRow.assignment_id == assignment_id)
                    .order_by(CriterionScoreRow.criterion_id)
                )
            }
            return ScoreSheet(
                scores=scores,
                feedback=sheet.feedback,
                private_note=sheet.private_note,
                override=None if sheet.override is None else Decision(sheet.override),
                override_reason=sheet.override_reason,
            )
