"""What happens around a recorded decision, called by ``decisions.record_decision`` in its
transaction: which status the assignment takes (``returned`` for an incomplete submission,
``pending_review`` when the credential asks for a second look, else final), and the
consequences of a final decision: an Open Badges credential for a Pass (and any programme
credential of a pathway it completes), the coaching count for a Not Yet. A validity paper
(``hub/scoring/validity.py``) is only compared with its key: it has no consequences.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from assessor_app.domain.decision import Decision
from assessor_app.hub.badges.issue import issue_on_pass
from assessor_app.hub.db import AssignmentRow, DecisionRow, SubmissionRow
from assessor_app.hub.pathways.award import award_after_pass
from assessor_app.hub.scoring.validity import is_validity_paper, record_validity_result
from assessor_app.hub.workflow.models import (
    DEFAULT_COACHING_AFTER,
    REVIEW_PENDING,
    CoachingFlag,
    CredentialWorkflow,
    DecisionReview,
    ReturnedDecision,
)
from assessor_app.protocol.v1 import AssignmentStatus

PRODUCTION = "production"


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


def status_after_upload(
    session: Session, assignment: AssignmentRow, submission: SubmissionRow, decision: Decision
) -> AssignmentStatus | None:
    """The workflow status an upload puts the assignment in; None means final (decided).
    Calibration work is practice and a validity paper a check of its reader: they always
    end ``decided``."""
    if assignment.kind != PRODUCTION or is_validity_paper(session, assignment.id):
        return None
    if decision is Decision.RETURN_INCOMPLETE:
        return AssignmentStatus.RETURNED
    if workflow_of(session, submission.credential_id).review_required:
        return AssignmentStatus.PENDING_REVIEW
    return None


def after_recorded(
    session: Session,
    assignment: AssignmentRow,
    submission: SubmissionRow,
    decision: DecisionRow,
    now: datetime,
) -> None:
    if record_validity_result(session, assignment, decision) is not None:
        # Compared with its key only: a validity paper never reaches an educator.
        return
    if assignment.status == AssignmentStatus.PENDING_REVIEW:
        review = session.get(DecisionReview, assignment.id)
        if review is None:
            review = DecisionReview(assignment_id=assignment.id)
            session.add(review)
        review.state, review.reviewer_id, review.comment = REVIEW_PENDING, None, ""
        review.updated_at = now
        session.flush()
        session.expire(assignment, ["review_comment"])
        return
    finalize(session, assignment, submission, decision, now)


def finalize(
    session: Session,
    assignment: AssignmentRow,
    submission: SubmissionRow,
    decision: DecisionRow,
    now: datetime,
) -> None:
    """The decision is final: issue the badge for a Pass (and the programme credentials it
    completes), count a Not Yet."""
    if assignment.kind != PRODUCTION:
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
        .join(AssignmentRow, AssignmentRow.submission_id == SubmissionRow.id)
        .join(DecisionRow, DecisionRow.assignment_id == AssignmentRow.id)
        .where(
            SubmissionRow.credential_id == submission.credential_id,
            SubmissionRow.educator_pseudonym == submission.educator_pseudonym,
            AssignmentRow.kind == PRODUCTION,
            AssignmentRow.status != AssignmentStatus.PENDING_REVIEW,
            DecisionRow.decision == Decision.NOT_YET.value,
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
