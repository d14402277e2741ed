"""Scoring operations through the client's sync against a real hub on 127.0.0.1: a
backreader receives a backread of ann's decided sheet, records a disagreement in the app
(offline, then uploaded by the sync with its Idempotency-Key and If-Match), and ann's
next sync brings the finding, levels named by the rubric, the backreader unnamed; two
disagreeing reads reach the adjudicator with both reads unnamed; a declined assignment
leaves the decliner's queue and goes to someone else."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.hub import CREDENTIAL_ID, PASSWORD, RunningHub, running_hub

from assessor_app.domain.assignment_state import LocalState
from assessor_app.domain.decline import DeclineReason
from assessor_app.hub.db import utcnow
from assessor_app.hub.scoring.allocation import allocate
from assessor_app.hub.scoring.models import ScoringPlan
from assessor_app.protocol.scoring import BackreadCriterion, BackreadVerdict
from assessor_app.services.account import ProfileSession, sign_in
from assessor_app.services.queue import queue_rows
from assessor_app.services.scoring import ScoringService
from assessor_app.services.scoring_ops import (
    backreading_findings,
    decline,
    recalibration,
    recalibration_text,
    record_backread,
)
from assessor_app.sync.engine import SyncEngine
from assessor_app.sync.progress import SyncReport

NOTE = b"Lesson notes: wait five seconds after each hinge question.\n"


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[RunningHub]:
    with running_hub(tmp_path / "hub") as hub:
        hub.add_assessor("ann")
        hub.admin.add_assessor("back", PASSWORD, "Bea Backreader", roles=["backreader"])
        yield hub


def _session(hub: RunningHub, username: str) -> ProfileSession:
    return sign_in(hub.base_url, username, PASSWORD)


def _sync(session: ProfileSession) -> SyncReport:
    return SyncEngine(
        session.store, session.vault, session.client(), client_factory=session.client
    ).run()


def _plan(hub: RunningHub, **values: object) -> None:
    plan: dict[str, object] = {
        "second_read_share": 0.0,
        "second_read_near_cut": 0.0,
        "adjudicate_when": "decision",
        "adjudicate_distance": 1,
        "validity_rate": 0.0,
        "validity_window": 3,
        "backread_rate": 0.0,
        "require_qualified": False,
        **values,
    }
    with hub.admin.db.write() as session:
        session.add(ScoringPlan(credential_id=CREDENTIAL_ID, updated_at=utcnow(), **plan))


def _allocate(hub: RunningHub) -> None:
    with hub.admin.db.write() as session:
        allocate(session, datetime.now(UTC))


def test_a_backread_disagreement_travels_from_the_backreader_to_the_assessor(
    hub: RunningHub, tmp_path: Path
) -> None:
    seeded = hub.seed_submission("ann", {"notes.txt": NOTE})
    ann, back = _session(hub, "ann"), _session(hub, "back")
    try:
        assert _sync(ann).new_assignments == 1
        scoring = ScoringService(ann.store)
        scoring.set_level(seeded.assignment_id, "c1-wait", "proficient")
        scoring.set_rationale(seeded.assignment_id, "c1-wait", "Waits four seconds.")
        scoring.set_level(seeded.assignment_id, "c2-reflection", "proficient")
        scoring.set_rationale(seeded.assignment_id, "c2-reflection", "Links answers to waiting.")
        scoring.set_feedback(seeded.assignment_id, "Clear pauses; name what students said.")
        scoring.finalize(seeded.assignment_id, quality_override_reason="fine")
        assert _sync(ann).uploaded == 1

        _plan(hub, backread_rate=1.0)
        _allocate(hub)
        report = _sync(back)
        (row,) = queue_rows(back.store)
        assert (row.kind.value, row.local_state) == ("backread", LocalState.READY)
        assert row.educator_pseudonym == "E-0001"
        backread = row.assignment_id
        # Recorded offline, sent by the next sync.
        verdict = BackreadVerdict(
            criteria=[
                BackreadCriterion(
                    criterion_id="c1-wait",
                    agree=False,
                    level_id="beginning",
                    comment="Most pauses are under two seconds.",
                ),
                BackreadCriterion(criterion_id="c2-reflection", agree=True),
            ],
            comment="Look again at the first question.",
        )
        record_backread(back.store, backread, verdict)
        assert back.store.assignments.local_state(backread) is LocalState.FINALIZED
        # As if an earlier sync's request got through and its answer was lost.
        (queued,) = back.store.verdicts.queued()
        assert queued.idempotency_key is not None and queued.if_match_version is not None
        with back.client() as client:
            first = client.put_backread(
                backread, verdict, queued.idempotency_key, queued.if_match_version
            )
        report = _sync(back)
        assert report.uploaded == 1, report.problems
        assert back.store.assignments.local_state(backread) is LocalState.UPLOADED
        assert back.store.verdicts.queued() == []
        # The resend was answered as the first send: one verdict, one version.
        assert back.store.assignments.get(backread).version == first.version  # type: ignore[union-attr]
        # A second sync sends nothing again.
        assert _sync(back).uploaded == 0

        assert _sync(ann).ok
        (finding,) = backreading_findings(ann.store)
        assert finding._asdict() | {"recorded_at": None} == {
            "assignment_id": seeded.assignment_id,
            "credential_title": "Wait time after questions",
            "educator_pseudonym": "E-0001",
            "criterion_title": "Wait after the question",
            "own_level": "Proficient",
            "backreader_level": "Beginning",
            "comment": "Most pauses are under two seconds.",
            "recorded_at": None,
        }
    finally:
        ann.close()
        back.close()


KEY_PASS = (
    "{decision: pass, criteria: {c1-wait: {level: proficient, rationale: Waits five seconds.},"
    " c2-reflection: {level: proficient, rationale: Links answers to waiting.}}}"
)


def _score(session: ProfileSession, assignment_id: str, c1: str, c2: str) -> None:
    scoring = ScoringService(session.store)
    scoring.set_level(assignment_id, "c1-wait", c1)
    scoring.set_rationale(assignment_id, "c1-wait", f"Chose {c1} from the clip.")
    scoring.set_level(assignment_id, "c2-reflection", c2)
    scoring.set_rationale(assignment_id, "c2-reflection", f"Chose {c2} from the notes.")
    scoring.set_feedback(assignment_id, "Name what students said after each pause.")
    scoring.finalize(assignment_id, quality_override_reason="fine")


def test_a_missed_validity_paper_brings_the_recalibration_notice_at_once(
    hub: RunningHub, tmp_path: Path
) -> None:
    folder = tmp_path / "keyed"
    folder.mkdir()
    (folder / "notes.txt").write_bytes(NOTE)
    (folder / "submission.yaml").write_text(
        f"credential: {CREDENTIAL_ID}\nattempt: 1\neducator_pseudonym: E-0042\n"
        f"artifacts:\n  - {{file: notes.txt, title: Notes}}\ncalibration_key: {KEY_PASS}\n",
        encoding="utf-8",
    )
    hub.admin.import_submission(folder)
    live = hub.seed_submission("ann", {"notes.txt": NOTE})  # papers go to assessors at work
    _plan(hub, validity_rate=1.0, validity_window=1)
    _allocate(hub)
    ann = _session(hub, "ann")
    try:
        assert _sync(ann).ok
        rows = queue_rows(ann.store)
        (paper,) = [r for r in rows if r.assignment_id != live.assignment_id]
        # Nothing tells a validity paper from production work.
        assert {r.kind.value for r in rows} == {"production"}
        assert paper.educator_pseudonym == "E-0042"
        assert recalibration(ann.store) == []
        _score(ann, paper.assignment_id, "beginning", "beginning")
        report = _sync(ann)
        assert report.uploaded == 1, report.problems
        (notice,) = recalibration(ann.store)
        assert notice.credential_title == "Wait time after questions"
        text = recalibration_text([notice])
        assert text.startswith("Recalibration required for “Wait time after questions”: ")
        assert "Qualify again on a calibration set" in text
        assert "No new production work arrives" in text
    finally:
        ann.close()


def _only(session: ProfileSession) -> str:
    rows = [r for r in queue_rows(session.store) if not r.revoked]
    assert len(rows) == 1, rows
    return rows[0].assignment_id


def test_disagreeing_reads_reach_the_adjudicator_who_must_justify_a_new_level(
    hub: RunningHub,
) -> None:
    hub.add_assessor("bob")
    hub.admin.add_assessor("adj", PASSWORD, "Ada Judge", roles=["adjudicator"])
    _plan(hub, second_read_share=1.0)
    hub.seed_submission("ann", {"notes.txt": NOTE}, assign=False)
    people = {name: _session(hub, name) for name in ("ann", "bob", "adj")}
    try:
        _allocate(hub)
        for session in people.values():
            assert _sync(session).ok
        first = next(n for n in ("ann", "bob") if queue_rows(people[n].store))
        second = "bob" if first == "ann" else "ann"
        _score(people[first], _only(people[first]), "proficient", "proficient")
        assert _sync(people[first]).uploaded == 1
        _allocate(hub)
        assert _sync(people[second]).ok
        (row,) = queue_rows(people[second].store)
        assert row.kind.value == "production"  # a second read looks like any other
        _score(people[second], row.assignment_id, "beginning", "beginning")
        assert _sync(people[second]).uploaded == 1
        _allocate(hub)

        adj = people["adj"]
        report = _sync(adj)
        assert report.ok, report.problems
        adjudication = _only(adj)
        opened = ScoringService(adj.store).open(adjudication)
        assert opened.assignment.kind.value == "adjudication"
        assert opened.reads is not None
        assert [(r.label, r.decision.value) for r in opened.reads.reads] == [
            ("Read A", "pass"),
            ("Read B", "not_yet"),
        ]
        reads_text = opened.reads.model_dump_json()
        assert "ann" not in reads_text.lower() and "bob" not in reads_text.lower()

        scoring = ScoringService(adj.store)
        scoring.set_level(adjudication, "c1-wait", "proficient")
        scoring.set_level(adjudication, "c2-reflection", "proficient")
        scoring.set_feedback(adjudication, "Clear pauses after every open question.")
        scoring.finalize(adjudication, quality_override_reason="fine")
        assert _sync(adj).uploaded == 1
        assert adj.store.assignments.local_state(adjudication) is LocalState.UPLOADED
    finally:
        for session in people.values():
            session.close()


def test_a_declined_assignment_leaves_the_queue_and_goes_to_someone_else(
    hub: RunningHub,
) -> None:
    hub.add_assessor("bob")
    seeded = hub.seed_submission("ann", {"notes.txt": NOTE})
    ann, bob = _session(hub, "ann"), _session(hub, "bob")
    try:
        assert _sync(ann).new_assignments == 1
        decline(ann.store, seeded.assignment_id, DeclineReason.CONFLICT_OF_INTEREST, "My cousin.")
        (row,) = queue_rows(ann.store)
        assert row.decline_pending
        report = _sync(ann)
        assert report.declined == 1, report.problems
        assert queue_rows(ann.store) == []
        assert ann.store.assignments.local_state(seeded.assignment_id) is LocalState.REVOKED
        assert "1 decline sent" in report.summary()
        # Nothing was done on it: its evidence is not kept here.
        assert not any(ann.vault.has(a.sha256) for a in seeded.artifacts)
        _allocate(hub)
        assert _sync(bob).new_assignments == 1
        (given,) = queue_rows(bob.store)
        assert given.assignment_id != seeded.assignment_id
        # It stays out of ann's queue, and nothing is sent twice.
        again = _sync(ann)
        assert (again.declined, queue_rows(ann.store)) == (0, [])
    finally:
        ann.close()
        bob.close()


def test_a_decline_and_a_verdict_whose_answers_were_lost_are_recorded_once(
    hub: RunningHub,
) -> None:
    """As after a crash between the hub's answer and the store's note of it: the same
    request reached the hub already; the next sync sends it again with the same key and
    the hub records nothing twice."""
    hub.add_assessor("bob")
    seeded = hub.seed_submission("ann", {"notes.txt": NOTE})
    ann = _session(hub, "ann")
    try:
        assert _sync(ann).new_assignments == 1
        decline(ann.store, seeded.assignment_id, DeclineReason.CANNOT_SCORE, "It will not play.")
        (queued,) = ann.store.declines.queued()
        with ann.client() as client:
            client.decline(seeded.assignment_id, queued.request, queued.idempotency_key)
        report = _sync(ann)
        assert report.declined == 1, report.problems
        assert queue_rows(ann.store) == []
        # The hub has one decline of it, and the work went back to the pool.
        _allocate(hub)
        bob = _session(hub, "bob")
        try:
            assert _sync(bob).new_assignments == 1
        finally:
            bob.close()
    finally:
        ann.close()
