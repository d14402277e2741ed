"""The educator feedback report served by the hub: the final decision of a submission as
the PDF ``reports.build_feedback_report`` makes, built from the stored sheet.

The private note is removed from the sheet before the report sees it, and the assessor's
name is printed only when the credential's workflow allows it (``show_assessor_name``).
"""

from __future__ import annotations

import io
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessor_app.domain.artifacts import Artifact
from assessor_app.domain.decision import Decision
from assessor_app.domain.evaluation import evaluate
from assessor_app.domain.submission import Submission
from assessor_app.hub.badges.page import badge_page_url
from assessor_app.hub.db import ArtifactRow, AssignmentRow, DecisionRow, SubmissionRow, User
from assessor_app.hub.decisions import credential_schema
from assessor_app.hub.scoring.models import FinalDecision
from assessor_app.hub.workflow.hooks import workflow_of
from assessor_app.hub.workflow.models import IssuedCredential
from assessor_app.protocol.v1 import AssignmentStatus, DecisionUpload, PreviousAttemptOut
from assessor_app.reports.feedback_report import build_feedback_report


class ReportUnavailable(LookupError):
    """No report for this caller: ``status`` 404 (not theirs or missing) or 409 (not final)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _final_decision(
    session: Session, submission_id: str, user: User
) -> tuple[DecisionRow, User] | None:
    """The sheet carrying the submission's final decision, for its reader or an admin.
    ``ReportUnavailable`` (409) while a reader's decision is not final yet."""
    final = session.get(FinalDecision, submission_id)
    row = (
        session.execute(
            select(DecisionRow, User)
            .join(User, User.id == DecisionRow.user_id)
            .where(DecisionRow.assignment_id == final.assignment_id)
        ).first()
        if final is not None
        else None
    )
    if row is not None and (row[0].user_id == user.id or "admin" in user.roles):
        return row[0], row[1]
    waiting = session.scalar(
        select(DecisionRow.assignment_id)
        .join(AssignmentRow, AssignmentRow.id == DecisionRow.assignment_id)
        .where(AssignmentRow.submission_id == submission_id, DecisionRow.user_id == user.id)
        .limit(1)
    )
    if row is None and (waiting is not None or "admin" in user.roles):
        raise ReportUnavailable(
            409,
            "The decision is not final yet (it waits for another read or an adjudication): "
            "the report exists once it is final.",
        )
    return None


def feedback_report_pdf(session: Session, submission_id: str, user: User, issuer_url: str) -> bytes:
    """The report's bytes, or ``ReportUnavailable``. A Pass issued as a badge links to its
    public page at ``issuer_url``."""
    found = _final_decision(session, submission_id, user)
    submission = session.get(SubmissionRow, submission_id)
    if found is None or submission is None:
        raise ReportUnavailable(404, "Nothing here: check the id and that you decided it.")
    decision_row, assessor = found
    assignment = session.get(AssignmentRow, decision_row.assignment_id)
    if assignment is None or assignment.status == AssignmentStatus.PENDING_REVIEW:
        raise ReportUnavailable(
            409, "The decision is waiting for review: the report exists once it is final."
        )
    credential = credential_schema(session, submission).to_domain()
    upload = DecisionUpload.model_validate(decision_row.body)
    computed = evaluate(upload.to_sheet(None), credential.rubric).computed
    # The report never prints the private note; dropping it here means it cannot.
    sheet = replace(upload.to_sheet(computed), private_note="")
    artifacts = tuple(
        Artifact(a.id, a.filename, a.media_type, a.size, a.sha256, a.title)
        for a in session.scalars(
            select(ArtifactRow)
            .where(ArtifactRow.submission_id == submission.id)
            .order_by(ArtifactRow.position)
        )
    )
    domain_submission = Submission(
        id=submission.id,
        credential_id=submission.credential_id,
        attempt=submission.attempt,
        educator_pseudonym=submission.educator_pseudonym,
        artifacts=artifacts,
        change_note=submission.change_note,
        previous_attempts=tuple(
            PreviousAttemptOut.model_validate(p).to_domain() for p in submission.previous_attempts
        ),
    )
    issued = session.scalar(
        select(IssuedCredential).where(IssuedCredential.assignment_id == assignment.id)
    )
    out = io.BytesIO()
    build_feedback_report(
        out,
        credential=credential,
        submission=domain_submission,
        sheet=sheet,
        decision=Decision(decision_row.decision),
        decided_at=decision_row.recorded_at,
        assessor_name=assessor.display_name,
        show_assessor_name=workflow_of(session, submission.credential_id).show_assessor_name,
        badge_url=badge_page_url(issuer_url, issued.id) if issued is not None else None,
    )
    return out.getvalue()
