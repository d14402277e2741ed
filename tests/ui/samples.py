"""Sample domain objects for the UI tests and the screenshot script: the real
wait-time credential from resources/, and a resubmission with artifacts and history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from assessor_app.domain import (
    Artifact,
    AssignmentKind,
    Citation,
    Credential,
    Decision,
    PdfPage,
    PreviousAttempt,
    Quote,
    Submission,
    TimeRange,
)
from assessor_app.domain.assignment_state import LocalState
from assessor_app.domain.queue_state import QUEUE_STATES
from assessor_app.protocol.rubric_file import load_credential_file
from assessor_app.services.queue import QueueRow

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def wait_time_credential() -> Credential:
    return load_credential_file(ROOT / "resources" / "rubrics" / "wait-time-questioning.yaml")


ARTIFACTS = (
    Artifact("art-video", "lesson.mp4", "video/mp4", 10_000, "a" * 64, "Lesson clip"),
    Artifact("art-plan", "plan.pdf", "application/pdf", 2_000, "b" * 64, "Lesson plan"),
    Artifact("art-refl", "reflection.md", "text/markdown", 900, "c" * 64, "Reflection"),
)

CLIP_CITATION = Citation("art-video", TimeRange(185_000, 220_000))
PAGE_CITATION = Citation("art-plan", PdfPage(2))
QUOTE_CITATION = Citation("art-refl", Quote("I counted to five silently before calling on anyone"))


def first_submission(credential: Credential) -> Submission:
    return Submission("sub-1", credential.id, 1, "E-4821", ARTIFACTS)


def resubmission(credential: Credential) -> Submission:
    criteria = credential.rubric.criteria
    previous = PreviousAttempt(
        attempt=1,
        decision=Decision.NOT_YET,
        feedback="The pauses after questions were under a second; try counting silently.",
        criteria={
            criteria[0].id: "developing",
            criteria[1].id: "proficient",
            criteria[2].id: "beginning",
            criteria[3].id: "proficient",
            criteria[4].id: "proficient",
        },
    )
    return Submission(
        "sub-2",
        credential.id,
        2,
        "E-4821",
        ARTIFACTS,
        change_note="I now wait at least three seconds and use think-pair-share.",
        previous_attempts=(previous,),
    )


def queue_rows(count: int) -> list[QueueRow]:
    """``count`` rows with every state, both kinds, and due dates either side of NOW."""
    titles = ("Wait Time in Questioning", "Checking for Understanding", "Inquiry Lesson Design")
    states = list(QUEUE_STATES)
    rows = []
    for i in range(count):
        state = states[i % len(states)]
        rows.append(
            QueueRow(
                assignment_id=f"as-{i:05d}",
                credential_title=titles[i % len(titles)],
                educator_pseudonym=f"E-{1000 + (i * 7919) % 9000}",
                attempt=1 + i % 3,
                kind=AssignmentKind.CALIBRATION if i % 5 == 0 else AssignmentKind.PRODUCTION,
                state=state,
                local_state=LocalState.READY,  # the model shows ``state``
                download_percent=(i * 13) % 100 if state is LocalState.DOWNLOADING else None,
                due_at=NOW + timedelta(hours=(i * 37) % 400 - 100) if i % 11 else None,
            )
        )
    return rows
