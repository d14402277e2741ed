"""Round trips through every repository, asserting on the domain objects that come back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from store_factories import SHA_A, assignment_item, credential_schema, submission_out

from assessor_app.domain import (
    ArtifactKind,
    AssignmentKind,
    Citation,
    CriterionScore,
    Decision,
    PdfPage,
    Quote,
    Rect,
    ScoreSheet,
    TimeRange,
)
from assessor_app.domain.assignment_state import IllegalTransition, LocalState, OutboxState
from assessor_app.protocol.v1 import DecisionUpload, SubmissionOut
from assessor_app.store import AuditAction, DownloadState, NotFoundError, SheetLockedError, Store

SCORED_AT = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def upload_for(store: Store, assignment_id: str, decision: Decision) -> DecisionUpload:
    return DecisionUpload.from_sheet(store.sheets.load_sheet(assignment_id), decision, SCORED_AT)


# settings


def test_settings_defaults_and_round_trip(store: Store) -> None:
    assert store.settings.retention_days() == 14
    assert store.settings.parallel_downloads() == 4
    assert store.settings.sync_cursor() is None
    assert store.settings.video_defaults()["rate"] == 1.0
    store.settings.set_retention_days(30)
    store.settings.set_parallel_downloads(2)
    store.settings.set_sync_cursor("cursor-17")
    store.settings.set_video_defaults({"rate": 1.5})
    store.settings.set("ui", {"columns": ["due", "title"]})
    assert store.settings.retention_days() == 30
    assert store.settings.parallel_downloads() == 2
    assert store.settings.sync_cursor() == "cursor-17"
    assert store.settings.video_defaults() == {
        "rate": 1.5,
        "volume": 100,
        "skip_ms": 5000,
        "muted": False,
    }
    assert store.settings.all()["ui"] == {"columns": ["due", "title"]}
    with pytest.raises(ValueError):
        store.settings.set_parallel_downloads(0)
    with pytest.raises(ValueError):
        store.settings.set_retention_days(-1)


# assignments and the queue


def test_upsert_and_queue(store: Store) -> None:
    later = datetime(2026, 12, 24, tzinfo=UTC)
    created = store.assignments.upsert(
        [
            assignment_item("asg-late", "sub-x", due_at=later, kind="calibration"),
            assignment_item("asg-1"),
            assignment_item("asg-undated", "sub-y", due_at=None),
        ]
    )
    assert created == ["asg-late", "asg-1", "asg-undated"]
    store.submissions.save(submission_out())
    queue = store.assignments.queue()
    assert [q.assignment.id for q in queue] == ["asg-1", "asg-late", "asg-undated"]
    first = queue[0]
    assert first.credential_title == "Wait time for questioning"
    assert first.educator_pseudonym == "Educator 7F3A"
    assert first.attempt == 2
    assert first.local_state is LocalState.NOT_DOWNLOADED
    assert first.due_at == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    assert first.assignment.kind is AssignmentKind.PRODUCTION
    assert first.assignment.version == 3
    assert queue[1].assignment.kind is AssignmentKind.CALIBRATION
    assert queue[1].credential_title is None  # submission not fetched yet

    assert store.assignments.upsert([assignment_item("asg-1", version=4)]) == []
    assert store.assignments.get("asg-1").version == 4  # type: ignore[union-attr]
    assert store.assignments.get("missing") is None


def test_upsert_keeps_local_state_and_takes_naive_times_as_utc(store: Store) -> None:
    store.assignments.upsert([assignment_item()])
    store.assignments.set_local_state("asg-1", LocalState.READY)
    item = assignment_item(version=9).model_copy(update={"assigned_at": datetime(2026, 1, 2, 3)})
    store.assignments.upsert([item])
    got = store.assignments.get("asg-1")
    assert got is not None and got.assigned_at == datetime(2026, 1, 2, 3, tzinfo=UTC)
    assert store.assignments.local_state("asg-1") is LocalState.READY


def test_revocation(store: Store, assigned: str) -> None:
    store.assignments.upsert([assignment_item("asg-2", "sub-1")])
    assert store.assignments.mark_revoked(["asg-2", "unknown"]) == ["asg-2"]
    assert store.assignments.is_revoked("asg-2")
    assert store.assignments.local_state("asg-2") is LocalState.REVOKED
    with pytest.raises(SheetLockedError):
        store.sheets.set_feedback("asg-2", "too late")
    assert [q.assignment.id for q in store.assignments.queue(include_revoked=False)] == [assigned]
    # listed again by the hub: active again
    store.assignments.upsert([assignment_item("asg-2", "sub-1")])
    assert not store.assignments.is_revoked("asg-2")
    assert store.assignments.local_state("asg-2") is LocalState.NOT_DOWNLOADED
    assert [e.action for e in store.audit.entries("asg-2")] == [AuditAction.REVOKED]


def test_revoking_a_finalized_sheet_keeps_its_decision_visible(store: Store, assigned: str) -> None:
    store.sheets.set_feedback(assigned, "Good work.")
    store.decisions.finalize(assigned, upload_for(store, assigned, Decision.PASS), Decision.PASS, 3)
    store.assignments.mark_revoked([assigned])
    assert store.assignments.local_state(assigned) is LocalState.FINALIZED
    assert store.assignments.is_revoked(assigned)
    with pytest.raises(IllegalTransition, match="revoked"):
        store.decisions.reopen(assigned)


# submissions, credentials, artifacts


def test_submission_round_trip(store: Store) -> None:
    store.submissions.save(submission_out())
    loaded = store.submissions.load("sub-1")
    assert loaded is not None
    submission, credential = loaded
    assert credential == credential_schema().to_domain()
    assert credential.rubric.criteria[0].id == "pause"
    assert submission.credential_id == "wait-time"
    assert submission.attempt == 2 and submission.is_resubmission
    assert submission.educator_pseudonym == "Educator 7F3A"
    assert submission.change_note == "Re-recorded with a longer pause."
    (previous,) = submission.previous_attempts
    assert previous.decision is Decision.NOT_YET
    assert previous.feedback == "Wait longer after open questions."
    assert dict(previous.criteria) == {"pause": "p1", "equity": "e3"}
    video, plan = submission.artifacts
    assert (video.id, video.filename, video.size, video.sha256) == (
        "art-video",
        "lesson.mp4",
        1_234_567,
        SHA_A,
    )
    assert video.kind is ArtifactKind.VIDEO and video.display_name == "Lesson video"
    assert plan.kind is ArtifactKind.PDF and plan.title == ""
    assert store.submissions.load("nope") is None
    store.assignments.upsert([assignment_item()])
    assert store.submissions.load_for_assignment("asg-1") == loaded
    assert store.submissions.credential("wait-time", 1) == credential
    assert store.submissions.credential("wait-time", 2) is None


def test_download_state_survives_a_resave_unless_the_content_changed(store: Store) -> None:
    store.submissions.save(submission_out())
    assert store.submissions.download("art-video").state is DownloadState.NOT_DOWNLOADED  # type: ignore[union-attr]
    store.submissions.set_download_state("art-video", DownloadState.DOWNLOADING, bytes_done=1000)
    store.submissions.set_download_state("art-plan", DownloadState.VERIFIED, bytes_done=4321)
    store.submissions.set_download_state(
        "art-video", DownloadState.FAILED, error="checksum mismatch"
    )
    failed = store.submissions.download("art-video")
    assert failed is not None
    assert (failed.state, failed.bytes_done, failed.error) == (
        DownloadState.FAILED,
        1000,
        "checksum mismatch",
    )

    data = submission_out().model_dump(mode="json")
    data["artifacts"][0]["sha256"] = "c" * 64
    data["artifacts"].append(
        {
            "id": "art-notes",
            "filename": "notes.txt",
            "media_type": "text/plain",
            "size": 10,
            "sha256": "d" * 64,
        }
    )
    store.submissions.save(SubmissionOut.model_validate(data))
    by_id = {d.artifact.id: d for d in store.submissions.downloads("sub-1")}
    assert [d.artifact.id for d in store.submissions.downloads("sub-1")] == [
        "art-video",
        "art-plan",
        "art-notes",
    ]
    assert by_id["art-video"].state is DownloadState.NOT_DOWNLOADED
    assert by_id["art-video"].bytes_done == 0 and by_id["art-video"].error == ""
    assert by_id["art-plan"].state is DownloadState.VERIFIED
    data["artifacts"] = data["artifacts"][1:]
    store.submissions.save(SubmissionOut.model_validate(data))
    assert store.submissions.download("art-video") is None
    with pytest.raises(NotFoundError):
        store.submissions.set_download_state("art-video", DownloadState.VERIFIED)


# score sheets


def test_every_sheet_edit_round_trips(store: Store, assigned: str) -> None:
    assert store.sheets.load_sheet(assigned) == ScoreSheet()
    store.sheets.set_level(assigned, "pause", "p3")
    assert store.assignments.local_state(assigned) is LocalState.IN_PROGRESS
    store.sheets.set_level(assigned, "equity", "e2")
    store.sheets.set_level(assigned, "equity", None)
    store.sheets.set_rationale(assigned, "pause", "Waited 4 s after each question (03:12).")
    time_id = store.sheets.add_citation(
        assigned, "pause", Citation("art-video", TimeRange(192_000, 200_500))
    )
    page_id = store.sheets.add_citation(
        assigned, "pause", Citation("art-plan", PdfPage(2, Rect(10.5, 20, 300, 40.25)))
    )
    store.sheets.add_citation(assigned, "follow", Citation("art-plan", Quote("“Why?” – ask")))
    store.sheets.add_citation(assigned, "follow", Citation("art-plan", PdfPage(5)))
    store.sheets.set_feedback(assigned, "Clear pauses; vary who answers.")
    store.sheets.set_private_note(assigned, "Audio is poor around 05:00.")
    store.sheets.set_override(assigned, Decision.NOT_YET, "Equity evidence is missing.")

    sheet = store.sheets.load_sheet(assigned)
    assert sheet.scores["pause"] == CriterionScore(
        "pause",
        "p3",
        "Waited 4 s after each question (03:12).",
        (
            Citation("art-video", TimeRange(192_000, 200_500)),
            Citation("art-plan", PdfPage(2, Rect(10.5, 20, 300, 40.25))),
        ),
    )
    assert sheet.scores["equity"] == CriterionScore("equity", None, "", ())
    assert sheet.scores["follow"].citations == (
        Citation("art-plan", Quote("“Why?” – ask")),
        Citation("art-plan", PdfPage(5)),
    )
    assert sheet.feedback == "Clear pauses; vary who answers."
    assert sheet.private_note == "Audio is poor around 05:00."
    assert sheet.override is Decision.NOT_YET
    assert sheet.override_reason == "Equity evidence is missing."
    assert store.sheets.revision(assigned) == 11

    store.sheets.remove_citation(assigned, time_id)
    assert [c.id for c in store.sheets.citations(assigned) if c.criterion_id == "pause"] == [
        page_id
    ]
    with pytest.raises(NotFoundError):
        store.sheets.remove_citation(assigned, time_id)
    store.sheets.set_override(assigned, None, "")
    assert store.sheets.load_sheet(assigned).override is None


def test_sheet_of_an_unknown_assignment(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.sheets.set_level("ghost", "pause", "p1")
    with pytest.raises(NotFoundError):
        store.sheets.load_sheet("ghost")


# notes


def test_notes_round_trip(store: Store, assigned: str) -> None:
    late = store.notes.add(assigned, "art-video", 90_000, "Student B waits too")
    early = store.notes.add(assigned, "art-video", 12_500, "First question", "pause")
    other = store.notes.add(assigned, "art-plan", 0, "Plan mentions wait time")
    assert [n.id for n in store.notes.list(assigned)] == [other.id, early.id, late.id]
    assert [n.text for n in store.notes.list(assigned, "art-video")] == [
        "First question",
        "Student B waits too",
    ]
    updated = store.notes.update(
        early.id, text="First open question", time_ms=13_000, criterion_id=None
    )
    assert (updated.text, updated.time_ms, updated.criterion_id) == (
        "First open question",
        13_000,
        None,
    )
    assert updated.created_at == early.created_at and updated.updated_at >= early.updated_at
    assert early.created_at.tzinfo is not None
    store.notes.delete(late.id)
    assert [n.id for n in store.notes.list(assigned)] == [other.id, early.id]
    with pytest.raises(NotFoundError):
        store.notes.delete(late.id)
    with pytest.raises(ValueError):
        store.notes.add(assigned, "art-video", -1, "before the start")


# decisions and the outbox


def test_finalize_writes_decision_outbox_and_state(store: Store, assigned: str) -> None:
    store.sheets.set_level(assigned, "pause", "p3")
    store.sheets.set_feedback(assigned, "Well done.")
    upload = upload_for(store, assigned, Decision.PASS)
    entry_id = store.decisions.finalize(assigned, upload, Decision.PASS, if_match_version=3)

    assert store.assignments.local_state(assigned) is LocalState.FINALIZED
    latest = store.decisions.latest(assigned)
    assert latest is not None and latest.decision is Decision.PASS and latest.upload == upload
    entry = store.outbox.get(entry_id)
    assert entry.state is OutboxState.QUEUED
    assert entry.upload == upload and entry.if_match_version == 3
    assert entry.decision_id == latest.id
    assert len(entry.idempotency_key) == 36
    with pytest.raises(SheetLockedError):
        store.sheets.set_level(assigned, "pause", "p1")
    with pytest.raises(SheetLockedError):
        store.decisions.finalize(assigned, upload, Decision.PASS, 3)
    assert store.audit.entries(assigned)[-1].action is AuditAction.FINALIZED


def test_finalize_refuses_a_mismatched_decision(store: Store, assigned: str) -> None:
    upload = upload_for(store, assigned, Decision.PASS)
    with pytest.raises(ValueError):
        store.decisions.finalize(assigned, upload, Decision.NOT_YET, 3)
    assert store.outbox.entries() == []


def test_finalize_is_atomic(store: Store, assigned: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A clash on the unique idempotency key leaves neither the decision nor the entry."""
    from assessor_app.store.repositories import decisions as decisions_module

    store.sheets.set_feedback(assigned, "first")
    first = store.decisions.finalize(
        assigned, upload_for(store, assigned, Decision.PASS), Decision.PASS, 3
    )
    store.decisions.reopen(assigned)
    key = store.outbox.get(first).idempotency_key
    monkeypatch.setattr(decisions_module.uuid, "uuid4", lambda: key)
    store.sheets.set_feedback(assigned, "second")
    with pytest.raises(Exception, match="UNIQUE"):
        store.decisions.finalize(
            assigned, upload_for(store, assigned, Decision.NOT_YET), Decision.NOT_YET, 3
        )
    with store.database.reading() as session:
        decisions = session.execute(text("SELECT decision FROM decisions")).scalars().all()
        outbox = session.execute(text("SELECT state FROM outbox")).scalars().all()
    assert decisions == ["pass"] and outbox == ["withdrawn"]
    assert store.assignments.local_state(assigned) is LocalState.IN_PROGRESS
    assert [e.action for e in store.audit.entries(assigned)] == [
        AuditAction.FINALIZED,
        AuditAction.REOPENED,
    ]


def test_reopen_withdraws_and_refinalize_queues_anew(store: Store, assigned: str) -> None:
    upload = upload_for(store, assigned, Decision.PASS)
    first = store.decisions.finalize(assigned, upload, Decision.PASS, 3)
    store.decisions.reopen(assigned)
    assert store.outbox.get(first).state is OutboxState.WITHDRAWN
    assert store.assignments.local_state(assigned) is LocalState.IN_PROGRESS
    assert store.decisions.latest(assigned) is None
    assert store.outbox.next_pending() is None
    store.sheets.set_feedback(assigned, "Changed my mind.")
    second = store.decisions.finalize(
        assigned, upload_for(store, assigned, Decision.NOT_YET), Decision.NOT_YET, 3
    )
    assert [e.id for e in store.outbox.entries(assigned)] == [first, second]
    assert store.outbox.get(first).idempotency_key != store.outbox.get(second).idempotency_key
    assert store.decisions.latest(assigned).decision is Decision.NOT_YET  # type: ignore[union-attr]
    with pytest.raises(IllegalTransition):
        store.outbox.mark_uploaded(second)  # only an upload in progress can finish


def test_outbox_lifecycle(store: Store, assigned: str) -> None:
    store.assignments.upsert([assignment_item("asg-2")])
    store.assignments.set_local_state("asg-2", LocalState.READY)
    a = store.decisions.finalize(
        assigned, upload_for(store, assigned, Decision.PASS), Decision.PASS, 3
    )
    b = store.decisions.finalize(
        "asg-2", upload_for(store, "asg-2", Decision.PASS), Decision.PASS, 3
    )
    assert store.outbox.next_pending().id == a  # type: ignore[union-attr]
    assert store.outbox.mark_uploading(a).attempts == 1
    assert store.outbox.next_pending().id == b  # type: ignore[union-attr]
    with pytest.raises(IllegalTransition):
        store.decisions.reopen(assigned)  # uploading: too late

    retry_at = datetime.now(UTC) + timedelta(minutes=5)
    store.outbox.mark_retry(a, "connection reset", retry_at)
    entry = store.outbox.get(a)
    assert (entry.state, entry.last_error, entry.next_attempt_at) == (
        OutboxState.RETRY_WAIT,
        "connection reset",
        retry_at,
    )
    assert store.outbox.next_pending().id == b  # type: ignore[union-attr]
    assert store.outbox.next_pending(now=retry_at).id == a  # type: ignore[union-attr]
    assert store.outbox.pending_count() == 2

    store.outbox.mark_uploading(b)
    store.outbox.mark_conflict(b, {"status": 409, "hub_decision": "not_yet"}, "decided elsewhere")
    assert store.outbox.get(b).hub_state == {"status": 409, "hub_decision": "not_yet"}
    assert store.assignments.local_state("asg-2") is LocalState.CONFLICT
    assert store.decisions.latest("asg-2") is not None  # the local decision is kept

    assert store.outbox.mark_uploading(a).attempts == 2
    uploaded_at = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    store.outbox.mark_uploaded(a, uploaded_at)
    done = store.outbox.get(a)
    assert (done.state, done.uploaded_at, done.last_error) == (
        OutboxState.UPLOADED,
        uploaded_at,
        "",
    )
    assert store.assignments.local_state(assigned) is LocalState.UPLOADED
    assert store.outbox.next_pending(now=retry_at) is None
    with pytest.raises(IllegalTransition):
        store.decisions.reopen(assigned)
    with pytest.raises(IllegalTransition):
        store.outbox.mark_uploading(a)

    store.decisions.reopen("asg-2")  # a conflict may be reopened and finalized again
    assert store.outbox.get(b).state is OutboxState.WITHDRAWN
    assert [e.action for e in store.audit.entries()] == [
        AuditAction.FINALIZED,
        AuditAction.FINALIZED,
        AuditAction.CONFLICT,
        AuditAction.UPLOADED,
        AuditAction.REOPENED,
    ]


def test_recover_interrupted_uploads(store: Store, assigned: str) -> None:
    entry_id = store.decisions.finalize(
        assigned, upload_for(store, assigned, Decision.PASS), Decision.PASS, 3
    )
    store.outbox.mark_uploading(entry_id)
    assert store.outbox.recover_interrupted() == 1
    assert store.outbox.get(entry_id).state is OutboxState.QUEUED
    assert store.outbox.next_pending().id == entry_id  # type: ignore[union-attr]


# coverage and workspace


def test_coverage_round_trip(store: Store, assigned: str) -> None:
    first = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    store.coverage.mark_opened(assigned, "art-video", first)
    store.coverage.mark_opened(assigned, "art-video", first + timedelta(hours=1))
    store.coverage.mark_opened(assigned, "art-plan", first + timedelta(minutes=5))
    assert store.coverage.opened(assigned) == {
        "art-video": first,
        "art-plan": first + timedelta(minutes=5),
    }
    for start, end in [(10_000, 20_000), (50_000, 60_000), (19_000, 30_000), (30_000, 31_000)]:
        store.coverage.add_played(assigned, "art-video", TimeRange(start, end))
    assert store.coverage.played(assigned, "art-video") == [
        TimeRange(10_000, 31_000),
        TimeRange(50_000, 60_000),
    ]
    assert store.coverage.played(assigned, "art-plan") == []


def test_workspace_round_trip(store: Store, assigned: str) -> None:
    assert store.workspace.open_artifact(assigned) is None
    store.workspace.set_open_artifact(assigned, "art-plan")
    store.workspace.set_open_artifact(assigned, "art-video")
    store.workspace.set_video_position(assigned, "art-video", 123_456)
    store.workspace.set_video_position(assigned, "art-video", 130_000)
    store.workspace.set_video_position(assigned, "art-audio", -5)
    assert store.workspace.open_artifact(assigned) == "art-video"
    assert store.workspace.video_position(assigned, "art-video") == 130_000
    assert store.workspace.video_positions(assigned) == {"art-video": 130_000, "art-audio": 0}
    assert store.workspace.video_position(assigned, "nope") is None


# audit log


def test_audit_log_appends_and_refuses_rewrites(store: Store, assigned: str) -> None:
    first = store.audit.append(AuditAction.OPENED, assigned, {"artifact": "art-video"})
    store.audit.append("downloaded", None, {"artifacts": 2})
    store.audit.append(AuditAction.PURGED, assigned, {"bytes": 1_234_567})
    entries = store.audit.entries()
    assert [(e.action, e.assignment_id, e.detail) for e in entries] == [
        (AuditAction.OPENED, assigned, {"artifact": "art-video"}),
        (AuditAction.DOWNLOADED, None, {"artifacts": 2}),
        (AuditAction.PURGED, assigned, {"bytes": 1_234_567}),
    ]
    assert entries[0].id == first and entries[0].at.tzinfo is not None
    with pytest.raises(ValueError):
        store.audit.append("tampered", assigned, {})
    for statement in (
        "UPDATE audit_log SET action = 'scored'",
        "DELETE FROM audit_log",
        f"DELETE FROM audit_log WHERE id = {first}",
    ):
        with pytest.raises(Exception, match="append-only"), store.database.transaction() as s:
            s.execute(text(statement))
    assert store.audit.entries() == entries


def test_deleting_an_assignment_leaves_the_audit_log(store: Store, assigned: str) -> None:
    store.audit.append(AuditAction.SCORED, assigned, {"criterion": "pause"})
    with store.database.transaction() as s:
        s.execute(text("DELETE FROM assignments WHERE id = :id"), {"id": assigned})
    assert [e.action for e in store.audit.entries(assigned)] == [AuditAction.SCORED]
