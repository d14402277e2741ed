"""Backreading: a sampled share of decided sheets is read again by a ``backreader``, who
records per criterion whether they agree (and, when not, the level they would have given
and why). Disagreements reach the sheet's assessor as findings, never naming the
backreader. A backreader may send a decision that is still waiting for review back to its
assessor through the review's return path (``hub/workflow/review.py``).

Sampling is a ``backread`` work item per chosen sheet; allocation gives it to a
backreader, as an assignment of kind ``backread`` on the sheet's submission.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessor_app.domain.assignment import AssignmentKind
from assessor_app.domain.rubric import Rubric
from assessor_app.hub.calibration.qualification import rubric_of
from assessor_app.hub.db import (
    AssignmentRow,
    CredentialRow,
    DecisionRow,
    SubmissionRow,
    User,
    next_change_seq,
    utcnow,
)
from assessor_app.hub.decisions import assignment_item, current_tag
from assessor_app.hub.http_semantics import TagCondition, if_match_holds
from assessor_app.hub.scoring.flow_models import BackreadVerdictRow
from assessor_app.hub.scoring.models import BACKREAD, VALIDITY, ScoringPlan, WorkItem
from assessor_app.hub.scoring.plan import sampled
from assessor_app.hub.scoring.work import add_work
from assessor_app.hub.workflow.models import ReturnedDecision
from assessor_app.hub.workflow.review import ReviewRefused, return_to_assessor
from assessor_app.protocol.scoring import (
    DECIDED_READ,
    BackreadFinding,
    BackreadReceipt,
    BackreadVerdict,
    ReadOut,
    ReadsOut,
)
from assessor_app.protocol.v1 import AssignmentStatus, DecisionUpload

BACKREAD_LEAD_TIME = timedelta(days=7)
"""How long a backreader has for a backread."""


@dataclass
class BackreadRefused(Exception):
    """Why a verdict was not recorded; the API turns it into a problem response."""

    status: int
    title: str
    detail: str
    errors: list[dict[str, str]] | None = None
    extra: dict[str, Any] | None = None

    def __str__(self) -> str:
        return self.detail


@dataclass(frozen=True)
class VerdictOutcome:
    receipt: BackreadReceipt
    replayed: bool


def sample_backreads(
    session: Session, credential_id: str, now: datetime | None = None
) -> list[WorkItem]:
    """Create a backread work item for each decided production sheet of the credential
    (validity papers excluded) that the plan's backread rate draws (``plan.sampled``, by
    the sheet's assignment id, so a sheet is drawn or not whoever runs the job)."""
    plan = session.get(ScoringPlan, credential_id)
    if plan is None or plan.backread_rate <= 0:
        return []
    now = now or utcnow()
    validity = select(WorkItem.assignment_id).where(
        WorkItem.purpose == VALIDITY, WorkItem.assignment_id.is_not(None)
    )
    sampled_before = select(WorkItem.subject_assignment_id).where(
        WorkItem.purpose == BACKREAD, WorkItem.subject_assignment_id.is_not(None)
    )
    sheets = session.execute(
        select(AssignmentRow.id, AssignmentRow.submission_id)
        .join(DecisionRow, DecisionRow.assignment_id == AssignmentRow.id)
        .join(SubmissionRow, SubmissionRow.id == AssignmentRow.submission_id)
        .where(
            SubmissionRow.credential_id == credential_id,
            AssignmentRow.kind == AssignmentKind.PRODUCTION.value,
            AssignmentRow.id.not_in(validity),
            AssignmentRow.id.not_in(sampled_before),
        )
        .order_by(DecisionRow.recorded_at, AssignmentRow.id)
    ).all()
    created = []
    for sheet_id, submission_id in sheets:
        if not sampled(sheet_id, BACKREAD, plan.backread_rate):
            continue
        created.append(
            add_work(
                session,
                submission_id,
                BACKREAD,
                now,
                subject_assignment_id=sheet_id,
                due_at=now + BACKREAD_LEAD_TIME,
            )
        )
    session.flush()
    return created


def subject_of(session: Session, backread_assignment_id: str) -> AssignmentRow | None:
    """The decided sheet a backread assignment reads."""
    subject_id = session.scalar(
        select(WorkItem.subject_assignment_id).where(
            WorkItem.assignment_id == backread_assignment_id, WorkItem.purpose == BACKREAD
        )
    )
    return session.get(AssignmentRow, subject_id) if subject_id is not None else None


def _sheet_body(session: Session, sheet: AssignmentRow) -> dict[str, Any] | None:
    """The sheet's recorded upload; after a send-back, the upload that was returned."""
    decision = session.get(DecisionRow, sheet.id)
    if decision is not None:
        return decision.body
    returned = session.scalar(
        select(ReturnedDecision.body)
        .where(ReturnedDecision.assignment_id == sheet.id)
        .order_by(ReturnedDecision.id.desc())
        .limit(1)
    )
    return returned


def decided_read(session: Session, backread_assignment_id: str) -> ReadsOut | None:
    """``GET /assignments/{id}/reads`` of a backread: the one decided read, unnamed
    (None: the assignment is no backread)."""
    sheet = subject_of(session, backread_assignment_id)
    if sheet is None:
        return None
    body = _sheet_body(session, sheet)
    if body is None:
        return None
    upload = DecisionUpload.model_validate(body)
    return ReadsOut(
        reads=[
            ReadOut(
                label=DECIDED_READ,
                decision=upload.decision,
                criteria=upload.criteria,
                feedback=upload.feedback,
            )
        ]
    )


def _digest(verdict: BackreadVerdict) -> str:
    canonical = json.dumps(verdict.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_verdict(verdict: BackreadVerdict, rubric: Rubric) -> list[dict[str, str]]:
    """Field problems of a verdict (empty: it can be recorded)."""
    errors: list[dict[str, str]] = []
    criteria = {c.id: c for c in rubric.criteria}
    seen: set[str] = set()
    for i, entry in enumerate(verdict.criteria):
        where = f"criteria[{i}]"
        criterion = criteria.get(entry.criterion_id)
        if criterion is None:
            errors.append(
                {
                    "field": f"{where}.criterion_id",
                    "code": "unknown_criterion",
                    "message": f"{entry.criterion_id} is not a criterion of this rubric.",
                }
            )
            continue
        if entry.criterion_id in seen:
            errors.append(
                {
                    "field": f"{where}.criterion_id",
                    "code": "duplicate_criterion",
                    "message": f"{entry.criterion_id} is answered twice.",
                }
            )
        seen.add(entry.criterion_id)
        if entry.agree:
            continue
        if entry.level_id is None:
            errors.append(
                {
                    "field": f"{where}.level_id",
                    "code": "level_required",
                    "message": f"Say which level {criterion.title} deserves when you disagree.",
                }
            )
        elif criterion.level(entry.level_id) is None:
            errors.append(
                {
                    "field": f"{where}.level_id",
                    "code": "unknown_level",
                    "message": f"{entry.level_id} is not a level of {criterion.title}.",
                }
            )
    missing = [c.title for c in rubric.criteria if c.id not in seen]
    if missing and not errors:
        errors.append(
            {
                "field": "criteria",
                "code": "criterion_missing",
                "message": "Agree or disagree on every criterion; missing: "
                + ", ".join(missing)
                + ".",
            }
        )
    if verdict.send_back and not verdict.comment.strip():
        errors.append(
            {
                "field": "comment",
                "code": "comment_required",
                "message": "Say what the assessor should revise: the comment is empty.",
            }
        )
    return errors


def _receipt(row: BackreadVerdictRow) -> BackreadReceipt:
    return BackreadReceipt(
        assignment_id=row.assignment_id,
        version=row.version,
        recorded_at=row.recorded_at,
        sent_back=row.sent_back,
    )


def record_verdict(
    session: Session,
    assignment_id: str,
    backreader: User,
    verdict: BackreadVerdict,
    idempotency_key: str,
    if_match: TagCondition | None,
    now: datetime | None = None,
) -> VerdictOutcome:
    """Record the caller's verdict on their backread assignment, or raise
    ``BackreadRefused``. A write transaction; the change counter is taken first, which
    serialises it with every decision."""
    seq = next_change_seq(session)
    digest = _digest(verdict)
    earlier = session.scalar(
        select(BackreadVerdictRow).where(
            BackreadVerdictRow.user_id == backreader.id,
            BackreadVerdictRow.idempotency_key == idempotency_key,
        )
    )
    if earlier is not None:
        if earlier.assignment_id == assignment_id and earlier.body_sha256 == digest:
            return VerdictOutcome(_receipt(earlier), replayed=True)
        raise BackreadRefused(
            422,
            "Idempotency-Key reused",
            "This Idempotency-Key was already used for a different verdict. Send a new key "
            "for a new verdict, or resend exactly the same body to repeat the old one.",
        )
    assignment = session.get(AssignmentRow, assignment_id, populate_existing=True)
    if (
        assignment is None
        or assignment.user_id != backreader.id
        or assignment.kind != AssignmentKind.BACKREAD.value
    ):
        raise BackreadRefused(404, "Not Found", "No such backread assignment.")
    if assignment.status == AssignmentStatus.REVOKED:
        raise BackreadRefused(
            410,
            "Assignment revoked",
            "This backread was withdrawn; the hub no longer takes a verdict for it.",
            extra={"assignment": assignment_item(assignment).model_dump(mode="json")},
        )
    if session.get(BackreadVerdictRow, assignment_id) is not None:
        raise BackreadRefused(
            409,
            "Already recorded",
            "A verdict for this backread was already recorded under another Idempotency-Key.",
        )
    if if_match is not None and not if_match_holds(if_match, current_tag(assignment.version)):
        raise BackreadRefused(
            412,
            "Version mismatch",
            f"If-Match does not name the assignment's current version, "
            f'"{assignment.version}". Sync, review the change, and send the verdict again.',
            extra={"assignment": assignment_item(assignment).model_dump(mode="json")},
        )
    sheet = subject_of(session, assignment_id)
    submission = session.get(SubmissionRow, assignment.submission_id)
    assert sheet is not None and submission is not None  # allocation made it from a work item
    errors = check_verdict(verdict, rubric_of(session, submission))
    if errors:
        raise BackreadRefused(
            422,
            "The verdict cannot be recorded",
            "; ".join(f"{e['field']}: {e['message']}" for e in errors),
            errors=errors,
        )
    body = _sheet_body(session, sheet) or {}
    when = now or utcnow()
    if verdict.send_back:
        try:
            return_to_assessor(session, sheet.id, backreader, verdict.comment, when)
        except ReviewRefused as exc:
            raise BackreadRefused(
                409,
                "Decision is final",
                "Only a decision still waiting for review can be sent back; this one "
                f"cannot ({exc.detail}) Send the verdict without sending it back.",
            ) from None
        # return_to_assessor took a change number of its own for the sheet.
    assignment.status = AssignmentStatus.DECIDED
    assignment.version += 1
    assignment.change_seq = seq
    row = BackreadVerdictRow(
        assignment_id=assignment.id,
        subject_assignment_id=sheet.id,
        user_id=backreader.id,
        idempotency_key=idempotency_key,
        body_sha256=digest,
        body=verdict.model_dump(mode="json"),
        subject_levels={c["criterion_id"]: c.get("level_id") for c in body.get("criteria", [])},
        sent_back=verdict.send_back,
        version=assignment.version,
        recorded_at=when,
    )
    session.add(row)
    session.flush()
    return VerdictOutcome(_receipt(row), replayed=False)


def findings_for(session: Session, user_id: int) -> list[BackreadFinding]:
    """Every criterion of the caller's own sheets a backreader disagreed with, newest
    first; who backread is never said."""
    rows = session.execute(
        select(BackreadVerdictRow, AssignmentRow, SubmissionRow)
        .join(AssignmentRow, AssignmentRow.id == BackreadVerdictRow.subject_assignment_id)
        .join(SubmissionRow, SubmissionRow.id == AssignmentRow.submission_id)
        .where(AssignmentRow.user_id == user_id)
        .order_by(BackreadVerdictRow.recorded_at.desc(), BackreadVerdictRow.assignment_id)
    ).all()
    out = []
    for verdict, sheet, submission in rows:
        rubric = rubric_of(session, submission)
        title = session.scalar(
            select(CredentialRow.title).where(
                CredentialRow.id == submission.credential_id,
                CredentialRow.version == submission.credential_version,
            )
        )
        titles = {c.id: c.title for c in rubric.criteria}
        for entry in BackreadVerdict.model_validate(verdict.body).criteria:
            if entry.agree:
                continue
            out.append(
                BackreadFinding(
                    assignment_id=sheet.id,
                    credential_title=title or submission.credential_id,
                    educator_pseudonym=submission.educator_pseudonym,
                    criterion_id=entry.criterion_id,
                    criterion_title=titles.get(entry.criterion_id, entry.criterion_id),
                    own_level_id=verdict.subject_levels.get(entry.criterion_id),
                    backreader_level_id=entry.level_id,
                    comment=entry.comment,
                    recorded_at=verdict.recorded_at,
                )
            )
    return out
