"""ScoringService: edits land in the store at once; finalize checks, then records the
decision with its upload entry; reopen withdraws it."""

from __future__ import annotations

import pytest

from assessor_app.domain import Citation, Decision, ProblemCode, TimeRange
from assessor_app.domain.assignment_state import LocalState, OutboxState
from assessor_app.services.scoring import FinalizeRefused, NotReadyError, ScoringService
from assessor_app.store import Store


def _score_all(service: ScoringService, store: Store, *, meets: bool) -> None:
    opened = service.open("asg-1")
    for criterion in opened.credential.rubric.criteria:
        level = next(lv for lv in reversed(criterion.levels) if lv.meets == meets)
        service.set_level("asg-1", criterion.id, level.id)
        service.set_rationale("asg-1", criterion.id, f"Seen at 03:12 for {criterion.title}.")


def test_open_restores_what_was_saved(store: Store) -> None:
    service = ScoringService(store)
    opened = service.open("asg-1")
    first = opened.credential.rubric.criteria[0]
    service.set_level("asg-1", first.id, first.levels[-1].id)
    service.add_citation("asg-1", first.id, Citation("art-video", TimeRange(185_000, 220_000)))
    service.set_feedback("asg-1", "Your pauses after questions were consistent.")
    service.artifact_opened("asg-1", "art-video")
    service.video_position("asg-1", "art-video", 192_000)
    service.add_note("asg-1", "art-video", 192_000, "waits 4 s", first.id)

    again = ScoringService(store).open("asg-1")
    assert again.sheet.score(first.id).level_id == first.levels[-1].id
    assert again.sheet.feedback == "Your pauses after questions were consistent."
    assert [c.citation.target for c in again.citations] == [TimeRange(185_000, 220_000)]
    assert again.open_artifact_id == "art-video"
    assert again.video_positions == {"art-video": 192_000}
    assert [(n.time_ms, n.text, n.criterion_id) for n in again.notes] == [
        (192_000, "waits 4 s", first.id)
    ]
    assert again.state is LocalState.IN_PROGRESS
    assert not again.read_only


def test_finalize_refuses_with_the_problems(store: Store) -> None:
    service = ScoringService(store)
    with pytest.raises(FinalizeRefused) as refused:
        service.finalize("asg-1")
    codes = {p.code for p in refused.value.check.evaluation.problems}
    assert ProblemCode.UNSCORED in codes
    assert store.outbox.entries() == []
    assert store.assignments.local_state("asg-1") is LocalState.READY


def test_finalize_writes_decision_and_queue_entry_then_reopen_withdraws(store: Store) -> None:
    service = ScoringService(store)
    _score_all(service, store, meets=True)
    check = service.check("asg-1")
    assert check.evaluation.decision is Decision.PASS
    assert {w.artifact.id for w in check.warnings} == {"art-video", "art-plan"}

    entry_id = service.finalize("asg-1").outbox_id
    entry = store.outbox.get(entry_id)
    assert entry.state is OutboxState.QUEUED
    assert entry.if_match_version == 3
    assert store.decisions.latest("asg-1").decision is Decision.PASS
    assert store.assignments.local_state("asg-1") is LocalState.FINALIZED
    assert ScoringService(store).open("asg-1").read_only

    service.reopen("asg-1")
    assert store.outbox.get(entry_id).state is OutboxState.WITHDRAWN
    assert store.assignments.local_state("asg-1") is LocalState.IN_PROGRESS


def test_not_yet_needs_feedback_before_it_can_be_finalized(store: Store) -> None:
    service = ScoringService(store)
    _score_all(service, store, meets=False)
    with pytest.raises(FinalizeRefused) as refused:
        service.finalize("asg-1")
    assert [p.code for p in refused.value.check.evaluation.problems] == [
        ProblemCode.FEEDBACK_REQUIRED
    ]
    service.set_feedback("asg-1", "Show a pause of three seconds after the opening question.")
    # Short for a Not Yet: the feedback check wants a reason (tests/feedback_quality/).
    service.finalize("asg-1", quality_override_reason="Agreed with the educator by phone.")
    assert store.decisions.latest("asg-1").decision is Decision.NOT_YET


def test_video_watched_share_is_reported(store: Store) -> None:
    service = ScoringService(store)
    service.artifact_opened("asg-1", "art-video")
    service.artifact_opened("asg-1", "art-plan")
    service.video_played("asg-1", "art-video", 0, 30_000)
    check = service.check("asg-1", video_durations={"art-video": 100_000})
    assert [w.message for w in check.warnings] == ["You have watched 30% of “Lesson clip”."]


def test_an_assignment_not_downloaded_says_so(store: Store) -> None:
    from datetime import UTC, datetime

    from assessor_app.protocol.v1 import AssignmentItem

    store.assignments.upsert(
        [
            AssignmentItem(
                id="asg-2",
                submission_id="sub-missing",
                kind="production",
                status="assigned",
                version=1,
                assigned_at=datetime.now(UTC),
            )
        ]
    )
    with pytest.raises(NotReadyError, match="not been downloaded"):
        ScoringService(store).open("asg-2")


def test_remove_citation_by_its_place_under_the_criterion(store: Store) -> None:
    service = ScoringService(store)
    first, second = service.open("asg-1").credential.rubric.criteria[:2]
    for start in (1_000, 2_000):
        service.add_citation(
            "asg-1", first.id, Citation("art-video", TimeRange(start, start + 500))
        )
    service.add_citation("asg-1", second.id, Citation("art-video", TimeRange(3_000, 3_500)))

    service.remove_citation("asg-1", first.id, 1)
    service.remove_citation("asg-1", first.id, 5)  # gone already: nothing happens

    left = [(c.criterion_id, c.citation.target) for c in service.open("asg-1").citations]
    assert left == [
        (first.id, TimeRange(1_000, 1_500)),
        (second.id, TimeRange(3_000, 3_500)),
    ]
