"""The assignment's state machine, defined once in ``domain.assignment_state``, is what the
store enforces: an illegal change raises ``IllegalTransition`` and changes nothing in the
SQLite file, and an uploaded sheet cannot be reopened by any path."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assessor_app.domain import Decision
from assessor_app.domain.assignment_state import (
    DECIDED,
    EDITABLE,
    LOCAL_TRANSITIONS,
    OUTBOX_TRANSITIONS,
    IllegalTransition,
    LocalState,
    OutboxState,
    check_local,
)
from assessor_app.protocol.v1 import DecisionUpload
from assessor_app.store import AuditAction, Store


def _uploaded(store: Store, assignment_id: str) -> int:
    sheet = store.sheets.load_sheet(assignment_id)
    upload = DecisionUpload.from_sheet(sheet, Decision.PASS, datetime(2026, 11, 22, tzinfo=UTC))
    entry = store.decisions.finalize(assignment_id, upload, Decision.PASS, 3)
    store.outbox.mark_uploading(entry)
    store.outbox.mark_uploaded(entry)
    return entry


def test_the_tables_cover_every_state_and_keep_decisions_out_of_editing() -> None:
    assert set(LOCAL_TRANSITIONS) == set(LocalState)
    assert set(OUTBOX_TRANSITIONS) == set(OutboxState)
    assert not EDITABLE & DECIDED
    # A decided sheet becomes editable only by going back to in_progress (reopen, return).
    for state in DECIDED:
        assert LOCAL_TRANSITIONS[state] & EDITABLE == {LocalState.IN_PROGRESS}
    # Nothing leaves a finished upload.
    assert OUTBOX_TRANSITIONS[OutboxState.UPLOADED] == frozenset()
    check_local("asg", LocalState.UPLOADED, LocalState.UPLOADED)  # no change is no transition
    with pytest.raises(IllegalTransition) as refused:
        check_local("assignment 'asg'", LocalState.UPLOADED, LocalState.FINALIZED)
    assert (refused.value.current, refused.value.target) == (
        LocalState.UPLOADED,
        LocalState.FINALIZED,
    )
    assert str(refused.value) == "assignment 'asg' is uploaded and cannot become finalized"


def test_an_uploaded_sheet_cannot_be_reopened_or_set_back(store: Store, assigned: str) -> None:
    entry = _uploaded(store, assigned)
    audit_before = [e.action for e in store.audit.entries()]

    with pytest.raises(IllegalTransition):
        store.decisions.reopen(assigned)
    for target in (LocalState.FINALIZED, LocalState.READY, LocalState.DOWNLOADING):
        with pytest.raises(IllegalTransition, match=f"uploaded and cannot become {target}"):
            store.assignments.set_local_state(assigned, target)

    assert store.assignments.local_state(assigned) is LocalState.UPLOADED
    assert store.outbox.get(entry).state is OutboxState.UPLOADED
    assert store.decisions.latest(assigned) is not None
    assert [e.action for e in store.audit.entries()] == audit_before
    assert AuditAction.REOPENED not in audit_before


def test_the_download_path_is_checked_too(store: Store, assigned: str) -> None:
    store.sheets.set_feedback(assigned, "Started.")  # ready -> in_progress on the first edit
    assert store.assignments.local_state(assigned) is LocalState.IN_PROGRESS
    with pytest.raises(IllegalTransition):
        store.assignments.set_local_state(assigned, LocalState.DOWNLOADING)
    with pytest.raises(IllegalTransition):
        store.assignments.set_local_state(assigned, LocalState.READY)
    assert store.assignments.local_state(assigned) is LocalState.IN_PROGRESS


def test_a_withdrawn_upload_cannot_restart(store: Store, assigned: str) -> None:
    sheet = store.sheets.load_sheet(assigned)
    upload = DecisionUpload.from_sheet(sheet, Decision.PASS, datetime(2026, 11, 22, tzinfo=UTC))
    entry = store.decisions.finalize(assigned, upload, Decision.PASS, 3)
    store.decisions.reopen(assigned)
    with pytest.raises(IllegalTransition, match="withdrawn and cannot become uploading"):
        store.outbox.mark_uploading(entry)
    assert store.outbox.get(entry).state is OutboxState.WITHDRAWN
    assert store.assignments.local_state(assigned) is LocalState.IN_PROGRESS
