"""Pure-Python domain: credentials, rubrics, score sheets, decision rules.

Nothing here imports Qt, SQLAlchemy or httpx; every other layer builds on these types.
The names below are imported from their module when first read (see ``lazy_exports``),
so ``from assessor_app.domain import AssignmentKind`` does not load the rubric parser.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assessor_app.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from assessor_app.domain.artifacts import Artifact, ArtifactKind
    from assessor_app.domain.assignment import Assignment, AssignmentKind
    from assessor_app.domain.citations import (
        Citation,
        ImageRegion,
        PdfPage,
        Quote,
        Rect,
        TableCell,
        TimeRange,
    )
    from assessor_app.domain.decision import Decision
    from assessor_app.domain.evaluation import Evaluation, Problem, ProblemCode, evaluate
    from assessor_app.domain.rubric import (
        AllCriteriaMeet,
        Credential,
        Criterion,
        DecisionRule,
        Level,
        MinimumPoints,
        RationaleRequirement,
        Rubric,
    )
    from assessor_app.domain.scoresheet import CriterionScore, ScoreSheet
    from assessor_app.domain.submission import PreviousAttempt, Submission

_HOMES = {
    "Artifact": "artifacts",
    "ArtifactKind": "artifacts",
    "Assignment": "assignment",
    "AssignmentKind": "assignment",
    "Citation": "citations",
    "ImageRegion": "citations",
    "PdfPage": "citations",
    "Quote": "citations",
    "TableCell": "citations",
    "Rect": "citations",
    "TimeRange": "citations",
    "Decision": "decision",
    "Evaluation": "evaluation",
    "Problem": "evaluation",
    "ProblemCode": "evaluation",
    "evaluate": "evaluation",
    "AllCriteriaMeet": "rubric",
    "Credential": "rubric",
    "Criterion": "rubric",
    "DecisionRule": "rubric",
    "Level": "rubric",
    "MinimumPoints": "rubric",
    "RationaleRequirement": "rubric",
    "Rubric": "rubric",
    "CriterionScore": "scoresheet",
    "ScoreSheet": "scoresheet",
    "PreviousAttempt": "submission",
    "Submission": "submission",
}

__all__ = [
    "AllCriteriaMeet",
    "Artifact",
    "ArtifactKind",
    "Assignment",
    "AssignmentKind",
    "Citation",
    "Credential",
    "Criterion",
    "CriterionScore",
    "Decision",
    "DecisionRule",
    "Evaluation",
    "ImageRegion",
    "Level",
    "MinimumPoints",
    "PdfPage",
    "PreviousAttempt",
    "Problem",
    "ProblemCode",
    "Quote",
    "RationaleRequirement",
    "Rect",
    "Rubric",
    "ScoreSheet",
    "Submission",
    "TableCell",
    "TimeRange",
    "evaluate",
]

__getattr__, __dir__ = lazy_exports(globals(), _HOMES)
