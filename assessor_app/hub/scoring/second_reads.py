"""Second reads and final decisions: what a recorded read means for its submission.

A first read of a production submission drawn by the plan (its share, or a total within
the near-cut points of the pass line) waits for a blind second read by another assessor.
Two reads that agree under the plan's rule settle the decision (``agreed``); otherwise an
adjudication is created, and the adjudicator's decision is final (``adjudicated``). A
submission read once is final at that read (``single``). Only ``record_final`` writes a
``final_decisions`` row, and nothing reaches the educator before one exists
(``workflow.hooks`` acts on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessor_app.domain.adjudication import Read, agreed_decision
from assessor_app.domain.assignment import AssignmentKind
from assessor_app.domain.decision import Decision
from assessor_app.hub.calibration.qualification import rubric_of
from assessor_app.hub.db import AssignmentRow, DecisionRow, SubmissionRow
from assessor_app.hub.scoring.models import (
    ADJUDICATION,
    BACKREAD,
    FIRST,
    SECOND,
    SOURCE_ADJUDICATED,
    SOURCE_AGREED,
    SOURCE_SINGLE,
    FinalDecision,
    WorkItem,
)
from assessor_app.hub.scoring.plan import near_the_cut, plan_of, sampled
from assessor_app.hub.scoring.work import add_work
from assessor_app.protocol.v1 import AssignmentStatus

SECOND_READ_DRAW = "second-read"


@dataclass(frozen=True)
class PairRead:
    assignment: AssignmentRow
    decision: DecisionRow


def purpose_of(session: Session, assignment: AssignmentRow) -> str:
    """The work item's purpose; an assignment given by hand is a first read (or the work
    its kind names)."""
    purpose = session.scalar(
        select(WorkItem.purpose).where(WorkItem.assignment_id == assignment.id)
    )
    if purpose is not None:
        return purpose
    if assignment.kind == AssignmentKind.ADJUDICATION.value:
        return ADJUDICATION
    if assignment.kind == AssignmentKind.BACKREAD.value:
        return BACKREAD
    return FIRST


def read_of(decision: DecisionRow) -> Read:
    criteria = decision.body.get("criteria", [])
    return Read(
        Decision(decision.decision), {c["criterion_id"]: c.get("level_id") for c in criteria}
    )


def _has_work(session: Session, submission_id: str, purpose: str) -> bool:
    return (
        session.scalar(
            select(WorkItem.id)
            .where(WorkItem.submission_id == submission_id, WorkItem.purpose == purpose)
            .limit(1)
        )
        is not None
    )


def pair_reads(session: Session, submission_id: str) -> list[PairRead]:
    """The submission's recorded first and second reads, oldest first (at most two)."""
    rows = session.execute(
        select(AssignmentRow, DecisionRow)
        .join(DecisionRow, DecisionRow.assignment_id == AssignmentRow.id)
        .where(
            AssignmentRow.submission_id == submission_id,
            AssignmentRow.kind == AssignmentKind.PRODUCTION.value,
            AssignmentRow.status != AssignmentStatus.REVOKED,
        )
        .order_by(DecisionRow.recorded_at, AssignmentRow.id)
    ).all()
    reads = [PairRead(a, d) for a, d in rows if purpose_of(session, a) in (FIRST, SECOND)]
    return reads[:2]


def record_final(
    session: Session,
    submission: SubmissionRow,
    assignment: AssignmentRow,
    decision: str,
    source: str,
    now: datetime,
) -> FinalDecision:
    """The submission's decision is final, carried by ``assignment``'s sheet."""
    row = session.get(FinalDecision, submission.id)
    if row is None:
        row = FinalDecision(submission_id=submission.id)
        session.add(row)
    row.decision, row.source, row.assignment_id, row.decided_at = (
        decision,
        source,
        assignment.id,
        now,
    )
    return row


def withdraw_final(session: Session, assignment: AssignmentRow) -> None:
    """A final decision carried by ``assignment`` is no longer final (it was returned)."""
    row = session.get(FinalDecision, assignment.submission_id)
    if row is not None and row.assignment_id == assignment.id:
        session.delete(row)


def needs_second_read(session: Session, submission: SubmissionRow, first: DecisionRow) -> bool:
    plan = plan_of(session, submission.credential_id)
    if sampled(submission.id, SECOND_READ_DRAW, plan.second_read_share):
        return True
    return near_the_cut(first.total_points, rubric_of(session, submission), plan)


def after_read(
    session: Session,
    assignment: AssignmentRow,
    submission: SubmissionRow,
    decision: DecisionRow,
    now: datetime,
) -> FinalDecision | None:
    """Act on a recorded live read (not a return as incomplete): the final decision it
    makes, or None while the submission waits for another read or an adjudication."""
    purpose = purpose_of(session, assignment)
    if purpose == ADJUDICATION:
        return record_final(
            session, submission, assignment, decision.decision, SOURCE_ADJUDICATED, now
        )
    if purpose not in (FIRST, SECOND):
        return None
    if not _has_work(session, submission.id, SECOND):
        if purpose == FIRST and needs_second_read(session, submission, decision):
            add_work(session, submission.id, SECOND, now, due_at=assignment.due_at)
            return None
        return record_final(session, submission, assignment, decision.decision, SOURCE_SINGLE, now)
    session.flush()
    reads = pair_reads(session, submission.id)
    if len(reads) < 2:
        return None
    first, second = reads
    settled = agreed_decision(
        read_of(first.decision),
        read_of(second.decision),
        plan_of(session, submission.credential_id).adjudication,
        rubric_of(session, submission),
    )
    if settled is not None:
        return record_final(session, submission, assignment, settled.value, SOURCE_AGREED, now)
    if not _has_work(session, submission.id, ADJUDICATION):
        add_work(session, submission.id, ADJUDICATION, now, due_at=first.assignment.due_at)
    return None
