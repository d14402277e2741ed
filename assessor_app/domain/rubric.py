"""Credentials, rubrics, criteria, performance levels and decision rules.

A rubric's criteria are ordered as the assessor works through them; each criterion's
levels are ordered from lowest to highest, so level *n* (1-based) is what key *n* picks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

DEFAULT_MIN_LENGTH_NOT_YET = 200
DEFAULT_DESCRIPTOR_SIMILARITY = 0.7


class RationaleRequirement(StrEnum):
    """Whether a criterion asks the assessor to justify the chosen level."""

    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True)
class Level:
    """One performance level of a criterion. ``id`` is its stable key on the wire."""

    id: str
    label: str
    points: float
    descriptor: str
    meets: bool


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    levels: tuple[Level, ...]
    description: str = ""
    rationale: RationaleRequirement = RationaleRequirement.OPTIONAL

    def level(self, level_id: str) -> Level | None:
        return next((lv for lv in self.levels if lv.id == level_id), None)

    def level_index(self, level_id: str) -> int | None:
        """0-based rank of a level (lowest first), or None when unknown."""
        for index, lv in enumerate(self.levels):
            if lv.id == level_id:
                return index
        return None


@dataclass(frozen=True)
class AllCriteriaMeet:
    """Default rule: Pass when every criterion is at a level that meets the standard."""

    kind: str = field(default="all_meet", init=False)

    def passes(self, rubric: Rubric, chosen: Mapping[str, Level]) -> bool:
        return all(chosen[c.id].meets for c in rubric.criteria)


@dataclass(frozen=True)
class MinimumPoints:
    """Pass when the total reaches ``min_total`` and no criterion is below its floor.

    ``floor`` applies to every criterion; ``floors`` overrides it per criterion id.
    """

    min_total: float
    floor: float = 0.0
    floors: Mapping[str, float] = field(default_factory=dict)
    kind: str = field(default="min_points", init=False)

    def floor_for(self, criterion_id: str) -> float:
        return self.floors.get(criterion_id, self.floor)

    def passes(self, rubric: Rubric, chosen: Mapping[str, Level]) -> bool:
        total = sum(chosen[c.id].points for c in rubric.criteria)
        floors_met = all(chosen[c.id].points >= self.floor_for(c.id) for c in rubric.criteria)
        return total >= self.min_total and floors_met


DecisionRule = AllCriteriaMeet | MinimumPoints


@dataclass(frozen=True)
class Rubric:
    criteria: tuple[Criterion, ...]
    decision_rule: DecisionRule = field(default_factory=AllCriteriaMeet)

    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    @property
    def max_points(self) -> float:
        return sum(max(lv.points for lv in c.levels) for c in self.criteria)


@dataclass(frozen=True)
class FeedbackQualityRules:
    """Per-credential settings of the check; the defaults apply when a credential file has
    no ``feedback_quality`` block.

    ``min_length_not_yet`` is in characters (0 turns the rule off).
    ``descriptor_similarity`` is the share of the feedback's content words that come from
    the descriptors at or above which, with fewer than three words of its own, the feedback
    "only repeats" them.
    """

    require_criterion_named: bool = True
    min_length_not_yet: int = DEFAULT_MIN_LENGTH_NOT_YET
    flag_descriptor_repeat: bool = True
    descriptor_similarity: float = DEFAULT_DESCRIPTOR_SIMILARITY


@dataclass(frozen=True)
class Credential:
    """One teaching competency and the rubric that certifies it.

    ``overview``, ``artifact_requirements`` and ``reflection_prompts`` are what the
    educator was asked for: the Overview / Artifacts / Reflection structure.
    ``feedback_quality`` configures the check of the feedback before finalize.
    """

    id: str
    title: str
    competency: str
    rubric: Rubric
    overview: str = ""
    artifact_requirements: tuple[str, ...] = ()
    reflection_prompts: tuple[str, ...] = ()
    version: int = 1
    feedback_quality: FeedbackQualityRules = field(default_factory=FeedbackQualityRules)
