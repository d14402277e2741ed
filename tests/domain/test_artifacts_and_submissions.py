"""Artifact kinds from media types, display names, decisions' labels and resubmissions."""

from __future__ import annotations

import pytest

from assessor_app.domain import (
    Artifact,
    ArtifactKind,
    Decision,
    PreviousAttempt,
    Submission,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def artifact(media_type: str, title: str = "") -> Artifact:
    return Artifact("a1", "lesson.bin", media_type, 1_024, "0" * 64, title)


@pytest.mark.parametrize(
    ("media_type", "kind"),
    [
        ("video/mp4", ArtifactKind.VIDEO),
        ("video/webm", ArtifactKind.VIDEO),
        ("Video/MP4; codecs=avc1", ArtifactKind.VIDEO),
        ("audio/mpeg", ArtifactKind.AUDIO),
        ("audio/ogg", ArtifactKind.AUDIO),
        ("application/pdf", ArtifactKind.PDF),
        ("APPLICATION/PDF", ArtifactKind.PDF),
        ("image/png", ArtifactKind.IMAGE),
        ("image/jpeg", ArtifactKind.IMAGE),
        ("text/plain", ArtifactKind.TEXT),
        ("text/plain; charset=utf-8", ArtifactKind.TEXT),
        ("text/markdown", ArtifactKind.TEXT),
        ("text/csv", ArtifactKind.SPREADSHEET),
        ("application/vnd.ms-excel", ArtifactKind.SPREADSHEET),
        (XLSX, ArtifactKind.SPREADSHEET),
        ("text/html", ArtifactKind.OTHER),
        ("application/zip", ArtifactKind.OTHER),
        ("application/octet-stream", ArtifactKind.OTHER),
        ("", ArtifactKind.OTHER),
    ],
)
def test_kind_from_media_type(media_type: str, kind: ArtifactKind) -> None:
    assert artifact(media_type).kind is kind


def test_display_name_prefers_the_title() -> None:
    assert artifact("video/mp4").display_name == "lesson.bin"
    assert artifact("video/mp4", title="Lesson video").display_name == "Lesson video"


@pytest.mark.parametrize(
    ("decision", "label"),
    [
        (Decision.PASS, "Pass"),
        (Decision.NOT_YET, "Not Yet"),
        (Decision.RETURN_INCOMPLETE, "Returned as incomplete"),
    ],
)
def test_decision_labels_and_wire_values(decision: Decision, label: str) -> None:
    assert decision.label == label
    assert Decision(decision.value) is decision


def test_resubmission_carries_earlier_feedback() -> None:
    first = Submission("s1", "wait-time", 1, "edu-7f3a")
    assert not first.is_resubmission
    earlier = PreviousAttempt(1, Decision.NOT_YET, "Show the pause.", {"pause": "emerging"})
    second = Submission(
        "s2", "wait-time", 2, "edu-7f3a", change_note="New video", previous_attempts=(earlier,)
    )
    assert second.is_resubmission
    assert second.previous_attempts[0].criteria == {"pause": "emerging"}
