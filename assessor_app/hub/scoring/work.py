"""Recording work for allocation: every flow (import, second reads, adjudication,
validity papers, backreads, declines) adds a work item with ``add_work``; only
``allocation`` turns it into an assignment. Kept apart from ``allocation`` so the flows
that record work on a decision's upload need not import what allocation imports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from assessor_app.hub.scoring.models import (
    ADJUDICATION,
    BACKREAD,
    FIRST,
    SECOND,
    VALIDITY,
    WorkItem,
)

ROLE_OF = {
    FIRST: "assessor",
    SECOND: "assessor",
    VALIDITY: "assessor",
    ADJUDICATION: "adjudicator",
    BACKREAD: "backreader",
}


def add_work(
    session: Session,
    submission_id: str,
    purpose: str,
    now: datetime,
    *,
    due_at: datetime | None = None,
    target_user_id: int | None = None,
    subject_assignment_id: str | None = None,
    assignment_id: str | None = None,
) -> WorkItem:
    """Record work for allocation (``assignment_id`` set: work already given by hand)."""
    item = WorkItem(
        submission_id=submission_id,
        purpose=purpose,
        required_role=ROLE_OF[purpose],
        target_user_id=target_user_id,
        subject_assignment_id=subject_assignment_id,
        due_at=due_at,
        created_at=now,
        assignment_id=assignment_id,
    )
    session.add(item)
    return item
