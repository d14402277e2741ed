"""Second-level review and the coaching listing: the operations behind ``/api/v1/reviews``,
``/api/v1/coaching`` and the ``review`` and ``coaching`` commands.

Approving makes the decision final (``decided``: badge or coaching count follow). Returning
moves the decision to ``returned_decisions`` and reopens the assignment as
``returned_for_revision`` with a new version and change number, so it reaches the assessor's
next ``/assignments`` delta with the comment; they upload again with a new Idempotency-Key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessor_app.domain.decision import Decision
from assessor_app.hub.db import (
    AssignmentRow,
    CredentialRow,
    DecisionRow,
    SubmissionRow,
    User,
    next_change_seq,
)
from assessor_app.hub.scoring.second_reads import withdraw_final
from assessor_app.hub.workflow.hooks import finalize, workflow_of
from assessor_app.hub.workflow.models import (
    REVIEW_APPROVED,
    REVIEW_PENDING,
    REVIEW_RETURNED,
    CoachingFlag,
    DecisionReview,
    IssuedCredential,
    ReturnedDecision,
)
from assessor_app.protocol.v1 import AssignmentStatus, CriterionLevelOut
from assessor_app.protocol.workflow import CoachingFlagOut, ReviewItem, ReviewOutcome


@dataclass
class ReviewRefused(Exception):
    """Why a review action was not taken; ``status`` is the HTTP status to answer with."""

    status: int
    title: str
    detail: str

    def __str__(self) -> str:
        return self.detail


def pending_reviews(session: Session) -> list[ReviewItem]:
    """Every decision waiting for review, oldest first."""
    rows = session.execute(
        select(DecisionRow, AssignmentRow, SubmissionRow, User, CredentialRow.title)
        .join(DecisionReview, DecisionReview.assignment_id == DecisionRow.assignment_id)
        .join(AssignmentRow, AssignmentRow.id == DecisionRow.assignment_id)
        .join(SubmissionRow, SubmissionRow.id == AssignmentRow.submission_id)
        .join(User, User.id == DecisionRow.user_id)
        .join(
            CredentialRow,
            (CredentialRow.id == SubmissionRow.credential_id)
            & (CredentialRow.version == SubmissionRow.credential_version),
        )
        .where(
            DecisionReview.state == REVIEW_PENDING,
            AssignmentRow.status == AssignmentStatus.PENDING_REVIEW,
        )
        .order_by(DecisionRow.recorded_at, DecisionRow.assignment_id)
    ).all()
    return [
        ReviewItem(
            assignment_id=assignment.id,
            submission_id=submission.id,
            credential_id=submission.credential_id,
            credential_title=title,
            attempt=submission.attempt,
            educator_pseudonym=submission.educator_pseudonym,
            assessor=assessor.username,
            decision=Decision(decision.decision),
            total_points=decision.total_points,
            criteria=[
                CriterionLevelOut(
                    criterion_id=c["criterion_id"],
                    level_id=c.get("level_id"),
                    rationale=c.get("rationale", ""),
                )
                for c in decision.body.get("criteria", [])
            ],
            feedback=decision.body.get("feedback", ""),
            override_reason=decision.body.get("override_reason", ""),
            recorded_at=decision.recorded_at,
        )
        for decision, assignment, submission, assessor, title in rows
    ]


def _pending(
    session: Session, assignment_id: str, reviewer: User
) -> tuple[AssignmentRow, DecisionRow, DecisionReview]:
    assignment = session.get(AssignmentRow, assignment_id, populate_existing=True)
    review = session.get(DecisionReview, assignment_id, populate_existing=True)
    decision = session.get(DecisionRow, assignment_id)
    if assignment is None or review is None:
        raise ReviewRefused(404, "Not Found", "No decision under review has this assignment id.")
    if (
        review.state != REVIEW_PENDING
        or assignment.status != AssignmentStatus.PENDING_REVIEW
        or decision is None
    ):
        raise ReviewRefused(
            409,
            "Not waiting for review",
            f"Assignment {assignment_id} is {assignment.status}: only a decision pending "
            "review can be approved or returned.",
        )
    if decision.user_id == reviewer.id:
        raise ReviewRefused(
            403, "Own decision", "A reviewer cannot review a decision they made themselves."
        )
    return assignment, decision, review


def approve(
    session: Session, assignment_id: str, reviewer: User, comment: str, now: datetime
) -> ReviewOutcome:
    """Make a pending decision final. Runs in a write transaction."""
    seq = next_change_seq(session)
    assignment, decision, review = _pending(session, assignment_id, reviewer)
    review.state, review.reviewer_id, review.comment = REVIEW_APPROVED, reviewer.id, comment
    review.updated_at = now
    assignment.status = AssignmentStatus.DECIDED
    assignment.version += 1
    assignment.change_seq = seq
    submission = session.get(SubmissionRow, assignment.submission_id)
    assert submission is not None  # a foreign key guarantees it
    finalize(session, assignment, submission, decision, now)
    session.flush()
    issued = session.scalar(
        select(IssuedCredential.id).where(IssuedCredential.assignment_id == assignment.id)
    )
    return ReviewOutcome(
        assignment_id=assignment.id,
        state="approved",
        assignment_status=assignment.status,
        assignment_version=assignment.version,
        credential_id=issued,
    )


def return_to_assessor(
    session: Session, assignment_id: str, reviewer: User, comment: str, now: datetime
) -> ReviewOutcome:
    """Send a pending decision back to its assessor with ``comment``. Write transaction."""
    if not comment.strip():
        raise ReviewRefused(
            422, "Comment required", "Say what the assessor should revise: the comment is empty."
        )
    seq = next_change_seq(session)
    assignment, decision, review = _pending(session, assignment_id, reviewer)
    session.add(
        ReturnedDecision(
            assignment_id=decision.assignment_id,
            user_id=decision.user_id,
            idempotency_key=decision.idempotency_key,
            body_sha256=decision.body_sha256,
            body=decision.body,
            decision=decision.decision,
            version=decision.version,
            recorded_at=decision.recorded_at,
            reviewer_id=reviewer.id,
            comment=comment,
            returned_at=now,
        )
    )
    session.delete(decision)
    withdraw_final(session, assignment)
    review.state, review.reviewer_id, review.comment = REVIEW_RETURNED, reviewer.id, comment
    review.updated_at = now
    assignment.status = AssignmentStatus.RETURNED_FOR_REVISION
    assignment.version += 1
    assignment.change_seq = seq
    session.flush()
    return ReviewOutcome(
        assignment_id=assignment.id,
        state="returned",
        assignment_status=assignment.status,
        assignment_version=assignment.version,
    )


def coaching_flags(session: Session, *, flagged_only: bool = True) -> list[CoachingFlagOut]:
    """Educators with final Not Yet attempts per credential, judged against each
    credential's current threshold; by default only those who reached it."""
    out = []
    for flag in session.scalars(
        select(CoachingFlag).order_by(CoachingFlag.credential_id, CoachingFlag.educator_pseudonym)
    ):
        threshold = workflow_of(session, flag.credential_id).coaching_after
        flagged = flag.not_yet_attempts >= threshold
        if flagged_only and not flagged:
            continue
        out.append(
            CoachingFlagOut(
                credential_id=flag.credential_id,
                educator_pseudonym=flag.educator_pseudonym,
                not_yet_attempts=flag.not_yet_attempts,
                threshold=threshold,
                flagged=flagged,
                flagged_at=flag.flagged_at,
                last_submission_id=flag.last_submission_id,
            )
        )
    return out
