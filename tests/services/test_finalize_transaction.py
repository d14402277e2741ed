"""Finalize is one service call in one transaction: the assessor's own decision, the
decision record and its upload entry are written together, so a refusal at any step
leaves the SQLite file as it was, override included."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from assessor_app.domain import Decision
from assessor_app.domain.assignment_state import LocalState
from assessor_app.protocol.v1 import DecisionUpload
from assessor_app.services.scoring import FeedbackQualityRefused, FinalizeStopped, ScoringService
from assessor_app.store import AuditAction, SheetChangedError, Store

FEEDBACK = "Wait after the question: the pauses were short. Keep counting to five."
SCORED_AT = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
OWN_REASON = "The second clip shows the waiting the first one misses."


def _score_all(service: ScoringService, *, meets: bool) -> None:
    opened = service.open("asg-1")
    for criterion in opened.credential.rubric.criteria:
        level = next(lv for lv in reversed(criterion.levels) if lv.meets == meets)
        service.set_level("asg-1", criterion.id, level.id)
        service.set_rationale("asg-1", criterion.id, f"Seen at 03:12 for {criterion.title}.")


def _refuse_outbox_inserts(store: Store) -> None:
    with sqlite3.connect(store.path) as db:
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON outbox "
            "BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
        )


def _nothing_recorded(store: Store, revision: int) -> None:
    sheet = store.sheets.load_sheet("asg-1")
    assert (sheet.override, sheet.override_reason) == (None, "")
    assert store.sheets.revision("asg-1") == revision
    assert store.decisions.latest("asg-1") is None
    assert store.outbox.entries() == []
    assert store.assignments.local_state("asg-1") is LocalState.IN_PROGRESS
    assert AuditAction.FINALIZED not in [e.action for e in store.audit.entries()]
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT count(*) FROM decisions").fetchone() == (0,)


def test_a_refusal_after_the_override_is_written_leaves_no_override(store: Store) -> None:
    service = ScoringService(store)
    _score_all(service, meets=True)
    service.set_feedback("asg-1", FEEDBACK)
    revision = store.sheets.revision("asg-1")
    _refuse_outbox_inserts(store)

    with pytest.raises(IntegrityError, match="refused for the test"):
        service.finalize(
            "asg-1",
            decision=Decision.NOT_YET,
            reason=OWN_REASON,
            quality_override_reason="Short on purpose",
        )

    _nothing_recorded(store, revision)


def test_a_feedback_refusal_for_an_own_decision_saves_nothing(store: Store) -> None:
    service = ScoringService(store)
    _score_all(service, meets=True)
    service.set_feedback("asg-1", "Short.")
    revision = store.sheets.revision("asg-1")

    with pytest.raises(FeedbackQualityRefused) as refused:
        service.finalize("asg-1", decision=Decision.NOT_YET, reason=OWN_REASON)

    assert refused.value.check.evaluation.decision is Decision.NOT_YET
    assert refused.value.check.feedback_findings
    _nothing_recorded(store, revision)


def test_the_choice_of_decision_is_recorded_with_it(store: Store) -> None:
    service = ScoringService(store)
    _score_all(service, meets=True)
    service.set_feedback("asg-1", FEEDBACK)

    own = service.finalize(
        "asg-1", decision=Decision.NOT_YET, reason=OWN_REASON, quality_override_reason="Fine"
    )
    assert (own.decision, own.computed, own.overridden) == (Decision.NOT_YET, Decision.PASS, True)
    sheet = store.sheets.load_sheet("asg-1")
    assert (sheet.override, sheet.override_reason) == (Decision.NOT_YET, OWN_REASON)
    recorded = store.decisions.latest("asg-1")
    assert recorded is not None and recorded.upload.override_reason == OWN_REASON
    assert store.outbox.get(own.outbox_id).upload.decision is Decision.NOT_YET

    service.reopen("asg-1")
    # Naming the rubric's own result, or "auto", clears the assessor's own decision.
    rubric = service.finalize(
        "asg-1", decision=Decision.PASS, reason="ignored", quality_override_reason="Fine"
    )
    assert (rubric.decision, rubric.overridden) == (Decision.PASS, False)
    assert store.sheets.load_sheet("asg-1").override is None


def test_a_sheet_edited_since_it_was_checked_is_not_recorded(store: Store) -> None:
    service = ScoringService(store)
    _score_all(service, meets=True)
    checked = store.sheets.revision("asg-1")
    sheet = store.sheets.load_sheet("asg-1")
    service.set_feedback("asg-1", "Edited in another window.")

    upload = DecisionUpload.from_sheet(sheet, Decision.PASS, SCORED_AT)
    with pytest.raises(SheetChangedError):
        store.decisions.finalize("asg-1", upload, Decision.PASS, 3, sheet_revision=checked)

    assert store.outbox.entries() == []
    assert store.assignments.local_state("asg-1") is LocalState.IN_PROGRESS


def test_a_sheet_uploaded_meanwhile_is_not_finalized_again(store: Store) -> None:
    service = ScoringService(store)
    _score_all(service, meets=True)
    service.set_feedback("asg-1", FEEDBACK)
    entry = service.finalize("asg-1", quality_override_reason="Fine").outbox_id
    store.outbox.mark_uploading(entry)
    store.outbox.mark_uploaded(entry)

    # As from a view the sync left behind: the check passes, the store refuses.
    with pytest.raises(FinalizeStopped) as stopped:
        service.finalize(
            "asg-1", decision=Decision.NOT_YET, reason=OWN_REASON, quality_override_reason="Ok"
        )

    assert str(stopped.value) == (
        "This sheet is “Uploaded” now, so it cannot be finalized; nothing was recorded."
    )
    assert [e.id for e in store.outbox.entries()] == [entry]
    assert store.sheets.load_sheet("asg-1").override is None
    assert store.assignments.local_state("asg-1") is LocalState.UPLOADED
