"""Scoring operations in the profile store (real SQLite): the two new kinds survive the
upgrade of a database with work in it, declines queue and withdraw, reads and findings
are kept for offline reading, and an adjudicator's finalize follows the rationale rule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from store_factories import assignment_item, submission_out

from assessor_app.domain import Decision
from assessor_app.domain.assignment_state import LocalState
from assessor_app.domain.decline import DeclineReason
from assessor_app.protocol.scoring import (
    BackreadCriterion,
    BackreadFinding,
    BackreadVerdict,
    ReadOut,
    ReadsOut,
)
from assessor_app.protocol.v1 import CriterionScoreWire, RecalibrationNotice
from assessor_app.services.queue import queue_rows
from assessor_app.services.scoring import FinalizeRefused, ScoringService
from assessor_app.services.scoring_ops import (
    BackreadNotRecorded,
    DeclineNotPossible,
    backreading_findings,
    decline,
    reads_table,
    recalibration,
    recalibration_text,
    record_backread,
    reopen_backread,
    save_backread_draft,
)
from assessor_app.store import Profile, SheetLockedError, Store, open_store
from assessor_app.store.db import current_revision, head_revision, open_database
from assessor_app.store.models import DeclineState, VerdictState
from assessor_app.store.repositories.scoring_ops import DeclineRefused


def test_an_upgraded_store_keeps_its_work_and_takes_the_new_kinds(profile: Profile) -> None:
    old = Store(open_database(profile, target="0006"))
    old.assignments.upsert([assignment_item()])
    old.submissions.save(submission_out())
    old.assignments.set_local_state("asg-1", LocalState.READY)
    old.sheets.set_level("asg-1", "pause", "p3")
    old.sheets.set_rationale("asg-1", "pause", "Long pauses.")
    old.notes.add("asg-1", "art-video", 4_000, "waits")
    with pytest.raises(Exception, match="CHECK constraint failed"):
        old.assignments.upsert([assignment_item("adj-0", kind="adjudication")])
    old.close()

    with open_store(profile) as store:
        assert current_revision(store.database.engine) == head_revision()
        # Nothing cascaded away with the table's new check.
        assert store.sheets.load_sheet("asg-1").scores["pause"].rationale == "Long pauses."
        assert [n.text for n in store.notes.list("asg-1")] == ["waits"]
        store.assignments.upsert(
            [
                assignment_item("adj-1", kind="adjudication"),
                assignment_item("br-1", kind="backread"),
            ]
        )
        kinds = {r.assignment_id: r.kind.value for r in queue_rows(store)}
        assert kinds == {"asg-1": "production", "adj-1": "adjudication", "br-1": "backread"}
        with store.database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_a_decline_is_queued_once_and_withdraws_the_assignment_when_sent(
    store: Store, assigned: str
) -> None:
    with pytest.raises(DeclineNotPossible, match="Say briefly why"):
        decline(store, assigned, DeclineReason.CONFLICT_OF_INTEREST, "  ")
    decline(store, assigned, DeclineReason.CONFLICT_OF_INTEREST, "I coached this teacher.")
    (row,) = queue_rows(store)
    assert row.decline_pending and row.local_state is LocalState.READY
    with pytest.raises(DeclineNotPossible, match="declined this assignment already"):
        decline(store, assigned, DeclineReason.CANNOT_SCORE, "again")
    with pytest.raises(DeclineRefused):
        store.declines.queue(assigned, DeclineReason.CANNOT_SCORE, "again")

    (queued,) = store.declines.queued()
    assert queued.request.model_dump() == {
        "reason": "conflict_of_interest",
        "comment": "I coached this teacher.",
    }
    assert len(queued.idempotency_key) == 32
    store.declines.mark_sent(queued.id, datetime(2026, 12, 6, tzinfo=UTC))
    assert store.declines.queued() == []
    assert store.declines.latest()[assigned].state is DeclineState.SENT
    assert store.assignments.local_state(assigned) is LocalState.REVOKED
    assert queue_rows(store) == []  # declined work leaves the queue for good
    # The hub listing it again (it should not) does not bring it back into view.
    store.assignments.apply_delta([assignment_item()])
    assert queue_rows(store) == []


def test_a_refused_decline_leaves_the_assignment_and_may_be_tried_again(
    store: Store, assigned: str
) -> None:
    decline(store, assigned, DeclineReason.CANNOT_SCORE, "The video does not play.")
    (queued,) = store.declines.queued()
    store.declines.mark_refused(queued.id, "The hub says no.")
    (row,) = queue_rows(store)
    assert not row.decline_pending and not row.revoked
    decline(store, assigned, DeclineReason.CANNOT_SCORE, "Still does not play.")
    assert [d.comment for d in store.declines.queued()] == ["Still does not play."]


def test_calibration_work_cannot_be_declined(store: Store) -> None:
    store.assignments.upsert([assignment_item("cal-1", kind="calibration")])
    with pytest.raises(DeclineNotPossible, match="Calibration work is practice"):
        decline(store, "cal-1", DeclineReason.CANNOT_SCORE, "no time")
    assert store.declines.queued() == []


def test_a_decided_assignment_cannot_be_declined(store: Store, assigned: str) -> None:
    for criterion, level in (("pause", "p3"), ("equity", "e3"), ("follow", "f3")):
        store.sheets.set_level(assigned, criterion, level)
    store.sheets.set_rationale(assigned, "pause", "Long pauses.")
    ScoringService(store).finalize(assigned, quality_override_reason="fine")
    with pytest.raises(DeclineNotPossible, match="Queued for upload"):
        decline(store, assigned, DeclineReason.CANNOT_SCORE, "too late")


def _read(label: str, levels: dict[str, str], rationale: str = "") -> ReadOut:
    return ReadOut(
        label=label,
        decision=Decision.PASS,
        criteria=[
            CriterionScoreWire(criterion_id=c, level_id=lv, rationale=rationale)
            for c, lv in levels.items()
        ],
        feedback=f"{label} feedback",
    )


READS = ReadsOut(
    reads=[
        _read("Read A", {"pause": "p3", "equity": "e2", "follow": "f3"}, "A saw long pauses"),
        _read("Read B", {"pause": "p1", "equity": "e3", "follow": "f3"}),
    ]
)


@pytest.fixture
def adjudication(store: Store) -> str:
    store.assignments.upsert([assignment_item("adj-1", kind="adjudication")])
    store.submissions.save(submission_out())
    store.assignments.set_local_state("adj-1", LocalState.READY)
    return "adj-1"


def test_reads_are_kept_and_laid_out_per_criterion(store: Store, adjudication: str) -> None:
    assert store.reads.missing() == [adjudication]
    store.reads.save(adjudication, READS)
    assert store.reads.missing() == []
    opened = ScoringService(store).open(adjudication)
    assert opened.reads == READS
    table = reads_table(READS, opened.credential, opened.submission.artifacts)
    assert table.labels == ["Read A", "Read B"]
    assert table.rows[0] == (
        "Pause length",
        ["(3) Proficient\nRationale: A saw long pauses", "(1) Beginning"],
    )
    assert table.rows[-2] == ("Decision", ["Pass", "Pass"])
    assert table.rows[-1] == ("Feedback", ["Read A feedback", "Read B feedback"])


def test_finalize_wants_a_rationale_where_the_final_level_differs_from_both_reads(
    store: Store, adjudication: str
) -> None:
    service = ScoringService(store)
    for criterion, level in (("pause", "p3"), ("equity", "e1"), ("follow", "f3")):
        service.set_level(adjudication, criterion, level)
    service.set_rationale(adjudication, "pause", "Long pauses, as Read A says.")
    service.set_feedback(adjudication, "Invite every student to answer.")
    with pytest.raises(FinalizeRefused, match="not on this computer yet"):
        service.finalize(adjudication, decision=Decision.NOT_YET, reason="x")
    store.reads.save(adjudication, READS)
    with pytest.raises(FinalizeRefused) as refused:
        service.finalize(adjudication, quality_override_reason="ok")
    messages = [p.message for p in refused.value.check.evaluation.problems]
    assert messages == [
        "“Who answers”: your level differs from both reads, so say why in its rationale."
    ]
    service.set_rationale(adjudication, "equity", "Only volunteers answer.")
    finalized = service.finalize(adjudication, quality_override_reason="ok")
    assert store.assignments.local_state(adjudication) is LocalState.FINALIZED
    assert finalized.decision is Decision.NOT_YET


def test_findings_and_recalibration_read_offline(store: Store, assigned: str) -> None:
    finding = BackreadFinding(
        assignment_id=assigned,
        credential_title="Wait time for questioning",
        educator_pseudonym="Educator 7F3A",
        criterion_id="pause",
        criterion_title="Pause length",
        own_level_id="p3",
        backreader_level_id="p2",
        comment="Pauses were under three seconds\nafter most questions.",
        recorded_at=datetime(2026, 12, 5, 9, 0, tzinfo=UTC),
    )
    store.findings.replace_all([finding])
    (row,) = backreading_findings(store)
    assert (row.criterion_title, row.own_level, row.backreader_level) == (
        "Pause length",
        "Proficient",
        "Developing",
    )
    assert row.comment == finding.comment
    store.findings.replace_all([])
    assert backreading_findings(store) == []

    assert recalibration(store) == [] and recalibration_text([]) == ""
    notice = RecalibrationNotice(
        credential_id="wait-time",
        credential_title="Wait time for questioning",
        reason="2 of your last 5 validity papers matched the key; 4 are needed.",
    )
    store.settings.set_recalibration([notice])
    assert recalibration(store) == [notice]
    text = recalibration_text([notice])
    assert "Recalibration required for “Wait time for questioning”: 2 of your" in text
    assert "No new production work arrives" in text


def _verdict(agree: bool, level: str | None = None, comment: str = "") -> BackreadVerdict:
    return BackreadVerdict(
        criteria=[
            BackreadCriterion(criterion_id="pause", agree=agree, level_id=level, comment=comment),
            BackreadCriterion(criterion_id="equity", agree=True),
            BackreadCriterion(criterion_id="follow", agree=True),
        ],
        comment="Careful sheet.",
    )


def test_a_backread_verdict_goes_from_draft_to_queued_to_sent(store: Store) -> None:
    store.assignments.upsert([assignment_item("br-1", kind="backread", version=4)])
    store.submissions.save(submission_out())
    store.assignments.set_local_state("br-1", LocalState.READY)
    save_backread_draft(store, "br-1", _verdict(False))
    assert store.assignments.local_state("br-1") is LocalState.IN_PROGRESS
    assert ScoringService(store).open("br-1").verdict == _verdict(False)
    with pytest.raises(BackreadNotRecorded) as refused:
        record_backread(store, "br-1", _verdict(False))
    assert str(refused.value) == (
        "The backread is not complete: “Pause length”: choose the level you would give."
    )
    with pytest.raises(BackreadNotRecorded, match="“Pause length”: say why you disagree"):
        record_backread(store, "br-1", _verdict(False, "p2"))
    partial = BackreadVerdict(criteria=[BackreadCriterion(criterion_id="pause", agree=True)])
    with pytest.raises(BackreadNotRecorded, match="“Who answers”: agree or disagree"):
        record_backread(store, "br-1", partial)

    record_backread(store, "br-1", _verdict(False, "p2", "Pauses under three seconds."))
    assert store.assignments.local_state("br-1") is LocalState.FINALIZED
    (queued,) = store.verdicts.queued()
    assert (queued.if_match_version, queued.state) == (4, VerdictState.QUEUED)
    assert queued.verdict.criteria[0].level_id == "p2"
    with pytest.raises(SheetLockedError):
        save_backread_draft(store, "br-1", _verdict(True))
    with pytest.raises(BackreadNotRecorded, match="recorded already"):
        record_backread(store, "br-1", _verdict(True))
    store.verdicts.mark_sent("br-1")
    assert store.assignments.local_state("br-1") is LocalState.UPLOADED
    assert store.verdicts.queued() == []
    (row,) = queue_rows(store)
    assert row.kind.value == "backread" and row.state is LocalState.UPLOADED


def test_a_refused_backread_can_be_corrected_and_recorded_again(store: Store) -> None:
    store.assignments.upsert([assignment_item("br-1", kind="backread", version=4)])
    store.submissions.save(submission_out())
    store.assignments.set_local_state("br-1", LocalState.READY)
    verdict = _verdict(False, "p2", "Pauses under three seconds.")
    record_backread(store, "br-1", verdict)
    with pytest.raises(BackreadNotRecorded, match="Only a backread the hub did not accept"):
        reopen_backread(store, "br-1")  # queued: it may be on its way
    (first,) = store.verdicts.queued()
    store.verdicts.mark_refused("br-1", "The hub says the level is unknown.")
    assert store.assignments.local_state("br-1") is LocalState.CONFLICT
    stored = store.verdicts.get("br-1")
    assert stored is not None and stored.last_error == "The hub says the level is unknown."
    reopen_backread(store, "br-1")
    assert store.assignments.local_state("br-1") is LocalState.IN_PROGRESS
    save_backread_draft(store, "br-1", _verdict(False, "p1", "Pauses under one second."))
    record_backread(store, "br-1", _verdict(False, "p1", "Pauses under one second."))
    (second,) = store.verdicts.queued()
    assert second.idempotency_key != first.idempotency_key
    assert second.verdict.criteria[0].level_id == "p1"
