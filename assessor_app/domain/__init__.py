"""Pure-Python domain: credentials, rubrics, score sheets, decision rules.

Nothing here imports Qt, SQLAlchemy or httpx; every other layer builds on these types.
"""

from assessor_app.domain.artifacts import Artifact, ArtifactKind
from assessor_app.domain.assignment import Assignment, AssignmentKind
from assessor_app.domain.citations import Citation, PdfPage, Quote, Rect, TimeRange
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
    "TimeRange",
    "evaluate",
]
