"""Applying the hub's delta to returned decisions, on a real profile database: a return
reopens the sheet once, a page read again (after a crash) does not undo the revision, an
upload whose reply was lost is withdrawn rather than sent again, and the comment goes when
the hub stops listing the assignment as returned."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.hub import passing_upload

from assessor_app.domain.assignment_state import LocalState, OutboxState, ReviewState
from assessor_app.protocol.v1 import AssignmentItem
from assessor_app.store import AuditAction, Store, open_store

ASSIGNED_AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
COMMENT = "Criterion 2 needs a rationale that quotes the reflection."


def item(status: str, version: int, comment: str | None = None) -> AssignmentItem:
    return AssignmentItem(
        id="asg-1",
        submission_id="sub-1",
        kind="production",
        status=status,
        version=version,
        assigned_at=ASSIGNED_AT,
        review_comment=comment,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path / "profile")
    yield opened
    opened.close()


def finalize(store: Store) -> int:
    assignment = store.assignments.get("asg-1")
    assert assignment is not None
    upload = passing_upload()
    return store.decisions.finalize("asg-1", upload, upload.decision, assignment.version)


def upload(store: Store, entry_id: int) -> None:
    store.outbox.mark_uploading(entry_id)
    store.outbox.mark_uploaded(entry_id)


def returns(store: Store) -> list[dict[str, object]]:
    entries = store.audit.entries("asg-1")
    return [e.detail for e in entries if e.action is AuditAction.RETURNED_FOR_REVISION]


def test_a_return_reopens_once_and_a_repeated_page_keeps_the_revision(store: Store) -> None:
    store.assignments.upsert([item("assigned", 1)])
    first = finalize(store)
    upload(store, first)
    applied = store.assignments.apply_delta([item("pending_review", 2)])
    assert applied.returned == [] and store.assignments.local_state("asg-1") is LocalState.UPLOADED

    applied = store.assignments.apply_delta([item("returned_for_revision", 3, COMMENT)])
    assert applied.returned == ["asg-1"]
    assert store.assignments.local_state("asg-1") is LocalState.IN_PROGRESS
    assert returns(store) == [{"comment": COMMENT, "version": 3, "outbox_id": first}]
    [queued] = store.assignments.queue()
    assert queued.review is ReviewState.RETURNED_FOR_REVISION
    assert queued.review_comment == COMMENT

    # The same page again while still editing: nothing more to do.
    assert store.assignments.apply_delta([item("returned_for_revision", 3, COMMENT)]).returned == []
    second = finalize(store)
    assert store.outbox.get(second).if_match_version == 3
    # ... and after the revision was finalized, it must not be reopened or withdrawn.
    assert store.assignments.apply_delta([item("returned_for_revision", 3, COMMENT)]).returned == []
    assert store.assignments.local_state("asg-1") is LocalState.FINALIZED
    assert store.outbox.get(second).state is OutboxState.QUEUED
    assert len(returns(store)) == 1

    upload(store, second)
    store.assignments.apply_delta([item("pending_review", 4)])
    [queued] = store.assignments.queue()
    assert queued.review is ReviewState.AWAITING_REVIEW and queued.review_comment is None
    assert store.assignments.get("asg-1").review_comment is None  # type: ignore[union-attr]

    # A second return of the revised decision reopens the sheet again.
    again = store.assignments.apply_delta([item("returned_for_revision", 5, "Still unclear.")])
    assert again.returned == ["asg-1"]
    assert returns(store)[-1] == {"comment": "Still unclear.", "version": 5, "outbox_id": second}
    assert [e.state for e in store.outbox.entries("asg-1")] == [OutboxState.UPLOADED] * 2


def test_an_upload_whose_reply_was_lost_is_withdrawn_when_returned(store: Store) -> None:
    store.assignments.upsert([item("assigned", 1)])
    entry = finalize(store)
    store.outbox.mark_uploading(entry)
    store.outbox.mark_retry(entry, "connection reset", datetime.now(UTC))
    # The hub had recorded it; a reviewer returned it before the retry.
    store.assignments.apply_delta([item("returned_for_revision", 3, COMMENT)])
    assert store.assignments.local_state("asg-1") is LocalState.IN_PROGRESS
    assert store.outbox.get(entry).state is OutboxState.WITHDRAWN
    assert store.outbox.next_pending() is None
    assert returns(store) == [{"comment": COMMENT, "version": 3, "outbox_id": entry}]


def test_a_sheet_still_being_scored_only_gains_the_comment(store: Store) -> None:
    store.assignments.upsert([item("returned_for_revision", 3, COMMENT)])
    store.assignments.set_local_state("asg-1", LocalState.READY)
    store.assignments.set_local_state("asg-1", LocalState.IN_PROGRESS)
    assert store.assignments.apply_delta([item("returned_for_revision", 3, COMMENT)]).returned == []
    assert returns(store) == []
    assert store.assignments.get("asg-1").review_comment == COMMENT  # type: ignore[union-attr]


def test_a_withdrawn_assignment_shows_no_review_until_listed_again(store: Store) -> None:
    store.assignments.upsert([item("assigned", 1)])
    upload(store, finalize(store))
    store.assignments.mark_revoked(["asg-1"])
    [queued] = store.assignments.queue()
    assert queued.revoked and queued.review is None
    # Listed again (as returned) it becomes active and, being decided, reopens.
    store.assignments.apply_delta([item("returned_for_revision", 3, COMMENT)])
    assert store.assignments.local_state("asg-1") is LocalState.IN_PROGRESS
    assert not store.assignments.is_revoked("asg-1")
