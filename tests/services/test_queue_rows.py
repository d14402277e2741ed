"""The queue's one read model (``services.queue.queue_rows``) on a real SQLite profile:
what each row shows, the download percent of a submission part downloaded, and a
withdrawn assignment; the GUI's table and the command line both print these rows."""

from __future__ import annotations

from datetime import UTC, datetime

from assessor_app.domain import AssignmentKind
from assessor_app.domain.assignment_state import LocalState, ReviewState
from assessor_app.protocol.v1 import AssignmentItem
from assessor_app.services.queue import QueueRow, queue_rows, queue_state
from assessor_app.services.scoring import ScoringService
from assessor_app.store import DownloadState, Store


def _second_assignment(store: Store) -> None:
    """asg-2: the same submission, assigned later and without a due date."""
    store.assignments.upsert(
        [
            AssignmentItem(
                id="asg-2",
                submission_id="sub-1",
                kind="calibration",
                status="assigned",
                version=1,
                assigned_at=datetime.now(UTC),
                due_at=None,
            )
        ]
    )


def test_rows_in_queue_order_with_the_percent_while_downloading(store: Store) -> None:
    _second_assignment(store)
    store.assignments.set_local_state("asg-2", LocalState.DOWNLOADING)
    store.submissions.set_download_state("art-video", DownloadState.VERIFIED, bytes_done=10)
    store.submissions.set_download_state("art-plan", DownloadState.DOWNLOADING, bytes_done=2)

    ready, downloading = queue_rows(store)

    assert ready == QueueRow(
        assignment_id="asg-1",
        credential_title="Wait Time in Questioning",
        educator_pseudonym="E-4821",
        attempt=1,
        kind=AssignmentKind.PRODUCTION,
        state=LocalState.READY,
        local_state=LocalState.READY,
        due_at=ready.due_at,
        download_percent=None,  # only a row that shows "downloading" has one
        review_comment=None,
    )
    assert ready.due_at is not None and not ready.revoked and ready.review is None
    # 10 of 10 bytes verified, 2 of 10 arrived: 12 of 20.
    assert (downloading.assignment_id, downloading.state) == ("asg-2", LocalState.DOWNLOADING)
    assert downloading.download_percent == 60
    assert downloading.kind is AssignmentKind.CALIBRATION and downloading.due_at is None


def test_a_withdrawn_assignment_shows_as_withdrawn_unless_decided(store: Store) -> None:
    _second_assignment(store)
    scoring = ScoringService(store)
    for criterion in scoring.open("asg-1").credential.rubric.criteria:
        scoring.set_level("asg-1", criterion.id, criterion.levels[-1].id)
        scoring.set_rationale("asg-1", criterion.id, "Seen at 03:12.")
    scoring.finalize("asg-1")
    store.assignments.mark_revoked(["asg-1", "asg-2"])

    decided, undecided = queue_rows(store)

    assert (undecided.state, undecided.local_state) == (LocalState.REVOKED, LocalState.REVOKED)
    assert undecided.revoked and undecided.review is None
    # The decision stays in view: the command line and the GUI both say where it is.
    assert (decided.state, decided.local_state) == (LocalState.FINALIZED, LocalState.FINALIZED)
    assert decided.revoked and decided.review is None


def test_the_state_a_row_shows() -> None:
    # The hub's review where it says more, else the sheet's own state.
    review = ReviewState.AWAITING_REVIEW
    assert queue_state(LocalState.UPLOADED, review) is ReviewState.AWAITING_REVIEW
    for local in LocalState:
        assert queue_state(local, None).value == local.value
