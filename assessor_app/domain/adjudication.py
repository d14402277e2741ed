"""When two independent reads of a submission agree, and what an adjudicator must justify.

The one home of the scoring plan's agreement rule (``decision``, ``distance:N`` or
``both``): the hub applies it when a second read is uploaded, and both the hub (on the
adjudicator's upload) and the client (before finalize) ask which criteria of a final
sheet need a rationale. Distances are counted in the rubric's level order (lowest
first), so they mean the same whatever points the levels carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from assessor_app.domain.decision import Decision
from assessor_app.domain.rubric import Rubric

DEFAULT_DISTANCE = 1

LevelChoice = Mapping[str, str | None]
"""A read's levels: criterion id to level id (None where no level was chosen)."""


class AgreementBasis(StrEnum):
    """What two reads are compared on."""

    DECISION = "decision"
    DISTANCE = "distance"
    BOTH = "both"


@dataclass(frozen=True)
class AdjudicationRule:
    """``decision``: the reads agree when their decisions are the same. ``distance:N``:
    when no criterion's levels are more than N levels apart. ``both``: both of these."""

    basis: AgreementBasis = AgreementBasis.BOTH
    distance: int = DEFAULT_DISTANCE

    def __post_init__(self) -> None:
        if isinstance(self.distance, bool) or not isinstance(self.distance, int):
            raise ValueError(f"a level distance is a whole number, not {self.distance!r}")
        if self.distance < 0:
            raise ValueError(f"a level distance cannot be negative ({self.distance})")

    @classmethod
    def parse(cls, text: str) -> AdjudicationRule:
        """``decision``, ``distance:N``, ``both`` (distance 1) or ``both:N``."""
        name, sep, number = text.strip().partition(":")
        try:
            basis = AgreementBasis(name)
        except ValueError:
            raise ValueError(f"{text!r} is not a rule: use decision, distance:N or both") from None
        if basis is AgreementBasis.DECISION:
            if sep:
                raise ValueError("the decision rule takes no distance (use both:N)")
            return cls(basis)
        if not sep:
            if basis is AgreementBasis.DISTANCE:
                raise ValueError("the distance rule needs a number of levels, e.g. distance:1")
            return cls(basis)
        if not number.isdigit():
            raise ValueError(f"{number!r} is not a whole number of levels")
        return cls(basis, int(number))

    def __str__(self) -> str:
        if self.basis is AgreementBasis.DECISION:
            return self.basis.value
        return f"{self.basis.value}:{self.distance}"


@dataclass(frozen=True)
class Read:
    """One assessor's read of a submission: the decision and the level per criterion."""

    decision: Decision
    levels: LevelChoice


def level_distance(a: LevelChoice, b: LevelChoice, rubric: Rubric) -> int:
    """The largest per-criterion distance between two reads, in levels. A criterion one
    read leveled and the other did not (or at a level the rubric does not know) is as far
    apart as the criterion allows."""
    widest = 0
    for criterion in rubric.criteria:
        first, second = a.get(criterion.id), b.get(criterion.id)
        if first is None and second is None:
            continue
        rank_a = criterion.level_index(first) if first is not None else None
        rank_b = criterion.level_index(second) if second is not None else None
        if rank_a is None or rank_b is None:
            apart = max(len(criterion.levels) - 1, 1)
        else:
            apart = abs(rank_a - rank_b)
        widest = max(widest, apart)
    return widest


def reads_agree(a: Read, b: Read, rule: AdjudicationRule, rubric: Rubric) -> bool:
    """Whether two reads agree under ``rule`` (see ``AdjudicationRule``)."""
    same_decision = a.decision is b.decision
    near = level_distance(a.levels, b.levels, rubric) <= rule.distance
    if rule.basis is AgreementBasis.DECISION:
        return same_decision
    if rule.basis is AgreementBasis.DISTANCE:
        return near
    return same_decision and near


def agreed_decision(a: Read, b: Read, rule: AdjudicationRule, rubric: Rubric) -> Decision | None:
    """The final decision two reads settle on, or None when an adjudicator must decide.
    Under ``distance:N`` two near reads can still lead to different decisions; only one
    can be final, so such a pair goes to adjudication too."""
    if reads_agree(a, b, rule, rubric) and a.decision is b.decision:
        return a.decision
    return None


def criteria_needing_rationale(
    final_levels: LevelChoice, read_a_levels: LevelChoice, read_b_levels: LevelChoice
) -> list[str]:
    """Criteria (in the final sheet's order) whose final level differs from both reads:
    the adjudicator must say why there."""
    return [
        criterion_id
        for criterion_id, level_id in final_levels.items()
        if level_id not in (read_a_levels.get(criterion_id), read_b_levels.get(criterion_id))
    ]
