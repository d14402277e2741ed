"""Score sheets: what the assessor recorded for one assignment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from assessor_app.domain.citations import Citation
from assessor_app.domain.decision import Decision


@dataclass(frozen=True)
class CriterionScore:
    criterion_id: str
    level_id: str | None = None
    rationale: str = ""
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class ScoreSheet:
    """Per-criterion scores, overall feedback to the educator and a private note to the hub.

    ``override`` is a decision the assessor chose instead of the computed one;
    ``override_reason`` must then explain why.
    """

    scores: Mapping[str, CriterionScore] = field(default_factory=dict)
    feedback: str = ""
    private_note: str = ""
    override: Decision | None = None
    override_reason: str = ""

    def score(self, criterion_id: str) -> CriterionScore:
        return self.scores.get(criterion_id, CriterionScore(criterion_id))

    def with_score(self, score: CriterionScore) -> ScoreSheet:
        return replace(self, scores={**self.scores, score.criterion_id: score})

    def with_level(self, criterion_id: str, level_id: str | None) -> ScoreSheet:
        return self.with_score(replace(self.score(criterion_id), level_id=level_id))

    def with_rationale(self, criterion_id: str, rationale: str) -> ScoreSheet:
        return self.with_score(replace(self.score(criterion_id), rationale=rationale))
