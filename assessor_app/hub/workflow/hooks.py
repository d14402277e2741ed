"""What happens around a recorded decision, called by ``decisions.record_decision`` in its
transaction: which status the assignment takes (``returned`` for an incomplete submission,
``pending_review`` when the credential asks for a second look at a final decision, else
``decided``), and the consequences of a final decision: an Open Badges credential for a
Pass (and any programme credential of a pathway it completes), the coaching count for a
Not Yet.

A live read is final only once the scoring plan says so (``scoring.second_reads``: a
single read, two agreeing reads, or an adjudication); a read waiting for another read is
``decided`` for its reader and reaches no educator. A validity paper
(``hub/scoring/validity.py``) is only compared with its key: it has no consequences.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from assessor_app.domain.assignment import AssignmentKind
from assessor_app.domain.decision import Decision
from assessor_app.hub.badges.issue import issue_on_pass
from assessor_app.hub.db import AssignmentRow, DecisionRow, SubmissionRow
from assessor_app.hub.pathways.award import award_after_pass
from assessor_app.hub.scoring.models import SOURCE_ADJUDICATED, SOURCE_SINGLE, FinalDecision
from assessor_app.hub.scoring.second_reads import after_read, record_final
from assessor_app.hub.scoring.validity import record_validity_result
from assessor_app.hub.workflow.models import (
    DEFAULT_COACHING_AFTER,
    REVIEW_PENDING,
    CoachingFlag,
    CredentialWorkflow,
    DecisionReview,
    ReturnedDecision,
)
from assessor_app.protocol.v1 import AssignmentStatus

PRODUCTION = AssignmentKind.PRODUCTION.value
# Work whose decision can reach an educator: a read, or an adjudicator's final sheet.
ADJUDICATION_KIND = AssignmentKind.ADJUDICATION.value
LIVE_KINDS = (PRODUCTION, ADJUDICATION_KIND)


@dataclass(frozen=True)
class WorkflowOptions:
    review_required: bool = False
    coaching_after: int = DEFAULT_COACHING_AFTER
    show_assessor_name: bool = False


def workflow_of(session: Session, credential_id: str) -> WorkflowOptions:
    row = session.get(CredentialWorkflow, credential_id)
    if row is None:
        return WorkflowOptions()
    return WorkflowOptions(row.review_required, row.coaching_after, row.show_assessor_name)


def after_recorded(
    session: Session,
    assignment: AssignmentRow,
    submission: SubmissionRow,
    decision: DecisionRow,
    now: datetime,
) -> AssignmentStatus:
    """The status a recorded decision leaves its assignment in, after acting on it.
    Calibration work is practice: it always ends ``decided``."""
    if assignment.kind not in LIVE_KINDS:
        return AssignmentStatus.DECIDED
    if record_validity_result(session, assignment, decision) is not None:
        # Compared with its key only: a validity paper never reaches an educator.
        return AssignmentStatus.DECIDED
    if decision.decision == Decision.RETURN_INCOMPLETE.value:
        # Back to the educator at once: completeness is no judgement to read twice.
        source = SOURCE_ADJUDICATED if assignment.kind == ADJUDICATION_KIND else SOURCE_SINGLE
        record_final(session, submission, assignment, decision.decision, source, now)
        return AssignmentStatus.RETURNED
    if after_read(session, assignment, submission, decision, now) is None:
        return AssignmentStatus.DECIDED
    if workflow_of(session, submission.credential_id).review_required:
        review = session.get(DecisionReview, assignment.id)
        if review is None:
            review = DecisionReview(assignment_id=assignment.id)
            session.add(review)
        review.state, review.reviewer_id, review.comment = REVIEW_PENDING, None, ""
        review.updated_at = now
        session.flush()
        session.expire(assignment, ["review_comment"])
        return AssignmentStatus.PENDING_REVIEW
    finalize(session, assignment, submission, decision, now)
    return AssignmentStatus.DECIDED


def finalize(
    session: Session,
    assignment: AssignmentRow,
    submission: SubmissionRow,
    decision: DecisionRow,
    now: datetime,
) -> None:
    """The decision is final: issue the badge for a Pass (and the programme credentials it
    completes), count a Not Yet."""
    if assignment.kind not in LIVE_KINDS:
        return
    if decision.decision == Decision.PASS.value:
        if issue_on_pass(session, assignment, decision, now) is not None:
            award_after_pass(session, submission.educator_pseudonym, submission.credential_id, now)
    elif decision.decision == Decision.NOT_YET.value:
        session.flush()
        count_not_yet(session, submission, now)


def count_not_yet(session: Session, submission: SubmissionRow, now: datetime) -> CoachingFlag:
    """Recount the educator's final Not Yet attempts at this credential and flag for
    coaching once they reach the credential's threshold."""
    attempts = session.scalar(
        select(func.count(distinct(SubmissionRow.id)))
        .join(FinalDecision, FinalDecision.submission_id == SubmissionRow.id)
        .join(AssignmentRow, AssignmentRow.id == FinalDecision.assignment_id)
        .where(
            SubmissionRow.credential_id == submission.credential_id,
            SubmissionRow.educator_pseudonym == submission.educator_pseudonym,
            AssignmentRow.status != AssignmentStatus.PENDING_REVIEW,
            FinalDecision.decision == Decision.NOT_YET.value,
        )
    )
    flag = session.get(CoachingFlag, (submission.credential_id, submission.educator_pseudonym))
    if flag is None:
        flag = CoachingFlag(
            credential_id=submission.credential_id,
            educator_pseudonym=submission.educator_pseudonym,
        )
        session.add(flag)
    flag.not_yet_attempts = int(attempts or 0)
    flag.last_submission_id = submission.id
    flag.updated_at = now
    threshold = workflow_of(session, submission.credential_id).coaching_after
    if flag.flagged_at is None and flag.not_yet_attempts >= threshold:
        flag.flagged_at = now
    return flag


def archived_upload(session: Session, user_id: int, key: str) -> ReturnedDecision | None:
    """An upload a reviewer returned, found by its Idempotency-Key (for replays)."""
    return session.scalar(
        select(ReturnedDecision)
        .where(ReturnedDecision.user_id == user_id, ReturnedDecision.idempotency_key == key)
        .order_by(ReturnedDecision.id.desc())
        .limit(1)
    )


def save_workflow(
    session: Session,
    credential_id: str,
    now: datetime,
    *,
    review_required: bool | None = None,
    coaching_after: int | None = None,
    show_assessor_name: bool | None = None,
) -> WorkflowOptions:
    """Change the options given (None keeps the current value); returns the result."""
    current = workflow_of(session, credential_id)
    row = session.get(CredentialWorkflow, credential_id)
    if row is None:
        row = CredentialWorkflow(credential_id=credential_id)
        session.add(row)
    row.review_required = current.review_required if review_required is None else review_required
    row.coaching_after = current.coaching_after if coaching_after is None else coaching_after
    row.show_assessor_name = (
        current.show_assessor_name if show_assessor_name is None else show_assessor_name
    )
    row.updated_at = now
    return WorkflowOptions(row.review_required, row.coaching_after, row.show_assessor_name)
