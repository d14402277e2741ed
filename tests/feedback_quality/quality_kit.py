"""Shared pieces of the feedback-quality tests: the demo credential
(``wait-time-questioning``), a store seeded with two downloaded submissions of it, and
scoring with citations and a private note."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from assessor_app.domain import Citation, Credential, PdfPage, Quote, TimeRange
from assessor_app.domain.assignment_state import LocalState
from assessor_app.protocol.rubric_file import CredentialSchema, load_credential_file
from assessor_app.protocol.v1 import (
    ArtifactOut,
    AssignmentItem,
    CriterionLevelOut,
    PreviousAttemptOut,
    SubmissionOut,
)
from assessor_app.services.scoring import ScoringService
from assessor_app.store import Store

RUBRICS = Path(__file__).resolve().parents[2] / "resources" / "rubrics"
HUB_URL = "http://127.0.0.1:9"
USER = "ann"

PRIVATE_NOTE = "Private: the audio drops at 06:00, tell the hub team"
OVERRIDE_REASON = "Override reason kept from the educator"
GOOD_FEEDBACK = (
    "Wait time after posing a question: at 03:05 you waited almost four seconds and six "
    "hands went up. Equitable participation: you called on students who had not spoken yet, "
    "which the lesson plan on page 2 says you meant to do."
)


@dataclass(frozen=True)
class Seeded:
    store: Store
    credential: Credential

    def scoring(self) -> ScoringService:
        return ScoringService(self.store)


def demo_credential() -> Credential:
    return load_credential_file(RUBRICS / "wait-time-questioning.yaml")


def _artifacts(prefix: str) -> list[ArtifactOut]:
    return [
        ArtifactOut(
            id=f"{prefix}art-video",
            filename="lesson.mp4",
            media_type="video/mp4",
            size=10,
            sha256="a" * 64,
            title="Lesson clip",
        ),
        ArtifactOut(
            id=f"{prefix}art-plan",
            filename="plan.pdf",
            media_type="application/pdf",
            size=10,
            sha256="b" * 64,
            title="Lesson plan",
        ),
        ArtifactOut(
            id=f"{prefix}art-reflection",
            filename="reflection.md",
            media_type="text/markdown",
            size=10,
            sha256="c" * 64,
            title="Reflection",
        ),
    ]


def seed_store(store: Store, credential: Credential) -> None:
    """asg-1: attempt 1 of sub-1; asg-2: attempt 2 of sub-2 (a resubmission). Artifact ids
    are unique across submissions: sub-2's start with ``s2-``."""
    schema = CredentialSchema.from_domain(credential)
    first = credential.rubric.criteria[0]
    submissions = [
        SubmissionOut(
            id="sub-1",
            credential=schema,
            attempt=1,
            educator_pseudonym="E-4821",
            artifacts=_artifacts(""),
        ),
        SubmissionOut(
            id="sub-2",
            credential=schema,
            attempt=2,
            educator_pseudonym="E-1077",
            change_note="I filmed a new lesson with longer pauses.",
            previous_attempts=[
                PreviousAttemptOut(
                    attempt=1,
                    decision="not_yet",
                    feedback="Pauses were too short.",
                    criteria=[
                        CriterionLevelOut(criterion_id=first.id, level_id=first.levels[0].id)
                    ],
                )
            ],
            artifacts=_artifacts("s2-"),
        ),
    ]
    now = datetime.now(UTC)
    store.assignments.upsert(
        [
            AssignmentItem(
                id=f"asg-{n}",
                submission_id=f"sub-{n}",
                kind="production",
                status="assigned",
                version=3,
                assigned_at=now,
                due_at=now + timedelta(days=3),
            )
            for n in (1, 2)
        ]
    )
    for submission in submissions:
        store.submissions.save(submission)
    for n in (1, 2):
        store.assignments.set_local_state(f"asg-{n}", LocalState.READY)


def score_all(
    scoring: ScoringService,
    credential: Credential,
    assignment_id: str,
    *,
    meets: bool,
    prefix: str = "",
) -> None:
    """Every criterion at its highest level that meets (or the highest that does not),
    with a rationale; the first criterion cites the video, the plan and the reflection
    (artifact ids start with ``prefix``)."""
    for criterion in credential.rubric.criteria:
        level = next(lv for lv in reversed(criterion.levels) if lv.meets == meets)
        scoring.set_level(assignment_id, criterion.id, level.id)
        scoring.set_rationale(
            assignment_id, criterion.id, f"Rationale for {criterion.title}: seen in the clip."
        )
    first = credential.rubric.criteria[0].id
    scoring.add_citation(
        assignment_id, first, Citation(f"{prefix}art-video", TimeRange(185_000, 220_000))
    )
    scoring.add_citation(assignment_id, first, Citation(f"{prefix}art-plan", PdfPage(2)))
    scoring.add_citation(
        assignment_id,
        first,
        Citation(f"{prefix}art-reflection", Quote("I counted to five in my head")),
    )
    scoring.set_private_note(assignment_id, PRIVATE_NOTE)
