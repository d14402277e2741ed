"""A profile store holding one downloaded demo-credential submission."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assessor_app.domain.assignment_state import LocalState
from assessor_app.protocol.rubric_file import CredentialSchema, load_credential_file
from assessor_app.protocol.v1 import ArtifactOut, AssignmentItem, SubmissionOut
from assessor_app.store import Store, open_store, profile_for

RUBRICS = Path(__file__).resolve().parents[2] / "resources" / "rubrics"


@pytest.fixture
def credential_schema() -> CredentialSchema:
    credential = load_credential_file(RUBRICS / "wait-time-questioning.yaml")
    return CredentialSchema.from_domain(credential)


@pytest.fixture
def store(credential_schema: CredentialSchema) -> Iterator[Store]:
    store = open_store(profile_for("http://127.0.0.1:9", "demo1"))
    submission = SubmissionOut(
        id="sub-1",
        credential=credential_schema,
        attempt=1,
        educator_pseudonym="E-4821",
        artifacts=[
            ArtifactOut(
                id="art-video",
                filename="lesson.mp4",
                media_type="video/mp4",
                size=10,
                sha256="a" * 64,
                title="Lesson clip",
            ),
            ArtifactOut(
                id="art-plan",
                filename="plan.pdf",
                media_type="application/pdf",
                size=10,
                sha256="b" * 64,
                title="Lesson plan",
            ),
        ],
    )
    store.assignments.upsert(
        [
            AssignmentItem(
                id="asg-1",
                submission_id="sub-1",
                kind="production",
                status="assigned",
                version=3,
                assigned_at=datetime.now(UTC),
                due_at=datetime.now(UTC) + timedelta(days=3),
            )
        ]
    )
    store.submissions.save(submission)
    store.assignments.set_local_state("asg-1", LocalState.READY)
    yield store
    store.close()
