"""Recording a decision: re-validation against the rubric, idempotent replay, and the
conflict rules of ``PUT /assignments/{id}/decision``. Shared by the API and ``HubAdmin``.

The workflow (``hub.workflow.hooks``) chooses the status a recorded decision leaves the
assignment in and acts on final decisions (badge on Pass, coaching count on Not Yet)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessor_app.domain.assignment import AssignmentKind
from assessor_app.domain.decision import Decision
from assessor_app.domain.evaluation import ProblemCode, evaluate
from assessor_app.domain.rubric import Rubric
from assessor_app.hub.db import (
    ArtifactRow,
    AssignmentRow,
    CredentialRow,
    DecisionRow,
    SubmissionRow,
    next_change_seq,
    utcnow,
)
from assessor_app.hub.http_semantics import EntityTag, TagCondition, if_match_holds
from assessor_app.hub.scoring.adjudication import rationale_problems
from assessor_app.hub.workflow.hooks import after_recorded, archived_upload
from assessor_app.hub.workflow.models import ReturnedDecision
from assessor_app.protocol.rubric_file import CredentialSchema
from assessor_app.protocol.v1 import (
    AssignmentItem,
    AssignmentStatus,
    DecisionReceipt,
    DecisionUpload,
    citation_from_wire,
    version_tag,
)


@dataclass
class DecisionRefused(Exception):
    """Why an upload was not recorded; the API turns it into a problem response."""

    status: int
    title: str
    detail: str
    errors: list[dict[str, str]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.detail


@dataclass(frozen=True)
class DecisionOutcome:
    receipt: DecisionReceipt
    replayed: bool


def current_tag(version: int) -> EntityTag:
    """The assignment's version as the protocol tags it (``version_tag``), to compare
    with an upload's If-Match."""
    return EntityTag(version_tag(version).strip('"'))


def body_digest(upload: DecisionUpload) -> str:
    """Same content, same digest: key order and whitespace of the request do not matter."""
    canonical = json.dumps(upload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def credential_schema(session: Session, submission: SubmissionRow) -> CredentialSchema:
    row = session.get(CredentialRow, (submission.credential_id, submission.credential_version))
    if row is None:
        raise LookupError(f"credential {submission.credential_id} is missing")
    return CredentialSchema.model_validate(row.document)


def assignment_item(row: AssignmentRow) -> AssignmentItem:
    return AssignmentItem(
        id=row.id,
        submission_id=row.submission_id,
        kind=AssignmentKind(row.kind),
        status=AssignmentStatus(row.status),
        version=row.version,
        assigned_at=row.assigned_at,
        due_at=row.due_at,
        review_comment=row.review_comment,
    )


def receipt_of(row: DecisionRow | ReturnedDecision) -> DecisionReceipt:
    return DecisionReceipt(
        assignment_id=row.assignment_id,
        decision=Decision(row.decision),
        version=row.version,
        recorded_at=row.recorded_at,
    )


def check_upload(
    upload: DecisionUpload, rubric: Rubric, artifact_ids: set[str]
) -> tuple[list[dict[str, str]], float]:
    """Field problems (empty when the sheet can be recorded) and the sheet's total points."""
    errors: list[dict[str, str]] = []
    index_of: dict[str, int] = {}
    for i, score in enumerate(upload.criteria):
        if score.criterion_id in index_of:
            errors.append(
                {
                    "field": f"criteria[{i}].criterion_id",
                    "code": "duplicate_criterion",
                    "message": f"{score.criterion_id} is scored twice.",
                }
            )
        index_of.setdefault(score.criterion_id, i)
        for j, citation in enumerate(score.citations):
            where = f"criteria[{i}].citations[{j}]"
            if citation.artifact_id not in artifact_ids:
                errors.append(
                    {
                        "field": f"{where}.artifact_id",
                        "code": "unknown_artifact",
                        "message": f"{citation.artifact_id} is not an artifact of this submission.",
                    }
                )
            try:
                citation_from_wire(citation)
            except ValueError as exc:
                errors.append({"field": where, "code": "invalid_citation", "message": str(exc)})
    if errors:
        return errors, 0.0
    computed = evaluate(upload.to_sheet(None), rubric).computed
    evaluation = evaluate(upload.to_sheet(computed), rubric)
    problems = list(evaluation.problems)
    if computed is None and upload.decision is not Decision.RETURN_INCOMPLETE:
        # With a level missing or unknown there is no rubric result to override: report
        # the level problems, not a spurious demand for an override reason.
        problems = [p for p in problems if p.code is not ProblemCode.OVERRIDE_REASON_REQUIRED]
    for problem in problems:
        if problem.code is ProblemCode.FEEDBACK_REQUIRED:
            where = "feedback"
        elif problem.code is ProblemCode.OVERRIDE_REASON_REQUIRED:
            where = "override_reason"
        elif problem.criterion_id in index_of:
            where = f"criteria[{index_of[problem.criterion_id]}]"
        else:
            where = "criteria"
        errors.append({"field": where, "code": str(problem.code), "message": problem.message})
    return errors, evaluation.total_points


def replayed_upload(
    session: Session, assignment_id: str, user_id: int, upload: DecisionUpload, key: str
) -> DecisionOutcome | None:
    """The answer to a retry: the receipt of the upload ``key`` already carried, or
    ``DecisionRefused`` when it carried another one; None for a key not used yet.

    Needs no lock, so a retry can be answered without queueing for the change counter: a
    recorded (user, key) is never changed or forgotten (a reviewer's return moves it to the
    archive in one transaction, and both places are looked in), so what is found is what a
    locked look would find. Only None has to be confirmed under the lock."""
    earlier: DecisionRow | ReturnedDecision | None = session.scalar(
        select(DecisionRow).where(
            DecisionRow.user_id == user_id, DecisionRow.idempotency_key == key
        )
    )
    # A retry of an upload a reviewer has since returned replays its old receipt.
    earlier = earlier or archived_upload(session, user_id, key)
    if earlier is None:
        return None
    if earlier.assignment_id == assignment_id and earlier.body_sha256 == body_digest(upload):
        return DecisionOutcome(receipt_of(earlier), replayed=True)
    raise DecisionRefused(
        422,
        "Idempotency-Key reused",
        "This Idempotency-Key was already used for a different upload. Send a new key "
        "for a new upload, or resend exactly the same body to repeat the old one.",
    )


@dataclass(frozen=True)
class SheetCheck:
    """An upload checked against its rubric: field problems and total points."""

    submission: SubmissionRow
    errors: list[dict[str, str]]
    total: float


def check_sheet(session: Session, assignment: AssignmentRow, upload: DecisionUpload) -> SheetCheck:
    """``check_upload`` for ``assignment``'s submission, from what never changes once
    stored: the submission, its artifacts and its credential version's rubric."""
    submission = session.get(SubmissionRow, assignment.submission_id)
    assert submission is not None  # a foreign key guarantees it
    rubric = credential_schema(session, submission).rubric.to_domain()
    artifact_ids = set(
        session.scalars(
            select(ArtifactRow.id).where(ArtifactRow.submission_id == submission.id)
        ).all()
    )
    errors, total = check_upload(upload, rubric, artifact_ids)
    return SheetCheck(submission, errors, total)


def record_decision(
    session: Session,
    assignment_id: str,
    user_id: int,
    upload: DecisionUpload,
    idempotency_key: str,
    if_match: TagCondition | None,
    now: datetime | None = None,
) -> DecisionOutcome:
    """Record ``upload`` for the caller's assignment, or raise ``DecisionRefused``.
    ``if_match`` None skips the If-Match check (admin use). Must run in a write
    transaction: the change counter is taken, which serializes concurrent uploads.

    The sheet is checked against the rubric before the counter is taken, so that uploads
    hold it only for what can change (the assignment's state, earlier uploads and the
    workflow's consequences). An assignment's owner never changes either. The answers are
    the same as with every check under the lock, in the same order."""
    owned = session.get(AssignmentRow, assignment_id)
    sheet = check_sheet(session, owned, upload) if owned and owned.user_id == user_id else None
    seq = next_change_seq(session)
    earlier = replayed_upload(session, assignment_id, user_id, upload, idempotency_key)
    if earlier is not None:
        return earlier
    digest = body_digest(upload)
    assignment = session.get(AssignmentRow, assignment_id, populate_existing=True)
    if assignment is None or assignment.user_id != user_id:
        raise DecisionRefused(404, "Not Found", "No such assignment.")
    if assignment.status == AssignmentStatus.REVOKED:
        raise DecisionRefused(
            410,
            "Assignment revoked",
            "This assignment was withdrawn; the hub no longer takes a decision for it.",
            extra={"assignment": assignment_item(assignment).model_dump(mode="json")},
        )
    existing = session.get(DecisionRow, assignment_id)
    if existing is not None:
        raise DecisionRefused(
            409,
            "Already decided",
            "A decision for this assignment was already recorded under another Idempotency-Key.",
            extra={"decision": receipt_of(existing).model_dump(mode="json")},
        )
    if if_match is not None and not if_match_holds(if_match, current_tag(assignment.version)):
        raise DecisionRefused(
            412,
            "Version mismatch",
            f"If-Match does not name the assignment's current version, "
            f'"{assignment.version}". Sync, review the change, and upload again.',
            extra={"assignment": assignment_item(assignment).model_dump(mode="json")},
        )
    # Created by a transaction that committed while this one waited for the counter.
    sheet = sheet or check_sheet(session, assignment, upload)
    submission, total = sheet.submission, sheet.total
    errors = sheet.errors + rationale_problems(session, assignment, upload)
    if errors:
        raise DecisionRefused(
            422,
            "The score sheet cannot be recorded",
            "; ".join(f"{e['field']}: {e['message']}" for e in errors),
            errors=errors,
        )
    assignment.version += 1
    assignment.change_seq = seq
    row = DecisionRow(
        assignment_id=assignment.id,
        user_id=user_id,
        idempotency_key=idempotency_key,
        body_sha256=digest,
        body=upload.model_dump(mode="json"),
        decision=str(upload.decision),
        total_points=total,
        version=assignment.version,
        recorded_at=now or utcnow(),
    )
    session.add(row)
    session.flush()
    assignment.status = after_recorded(session, assignment, submission, row, row.recorded_at)
    return DecisionOutcome(receipt_of(row), replayed=False)
