"""Validity papers: keyed submissions seeded unannounced into assessors' production
queues, compared with their key on upload, and the *recalibration required* status that
follows when an assessor's recent papers fall below the credential's qualification rule.

A validity paper is a ``validity`` work item targeted at one assessor; allocation turns it
into an ordinary ``production`` assignment, so the client cannot tell it from live work.
Its decision never reaches an educator: ``is_validity_paper`` tells the workflow so, and
``record_validity_result`` stores the comparison instead.

Recalibration: walking the assessor's validity results in order, the window is their last
``validity_window`` papers since they last qualified. Once it falls short of the rule the
assessor needs recalibration from that moment until every keyed calibration item of that
credential assigned to them afterwards is decided and meets the rule
(``hub/calibration/qualification.py``).
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessor_app.domain.assignment import AssignmentKind
from assessor_app.domain.wording import plural
from assessor_app.hub.calibration.qualification import (
    compare_to_key,
    judge,
    rubric_of,
    rule_reasons,
    rules_for,
)
from assessor_app.hub.db import (
    AssignmentRow,
    CalibrationKey,
    CredentialRow,
    DecisionRow,
    SubmissionRow,
    User,
    utcnow,
)
from assessor_app.hub.scoring.affiliations import in_conflict
from assessor_app.hub.scoring.flow_models import ValidityResult
from assessor_app.hub.scoring.models import VALIDITY, ScoringPlan, WorkItem
from assessor_app.hub.scoring.work import ROLE_OF, add_work
from assessor_app.protocol.calibration import QualificationRules
from assessor_app.protocol.v1 import AssignmentStatus, RecalibrationNotice


def is_validity_paper(session: Session, assignment_id: str) -> bool:
    return (
        session.scalar(
            select(WorkItem.id).where(
                WorkItem.assignment_id == assignment_id, WorkItem.purpose == VALIDITY
            )
        )
        is not None
    )


def record_validity_result(
    session: Session, assignment: AssignmentRow, decision: DecisionRow
) -> ValidityResult | None:
    """Compare a validity paper's recorded decision with its key (None: not a validity
    paper). Called in the upload's transaction."""
    if not is_validity_paper(session, assignment.id):
        return None
    submission = session.get(SubmissionRow, assignment.submission_id)
    key = session.get(CalibrationKey, assignment.submission_id)
    assert submission is not None and key is not None  # seeded from keyed submissions only
    comparison = compare_to_key(rubric_of(session, submission), key, decision.body)
    rules = rules_for(session, submission.credential_id)
    summary = comparison.summary
    row = ValidityResult(
        assignment_id=assignment.id,
        user_id=assignment.user_id,
        credential_id=submission.credential_id,
        keyed_criteria=len(comparison.criteria),
        exact_share=summary.exact_share,
        adjacent_share=summary.adjacent_share,
        worst_distance=comparison.worst_distance,
        unscored=comparison.unscored,
        same_decision=summary.same_decision,
        within_rule=not rule_reasons(
            rules,
            summary.exact_share,
            summary.adjacent_share,
            comparison.worst_distance or 0,
            comparison.unscored,
            summary.same_decision,
        ),
        recorded_at=decision.recorded_at,
    )
    session.add(row)
    return row


def _window_reasons(rules: QualificationRules, window: list[ValidityResult]) -> list[str]:
    total = sum(r.keyed_criteria for r in window) or 1
    return rule_reasons(
        rules,
        sum(r.exact_share * r.keyed_criteria for r in window) / total,
        sum(r.adjacent_share * r.keyed_criteria for r in window) / total,
        max((r.worst_distance or 0 for r in window), default=0),
        sum(r.unscored for r in window),
        all(r.same_decision for r in window),
    )


def _requalified_at(
    session: Session, user_id: int, credential_id: str, after: datetime
) -> datetime | None:
    """When the assessor qualified on the keyed calibration items of ``credential_id``
    assigned to them after ``after``; None while they have not (yet)."""
    rows = session.execute(
        select(AssignmentRow, SubmissionRow, CalibrationKey, DecisionRow)
        .join(SubmissionRow, SubmissionRow.id == AssignmentRow.submission_id)
        .join(CalibrationKey, CalibrationKey.submission_id == AssignmentRow.submission_id)
        .outerjoin(DecisionRow, DecisionRow.assignment_id == AssignmentRow.id)
        .where(
            AssignmentRow.user_id == user_id,
            AssignmentRow.kind == AssignmentKind.CALIBRATION.value,
            AssignmentRow.status != AssignmentStatus.REVOKED,
            AssignmentRow.assigned_at > after,
            SubmissionRow.credential_id == credential_id,
        )
    ).all()
    decided = [(s, k, d) for _a, s, k, d in rows if d is not None]
    if not rows or len(decided) < len(rows):
        return None
    comparisons = [compare_to_key(rubric_of(session, s), k, d.body) for s, k, d in decided]
    standing = judge(credential_id, rules_for(session, credential_id), len(rows), comparisons)
    if standing.status != "qualified":
        return None
    return max(d.recorded_at for _s, _k, d in decided)


def needs_recalibration(session: Session, user_id: int, credential_id: str) -> str | None:
    """Why the assessor must qualify again before new production work of this credential,
    or None when they need not. Allocation asks this before giving production work."""
    plan = session.get(ScoringPlan, credential_id)
    if plan is None or plan.validity_window < 1:
        return None
    results = list(
        session.scalars(
            select(ValidityResult)
            .where(ValidityResult.user_id == user_id, ValidityResult.credential_id == credential_id)
            .order_by(ValidityResult.recorded_at, ValidityResult.assignment_id)
        )
    )
    rules = rules_for(session, credential_id)
    since: datetime | None = None
    start = 0
    while start < len(results):
        for end in range(start, len(results)):
            window = results[max(start, end + 1 - plan.validity_window) : end + 1]
            reasons = _window_reasons(rules, window)
            if reasons:
                break
        else:
            return None
        flagged_at = results[end].recorded_at
        since = _requalified_at(session, user_id, credential_id, flagged_at)
        if since is None:
            papers = plural(
                len(window), "paper checked against a key", "papers checked against keys"
            )
            return (
                f"Over your last {papers}: {'; '.join(reasons)}. Qualify again on a "
                "calibration set of this credential to receive new work for it."
            )
        start = next((i for i, r in enumerate(results) if r.recorded_at > since), len(results))
    return None


def recalibration_notices(session: Session, user_id: int) -> list[RecalibrationNotice]:
    """``/me``'s ``recalibration``: every credential the caller must qualify for again."""
    out = []
    for plan in session.scalars(select(ScoringPlan).order_by(ScoringPlan.credential_id)):
        reason = needs_recalibration(session, user_id, plan.credential_id)
        if reason is None:
            continue
        title = session.scalar(
            select(CredentialRow.title)
            .where(CredentialRow.id == plan.credential_id)
            .order_by(CredentialRow.version.desc())
            .limit(1)
        )
        out.append(
            RecalibrationNotice(
                credential_id=plan.credential_id,
                credential_title=title or plan.credential_id,
                reason=reason,
            )
        )
    return out


def _production_reads(session: Session, user_id: int, credential_id: str) -> list[AssignmentRow]:
    validity = select(WorkItem.assignment_id).where(
        WorkItem.purpose == VALIDITY, WorkItem.assignment_id.is_not(None)
    )
    return list(
        session.scalars(
            select(AssignmentRow)
            .join(SubmissionRow, SubmissionRow.id == AssignmentRow.submission_id)
            .where(
                AssignmentRow.user_id == user_id,
                AssignmentRow.kind == AssignmentKind.PRODUCTION.value,
                AssignmentRow.status != AssignmentStatus.REVOKED,
                AssignmentRow.id.not_in(validity),
                SubmissionRow.credential_id == credential_id,
            )
            .order_by(AssignmentRow.assigned_at.desc())
        )
    )


def seed_validity_papers(
    session: Session, credential_id: str, now: datetime | None = None
) -> list[WorkItem]:
    """Create the validity work items the plan's rate owes each assessor with live work of
    this credential: ``ceil(rate x production reads)`` papers each, counting those already
    seeded, from keyed submissions they have never held and have no conflict with. The due
    date repeats the lead time of their latest production assignment, so the paper looks
    like live work."""
    plan = session.get(ScoringPlan, credential_id)
    if plan is None or plan.validity_rate <= 0:
        return []
    now = now or utcnow()
    keyed = list(
        session.scalars(
            select(SubmissionRow.id)
            .join(CalibrationKey, CalibrationKey.submission_id == SubmissionRow.id)
            .where(SubmissionRow.credential_id == credential_id)
            .order_by(SubmissionRow.created_at, SubmissionRow.id)
        )
    )
    if not keyed:
        return []
    created = []
    for user in session.scalars(select(User).order_by(User.id)):
        if ROLE_OF[VALIDITY] not in user.roles:
            continue
        reads = _production_reads(session, user.id, credential_id)
        if not reads or needs_recalibration(session, user.id, credential_id) is not None:
            continue
        seeded = session.scalars(
            select(WorkItem.submission_id).where(
                WorkItem.purpose == VALIDITY, WorkItem.target_user_id == user.id
            )
        ).all()
        owed = math.ceil(plan.validity_rate * len(reads) - 1e-9) - sum(
            1 for s in seeded if s in keyed
        )
        if owed <= 0:
            continue
        held = set(
            session.scalars(
                select(AssignmentRow.submission_id).where(AssignmentRow.user_id == user.id)
            ).all()
        ) | set(seeded)
        latest = reads[0]
        lead = latest.due_at - latest.assigned_at if latest.due_at is not None else None
        # A paper allocation could never give them would wait for ever in their name.
        free = [s for s in keyed if s not in held and not in_conflict(session, user.id, s)]
        for submission_id in free[:owed]:
            item = add_work(
                session,
                submission_id,
                VALIDITY,
                now,
                target_user_id=user.id,
                due_at=now + lead if lead is not None else None,
            )
            created.append(item)
    session.flush()
    return created
