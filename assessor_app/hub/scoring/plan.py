"""A credential's scoring plan: how much live work is read twice, when two reads need an
adjudicator, the rates of validity papers and backreads, and whether live work needs a
qualified assessor. ``set-scoring`` changes it, ``scoring-plan`` prints it, and every
flow reads it through ``plan_of``.

Sampling is deterministic: whether a submission is drawn for a purpose depends only on
its id, the purpose and the share, so a rerun (or a second hub process) draws the same.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessor_app.domain.adjudication import AdjudicationRule, AgreementBasis
from assessor_app.domain.rubric import MinimumPoints, Rubric
from assessor_app.hub.db import CredentialRow
from assessor_app.hub.scoring.models import ScoringPlan
from assessor_app.protocol.rubric_file import CredentialSchema

DEFAULT_VALIDITY_WINDOW = 10
MAX_VALIDITY_WINDOW = 1000
MAX_DISTANCE = 20


class PlanError(ValueError):
    """A plan that cannot be stored, in the admin's words."""


def _share(value: float, option: str) -> None:
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise PlanError(f"{option} is a share between 0 and 1 (like 0.1 for 10 %), not {value:g}")


@dataclass(frozen=True)
class Plan:
    """A credential's plan; the defaults (a credential without one) read everything once."""

    second_read_share: float = 0.0
    second_read_near_cut: float = 0.0
    adjudication: AdjudicationRule = field(default_factory=AdjudicationRule)
    validity_rate: float = 0.0
    validity_window: int = DEFAULT_VALIDITY_WINDOW
    backread_rate: float = 0.0
    require_qualified: bool = False

    def __post_init__(self) -> None:
        _share(self.second_read_share, "--second-read")
        _share(self.validity_rate, "--validity-rate")
        _share(self.backread_rate, "--backread-rate")
        near = self.second_read_near_cut
        if not (math.isfinite(near) and near >= 0.0):
            raise PlanError(f"--second-read-near-cut is a number of points >= 0, not {near:g}")
        if not 1 <= self.validity_window <= MAX_VALIDITY_WINDOW:
            raise PlanError(
                f"--validity-window is a number of papers from 1 to {MAX_VALIDITY_WINDOW}, "
                f"not {self.validity_window}"
            )
        if self.adjudication.distance > MAX_DISTANCE:
            raise PlanError(f"--adjudicate-when allows at most {MAX_DISTANCE} levels")

    def lines(self) -> list[str]:
        """The plan as ``scoring-plan`` prints it."""
        near = (
            f"and every first read within {self.second_read_near_cut:g} points of the pass line"
            if self.second_read_near_cut
            else "(no near-cut second reads)"
        )
        return [
            f"second reads:      {self.second_read_share:.0%} of production submissions {near}",
            f"adjudicate when:   {_rule_words(self.adjudication)}",
            f"validity papers:   {self.validity_rate:.0%} of production work, judged over the "
            f"last {self.validity_window}",
            f"backreads:         {self.backread_rate:.0%} of decided sheets",
            "live work:         "
            + ("qualified assessors only" if self.require_qualified else "any assessor"),
        ]


def _rule_words(rule: AdjudicationRule) -> str:
    apart = f"more than {rule.distance} level{'s' if rule.distance != 1 else ''} apart"
    if rule.basis is AgreementBasis.DECISION:
        words = "the two decisions differ"
    elif rule.basis is AgreementBasis.DISTANCE:
        words = f"a criterion's levels are {apart} (or the decisions differ)"
    else:
        words = f"the decisions differ or a criterion's levels are {apart}"
    return f"{words} [{rule}]"


def plan_of(session: Session, credential_id: str) -> Plan:
    row = session.get(ScoringPlan, credential_id)
    if row is None:
        return Plan()
    return Plan(
        second_read_share=row.second_read_share,
        second_read_near_cut=row.second_read_near_cut,
        adjudication=AdjudicationRule(AgreementBasis(row.adjudicate_when), row.adjudicate_distance),
        validity_rate=row.validity_rate,
        validity_window=row.validity_window,
        backread_rate=row.backread_rate,
        require_qualified=row.require_qualified,
    )


def latest_rubric(session: Session, credential_id: str) -> Rubric | None:
    row = session.scalar(
        select(CredentialRow)
        .where(CredentialRow.id == credential_id)
        .order_by(CredentialRow.version.desc())
        .limit(1)
    )
    if row is None:
        return None
    return CredentialSchema.model_validate(row.document).rubric.to_domain()


def save_plan(session: Session, credential_id: str, now: datetime, **changes: Any) -> Plan:
    """Change the settings named in ``changes`` (``Plan`` fields; the rest keep their
    value) and store the plan; raises ``PlanError`` with the reason it cannot be."""
    rubric = latest_rubric(session, credential_id)
    if rubric is None:
        raise PlanError(f"credential {credential_id!r} is not imported: run import-credential")
    try:
        plan = replace(plan_of(session, credential_id), **changes)
    except ValueError as exc:
        raise PlanError(str(exc)) from None
    if plan.second_read_near_cut and pass_line(rubric) is None:
        raise PlanError(
            f"{credential_id} passes when every criterion meets the standard, so it has no "
            "pass line in points: --second-read-near-cut needs a minimum-points rule"
        )
    row = session.get(ScoringPlan, credential_id)
    if row is None:
        row = ScoringPlan(credential_id=credential_id)
        session.add(row)
    row.second_read_share = plan.second_read_share
    row.second_read_near_cut = plan.second_read_near_cut
    row.adjudicate_when = plan.adjudication.basis.value
    row.adjudicate_distance = plan.adjudication.distance
    row.validity_rate = plan.validity_rate
    row.validity_window = plan.validity_window
    row.backread_rate = plan.backread_rate
    row.require_qualified = plan.require_qualified
    row.updated_at = now
    return plan


def pass_line(rubric: Rubric) -> float | None:
    """The total a sheet needs to pass, where the rubric decides by points."""
    rule = rubric.decision_rule
    return rule.min_total if isinstance(rule, MinimumPoints) else None


def near_the_cut(total_points: float, rubric: Rubric, plan: Plan) -> bool:
    """Whether a read's total lies within the plan's near-cut points of the pass line."""
    line = pass_line(rubric)
    if line is None or not plan.second_read_near_cut:
        return False
    return abs(total_points - line) <= plan.second_read_near_cut


def sampled(key: str, purpose: str, share: float) -> bool:
    """Whether ``key`` (a submission or assignment id) is drawn for ``purpose`` at
    ``share``: the first eight bytes of sha256 of both, as a fraction, below the share."""
    if share <= 0.0:
        return False
    digest = hashlib.sha256(f"{purpose}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share
