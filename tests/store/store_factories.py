"""A small credential, submission and assignment as the hub would send them, for the
store tests and the crash child."""

from __future__ import annotations

from datetime import UTC, datetime

from assessor_app.protocol.rubric_file import CredentialSchema
from assessor_app.protocol.v1 import AssignmentItem, SubmissionOut

HUB = "https://hub.example.org"
SHA_A = "a" * 64
SHA_B = "b" * 64


def credential_schema(version: int = 1) -> CredentialSchema:
    def levels(prefix: str) -> list[dict[str, object]]:
        return [
            {
                "id": f"{prefix}1",
                "label": "Beginning",
                "points": 1,
                "descriptor": "d1",
                "meets": False,
            },
            {
                "id": f"{prefix}2",
                "label": "Developing",
                "points": 2,
                "descriptor": "d2",
                "meets": False,
            },
            {
                "id": f"{prefix}3",
                "label": "Proficient",
                "points": 3,
                "descriptor": "d3",
                "meets": True,
            },
        ]

    return CredentialSchema.model_validate(
        {
            "id": "wait-time",
            "title": "Wait time for questioning",
            "competency": "Uses wait time so that all students can think before answering.",
            "version": version,
            "overview": "Pause at least three seconds after a question.",
            "artifact_requirements": ["A 10-minute classroom video"],
            "reflection_prompts": ["What changed when you waited longer?"],
            "rubric": {
                "criteria": [
                    {
                        "id": "pause",
                        "title": "Pause length",
                        "rationale": "required",
                        "levels": levels("p"),
                    },
                    {"id": "equity", "title": "Who answers", "levels": levels("e")},
                    {"id": "follow", "title": "Follow-up", "levels": levels("f")},
                ],
                "decision_rule": {"kind": "min_points", "min_total": 7, "floor": 2},
            },
        }
    )


def submission_out(submission_id: str = "sub-1", attempt: int = 2) -> SubmissionOut:
    return SubmissionOut.model_validate(
        {
            "id": submission_id,
            "credential": credential_schema().model_dump(mode="json"),
            "attempt": attempt,
            "educator_pseudonym": "Educator 7F3A",
            "change_note": "Re-recorded with a longer pause.",
            "previous_attempts": [
                {
                    "attempt": 1,
                    "decision": "not_yet",
                    "feedback": "Wait longer after open questions.",
                    "criteria": [
                        {"criterion_id": "pause", "level_id": "p1", "rationale": "too short"},
                        {"criterion_id": "equity", "level_id": "e3"},
                    ],
                }
            ],
            "artifacts": [
                {
                    "id": "art-video",
                    "filename": "lesson.mp4",
                    "media_type": "video/mp4",
                    "size": 1_234_567,
                    "sha256": SHA_A,
                    "title": "Lesson video",
                },
                {
                    "id": "art-plan",
                    "filename": "plan.pdf",
                    "media_type": "application/pdf",
                    "size": 4_321,
                    "sha256": SHA_B,
                },
            ],
        }
    )


def assignment_item(
    assignment_id: str = "asg-1",
    submission_id: str = "sub-1",
    *,
    version: int = 3,
    due_at: datetime | None = datetime(2026, 12, 1, 17, 0, tzinfo=UTC),
    kind: str = "production",
) -> AssignmentItem:
    return AssignmentItem(
        id=assignment_id,
        submission_id=submission_id,
        kind=kind,  # type: ignore[arg-type]
        status="assigned",
        version=version,
        assigned_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        due_at=due_at,
    )
