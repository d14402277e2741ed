"""The status read again right after an upload: when the hub answers, the queue says
"awaiting review" in the same sync; when it cannot (503 through a fault proxy), the upload
still counts, the run reports no problem, and the next sync brings the status."""

from __future__ import annotations

from review_kit import Desk
from support.fault_proxy import FaultProxy

from assessor_app.domain.assignment_state import LocalState, ReviewState
from assessor_app.services.scoring import ScoringService
from assessor_app.sync.engine import SyncEngine
from assessor_app.sync.progress import SyncPhase, SyncProgress

FEEDBACK = "Wait after the question: well paced. Reflection on student thinking: clear."


def test_a_failed_refresh_after_upload_is_left_for_the_next_sync(desk: Desk) -> None:
    store, aid = desk.session.store, desk.assignment_id
    desk.sync()
    scoring = ScoringService(store)
    scoring.set_level(aid, "c1-wait", "proficient")
    scoring.set_level(aid, "c2-reflection", "proficient")
    scoring.set_feedback(aid, FEEDBACK)
    scoring.finalize(aid, quality_override_reason="Short on purpose")

    with FaultProxy(desk.hub.base_url) as proxy:
        client = desk.hub.client("ann", base_url=proxy.url)

        def on_progress(progress: SyncProgress) -> None:
            # From the upload phase on, the hub's assignment list is unavailable.
            if progress.phase is SyncPhase.UPLOADS:
                proxy.fail(503, times=None, method="GET", path="/assignments")

        try:
            report = SyncEngine(
                store, desk.session.vault, client, progress=on_progress, disk_margin=0
            ).run()
        finally:
            client.close()
        faulted = [r.fault for r in proxy.requests("GET", "/assignments")]

    assert report.ok, report.problems
    assert report.uploaded == 1
    assert faulted[0] is None and faulted[1:] and all(f is not None for f in faulted[1:])
    assert store.assignments.local_state(aid) is LocalState.UPLOADED
    assignment = store.assignments.get(aid)
    assert assignment is not None and assignment.status == "assigned"  # not refreshed yet

    desk.sync()
    assignment = store.assignments.get(aid)
    assert assignment is not None
    assert (assignment.status, assignment.version) == ("pending_review", 2)
    assert store.assignments.queue()[0].review is ReviewState.AWAITING_REVIEW
