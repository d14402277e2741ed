"""``evaluate``: the decision a score sheet leads to, and what stops it being final."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from assessor_app.domain.decision import Decision
from assessor_app.domain.rubric import Level, RationaleRequirement, Rubric
from assessor_app.domain.scoresheet import ScoreSheet


class ProblemCode(StrEnum):
    UNSCORED = "unscored"
    UNKNOWN_LEVEL = "unknown_level"
    UNKNOWN_CRITERION = "unknown_criterion"
    RATIONALE_REQUIRED = "rationale_required"
    FEEDBACK_REQUIRED = "feedback_required"
    OVERRIDE_REASON_REQUIRED = "override_reason_required"
    # An adjudicator's level that differs from both reads (``domain.adjudication``).
    ADJUDICATION_RATIONALE_REQUIRED = "adjudication_rationale_required"


@dataclass(frozen=True)
class Problem:
    code: ProblemCode
    message: str
    criterion_id: str | None = None


@dataclass(frozen=True)
class Evaluation:
    """``computed`` follows from the rubric's rule (None until every criterion is scored);
    ``decision`` is what would be recorded: the override if any, else ``computed``.
    The sheet can be finalized only when ``problems`` is empty."""

    computed: Decision | None
    decision: Decision | None
    problems: tuple[Problem, ...]
    total_points: float

    @property
    def can_finalize(self) -> bool:
        return not self.problems and self.decision is not None


def evaluate(sheet: ScoreSheet, rubric: Rubric) -> Evaluation:
    problems: list[Problem] = []
    returning = sheet.override is Decision.RETURN_INCOMPLETE

    known = {c.id for c in rubric.criteria}
    for criterion_id in sheet.scores:
        if criterion_id not in known:
            problems.append(
                Problem(
                    ProblemCode.UNKNOWN_CRITERION,
                    f"The sheet scores a criterion the rubric does not have: {criterion_id}.",
                    criterion_id,
                )
            )

    chosen: dict[str, Level] = {}
    for criterion in rubric.criteria:
        score = sheet.score(criterion.id)
        if score.level_id is None:
            if not returning:
                problems.append(
                    Problem(
                        ProblemCode.UNSCORED,
                        f"“{criterion.title}” has no level yet.",
                        criterion.id,
                    )
                )
            continue
        level = criterion.level(score.level_id)
        if level is None:
            problems.append(
                Problem(
                    ProblemCode.UNKNOWN_LEVEL,
                    f"“{criterion.title}” has a level the rubric does not have: {score.level_id}.",
                    criterion.id,
                )
            )
            continue
        chosen[criterion.id] = level
        if criterion.rationale is RationaleRequirement.REQUIRED and not score.rationale.strip():
            problems.append(
                Problem(
                    ProblemCode.RATIONALE_REQUIRED,
                    f"“{criterion.title}” needs a rationale.",
                    criterion.id,
                )
            )

    complete = len(chosen) == len(rubric.criteria)
    computed: Decision | None = None
    if complete:
        computed = (
            Decision.PASS if rubric.decision_rule.passes(rubric, chosen) else Decision.NOT_YET
        )

    decision = sheet.override or computed
    # Returning a submission as incomplete is explained by its required feedback, so it
    # needs no separate override reason.
    if (
        sheet.override is not None
        and not returning
        and sheet.override != computed
        and not sheet.override_reason.strip()
    ):
        problems.append(
            Problem(
                ProblemCode.OVERRIDE_REASON_REQUIRED,
                f"You chose “{sheet.override.label}” instead of the rubric's result: "
                "say why in the override reason.",
            )
        )
    if decision in (Decision.NOT_YET, Decision.RETURN_INCOMPLETE) and not sheet.feedback.strip():
        problems.append(
            Problem(
                ProblemCode.FEEDBACK_REQUIRED,
                f"A “{decision.label}” decision needs feedback telling the educator what "
                "evidence would show the competency.",
            )
        )
    total = sum((level.points for level in chosen.values()), 0.0)
    return Evaluation(computed, decision, tuple(problems), total)
