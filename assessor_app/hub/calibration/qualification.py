"""Keyed calibration: comparing an assessor's decision with the master scores, and the
per-credential qualification rules that turn those comparisons into a status.

An assessor is judged per credential over every keyed calibration assignment they hold
for it (revoked ones excluded). A criterion left unscored counts as a miss in both shares
and as further off than any allowed distance. The status words are documented in
``assessor_app.protocol.calibration``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessor_app.domain.rubric import Rubric
from assessor_app.hub.calibration.models import QualificationRule
from assessor_app.hub.db import (
    AssignmentRow,
    CalibrationKey,
    CredentialRow,
    DecisionRow,
    SubmissionRow,
    utcnow,
)
from assessor_app.protocol.calibration import (
    CalibrationStatus,
    CredentialQualification,
    CredentialStatus,
    CriterionAgreement,
    KeyCriterion,
    KeySummary,
    QualificationRules,
)
from assessor_app.protocol.rubric_file import CredentialSchema
from assessor_app.protocol.v1 import AssignmentStatus

CALIBRATION = "calibration"


@dataclass(frozen=True)
class KeyComparison:
    """One decision against its key: per-criterion agreement and the summary shares."""

    criteria: list[KeyCriterion]
    agreement: dict[str, CriterionAgreement]
    summary: KeySummary
    unscored: int
    worst_distance: int | None


def rubric_of(session: Session, submission: SubmissionRow) -> Rubric:
    row = session.get(CredentialRow, (submission.credential_id, submission.credential_version))
    if row is None:
        raise LookupError(f"credential {submission.credential_id} is missing")
    return CredentialSchema.model_validate(row.document).rubric.to_domain()


def compare_to_key(rubric: Rubric, key: CalibrationKey, body: dict[str, Any]) -> KeyComparison:
    """``body`` is the stored decision upload (``DecisionUpload`` JSON)."""
    yours = {c["criterion_id"]: c.get("level_id") for c in body.get("criteria", [])}
    criteria: list[KeyCriterion] = []
    agreement: dict[str, CriterionAgreement] = {}
    exact = adjacent = unscored = 0
    worst: int | None = None
    # Rubric order, so every reader lists criteria the way the assessor scored them.
    for criterion in rubric.criteria:
        entry = key.criteria.get(criterion.id)
        if entry is None:
            continue
        master = str(entry["level"])
        criteria.append(
            KeyCriterion(
                criterion_id=criterion.id, level_id=master, rationale=entry.get("rationale", "")
            )
        )
        mine = yours.get(criterion.id)
        master_rank = criterion.level_index(master)
        my_rank = criterion.level_index(mine) if mine else None
        distance = (
            abs(my_rank - master_rank) if my_rank is not None and master_rank is not None else None
        )
        if distance is None:
            unscored += 1
        else:
            worst = distance if worst is None else max(worst, distance)
            exact += distance == 0
            adjacent += distance <= 1
        agreement[criterion.id] = CriterionAgreement(
            yours=mine, master=master, exact=distance == 0, distance=distance
        )
    total = len(criteria) or 1
    summary = KeySummary(
        exact_share=exact / total,
        adjacent_share=adjacent / total,
        same_decision=body.get("decision") == key.decision,
    )
    return KeyComparison(criteria, agreement, summary, unscored, worst)


def rules_for(session: Session, credential_id: str) -> QualificationRules:
    row = session.get(QualificationRule, credential_id)
    if row is None:
        return QualificationRules()
    return QualificationRules(
        exact_share=row.exact_share,
        adjacent_share=row.adjacent_share,
        max_distance=row.max_distance,
        same_decision=row.same_decision,
    )


def set_rules(
    session: Session, credential_id: str, rules: QualificationRules, now: datetime | None = None
) -> None:
    row = session.get(QualificationRule, credential_id)
    if row is None:
        row = QualificationRule(credential_id=credential_id)
        session.add(row)
    row.exact_share = rules.exact_share
    row.adjacent_share = rules.adjacent_share
    row.max_distance = rules.max_distance
    row.same_decision = rules.same_decision
    row.updated_at = now or utcnow()


def rule_reasons(
    rules: QualificationRules,
    exact: float,
    adjacent: float,
    worst: int,
    unscored: int,
    same_decision: bool,
) -> list[str]:
    """Why results against keys fall short of ``rules`` (empty: they meet them). Used for
    calibration sets here and for validity papers (``hub/scoring/validity.py``)."""
    reasons: list[str] = []
    if exact < rules.exact_share - 1e-12:
        reasons.append(f"exact agreement {exact:.0%} is below {rules.exact_share:.0%}")
    if adjacent < rules.adjacent_share - 1e-12:
        reasons.append(
            f"exact-or-adjacent agreement {adjacent:.0%} is below {rules.adjacent_share:.0%}"
        )
    if worst > rules.max_distance:
        reasons.append(
            f"a criterion is {worst} levels off the key; at most {rules.max_distance} allowed"
        )
    if unscored:
        reasons.append(f"{unscored} keyed criteria were left unscored")
    if rules.same_decision and not same_decision:
        reasons.append("a decision differs from the key's Pass / Not Yet")
    return reasons


def judge(
    credential_id: str,
    rules: QualificationRules,
    keyed: int,
    comparisons: list[KeyComparison],
) -> CredentialQualification:
    """The standing on ``keyed`` keyed items, of which ``comparisons`` are decided."""
    decided = len(comparisons)
    if decided == 0:
        return CredentialQualification(
            credential_id=credential_id,
            status="not_started",
            rules=rules,
            keyed_items=keyed,
            decided_items=0,
        )
    total = sum(len(c.criteria) for c in comparisons) or 1
    exact = sum(c.summary.exact_share * len(c.criteria) for c in comparisons) / total
    adjacent = sum(c.summary.adjacent_share * len(c.criteria) for c in comparisons) / total
    worst = max((c.worst_distance for c in comparisons if c.worst_distance is not None), default=0)
    unscored = sum(c.unscored for c in comparisons)
    same = all(c.summary.same_decision for c in comparisons)
    reasons = rule_reasons(rules, exact, adjacent, worst, unscored, same)
    if decided < keyed:
        status: CredentialStatus = "in_progress"
    else:
        status = "not_qualified" if reasons else "qualified"
    return CredentialQualification(
        credential_id=credential_id,
        status=status,
        rules=rules,
        keyed_items=keyed,
        decided_items=decided,
        exact_share=exact,
        adjacent_share=adjacent,
        max_distance=worst,
        same_decision=same,
        reasons=reasons,
    )


def credential_qualifications(session: Session, user_id: int) -> list[CredentialQualification]:
    """The user's standing per credential they hold keyed calibration work for, by id."""
    rows = session.execute(
        select(AssignmentRow, SubmissionRow, CalibrationKey, DecisionRow)
        .join(SubmissionRow, SubmissionRow.id == AssignmentRow.submission_id)
        .join(CalibrationKey, CalibrationKey.submission_id == AssignmentRow.submission_id)
        .outerjoin(DecisionRow, DecisionRow.assignment_id == AssignmentRow.id)
        .where(
            AssignmentRow.user_id == user_id,
            AssignmentRow.kind == CALIBRATION,
            AssignmentRow.status != AssignmentStatus.REVOKED,
        )
    ).all()
    keyed: dict[str, int] = defaultdict(int)
    comparisons: dict[str, list[KeyComparison]] = defaultdict(list)
    rubrics: dict[tuple[str, int], Rubric] = {}
    for _assignment, submission, key, decision in rows:
        credential = submission.credential_id
        keyed[credential] += 1
        if decision is None:
            continue
        version = (credential, submission.credential_version)
        if version not in rubrics:
            rubrics[version] = rubric_of(session, submission)
        comparisons[credential].append(compare_to_key(rubrics[version], key, decision.body))
    return [
        judge(
            credential, rules_for(session, credential), keyed[credential], comparisons[credential]
        )
        for credential in sorted(keyed)
    ]


def overall_status(
    session: Session, user_id: int, per_credential: list[CredentialQualification] | None = None
) -> CalibrationStatus:
    """The single ``calibration_status`` of ``/me``; see ``protocol.calibration``."""
    items = (
        per_credential
        if per_credential is not None
        else credential_qualifications(session, user_id)
    )
    if items:
        if any(q.status in ("not_started", "in_progress") for q in items):
            return "in_progress"
        return "qualified" if all(q.status == "qualified" for q in items) else "not_qualified"
    statuses = session.scalars(
        select(AssignmentRow.status).where(
            AssignmentRow.user_id == user_id,
            AssignmentRow.kind == CALIBRATION,
            AssignmentRow.status != AssignmentStatus.REVOKED,
        )
    ).all()
    if not statuses:
        return "none"
    return "completed" if all(s == AssignmentStatus.DECIDED for s in statuses) else "in_progress"
