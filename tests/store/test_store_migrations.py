"""The upgrade path: a database made at revision 0001, with work in it, opened by the
current code, keeps every bit of that work and gains the later tables."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime

from store_factories import assignment_item, submission_out

from assessor_app.domain import Citation, CriterionScore, Decision, PdfPage, Quote, TimeRange
from assessor_app.domain.assignment_state import LocalState, OutboxState
from assessor_app.protocol.v1 import DecisionUpload
from assessor_app.store import AuditAction, Profile, Store, open_store
from assessor_app.store.db import current_revision, head_revision, list_backups, open_database

SCORED_AT = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def test_data_made_at_0001_survives_the_upgrade(profile: Profile) -> None:
    old = Store(open_database(profile, target="0001"))
    assert current_revision(old.database.engine) == "0001"
    old.settings.set_sync_cursor("cursor-9")
    old.settings.set_retention_days(21)
    old.assignments.upsert([assignment_item(), assignment_item("asg-2")])
    old.submissions.save(submission_out())
    old.assignments.set_local_state("asg-1", LocalState.READY)
    old.sheets.set_level("asg-1", "pause", "p3")
    old.sheets.set_rationale("asg-1", "pause", "Four-second pauses throughout.")
    old.sheets.add_citation("asg-1", "pause", Citation("art-video", TimeRange(1_000, 9_000)))
    old.sheets.add_citation("asg-1", "equity", Citation("art-plan", Quote("cold calling")))
    old.sheets.set_feedback("asg-1", "Strong evidence.")
    old.sheets.set_private_note("asg-1", "Check audio.")
    sheet_before = old.sheets.load_sheet("asg-1")
    old.assignments.set_local_state("asg-2", LocalState.READY)
    old.assignments.set_local_state("asg-2", LocalState.IN_PROGRESS)
    old.sheets.add_citation("asg-2", "follow", Citation("art-plan", PdfPage(3)))
    # finalize appends to the audit log, which 0001 lacks: queue the decision by hand
    upload = DecisionUpload.from_sheet(old.sheets.load_sheet("asg-2"), Decision.NOT_YET, SCORED_AT)
    with old.database.transaction() as session:
        session.connection().exec_driver_sql(
            "INSERT INTO decisions (id, assignment_id, decision, payload, finalized_at) "
            "VALUES (1, 'asg-2', 'not_yet', ?, '2026-11-22 10:00:00.000000')",
            (upload.model_dump_json(),),
        )
        session.connection().exec_driver_sql(
            "INSERT INTO outbox (assignment_id, decision_id, decision, idempotency_key, "
            "if_match_version, payload, state, attempts, last_error, created_at) VALUES "
            "('asg-2', 1, 'not_yet', 'key-1', 3, ?, 'queued', 0, '', "
            "'2026-11-22 10:00:00.000000')",
            (upload.model_dump_json(),),
        )
    old.close()

    with open_store(profile) as store:
        assert current_revision(store.database.engine) == head_revision() != "0001"
        assert store.settings.sync_cursor() == "cursor-9"
        assert store.settings.retention_days() == 21
        assert [q.assignment.id for q in store.assignments.queue()] == ["asg-1", "asg-2"]
        assert store.assignments.local_state("asg-1") is LocalState.IN_PROGRESS
        loaded = store.submissions.load("sub-1")
        assert loaded is not None and loaded[1].title == "Wait time for questioning"
        assert len(loaded[0].artifacts) == 2
        sheet = store.sheets.load_sheet("asg-1")
        assert sheet == sheet_before
        assert sheet.scores["pause"] == CriterionScore(
            "pause",
            "p3",
            "Four-second pauses throughout.",
            (Citation("art-video", TimeRange(1_000, 9_000)),),
        )
        entry = store.outbox.next_pending()
        assert entry is not None
        assert (entry.assignment_id, entry.idempotency_key, entry.state) == (
            "asg-2",
            "key-1",
            OutboxState.QUEUED,
        )
        assert entry.upload == upload
        # the tables of 0002 work on the upgraded file
        store.notes.add("asg-1", "art-video", 5_000, "pause starts")
        store.audit.append(AuditAction.OPENED, "asg-1", {})
        assert [n.text for n in store.notes.list("asg-1")] == ["pause starts"]
        store.decisions.reopen("asg-2")
        assert store.outbox.get(entry.id).state is OutboxState.WITHDRAWN

    # One backup before the upgrade: it holds the 0001 file as it was.
    backup = list_backups(profile.backups_dir)[0]
    assert "before-0002" in backup.name
    with closing(sqlite3.connect(backup)) as con:
        assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        feedback = con.execute("SELECT feedback FROM score_sheets WHERE assignment_id='asg-1'")
        assert feedback.fetchone() == ("Strong evidence.",)
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "audit_log" not in tables and "assignments" in tables
