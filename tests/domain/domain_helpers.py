"""Builders shared by the domain tests: a small ladder rubric and the fixture directory."""

from __future__ import annotations

from pathlib import Path

from assessor_app.domain import (
    AllCriteriaMeet,
    Criterion,
    DecisionRule,
    Level,
    RationaleRequirement,
    Rubric,
)

RUBRIC_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rubrics"


def ladder_criterion(
    criterion_id: str, rationale: RationaleRequirement = RationaleRequirement.OPTIONAL
) -> Criterion:
    """Four levels worth 1-4 points; the top two (``l3``, ``l4``) meet the standard."""
    return Criterion(
        id=criterion_id,
        title=f"Criterion {criterion_id}",
        rationale=rationale,
        levels=tuple(
            Level(f"l{n}", f"Level {n}", float(n), f"Descriptor {n}", meets=n >= 3)
            for n in range(1, 5)
        ),
    )


def ladder_rubric(
    rule: DecisionRule | None = None,
    rationales: dict[str, RationaleRequirement] | None = None,
) -> Rubric:
    """Criteria ``A``, ``B``, ``C``, each a ``ladder_criterion``."""
    rationales = rationales or {}
    return Rubric(
        criteria=tuple(
            ladder_criterion(cid, rationales.get(cid, RationaleRequirement.OPTIONAL))
            for cid in ("A", "B", "C")
        ),
        decision_rule=rule or AllCriteriaMeet(),
    )
