"""Declining an assignment (``POST /assignments/{id}/decline``): the assessor will not
score it, for a conflict of interest or because they cannot. The assignment is revoked
(the assessor's next delta lists it under ``revoked``), the decline is recorded, and its
work goes back to the pool; allocation never offers that submission to them again.

A validity paper is meant for its one assessor, so a declined one is not offered to
anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessor_app.domain.assignment import AssignmentKind
from assessor_app.hub.db import AssignmentRow, next_change_seq
from assessor_app.hub.scoring.models import VALIDITY, Decline, WorkItem
from assessor_app.hub.scoring.second_reads import purpose_of
from assessor_app.hub.scoring.work import add_work
from assessor_app.protocol.scoring import DeclineRequest
from assessor_app.protocol.v1 import AssignmentStatus


@dataclass
class DeclineRefused(Exception):
    status: int
    title: str
    detail: str

    def __str__(self) -> str:
        return self.detail


def decline(
    session: Session,
    assignment_id: str,
    user_id: int,
    body: DeclineRequest,
    idempotency_key: str,
    now: datetime,
) -> None:
    """Record the decline, or raise ``DeclineRefused``. Write transaction; declining an
    assignment already declined by its assessor is a no-op (a retry), and a key already
    used for another decline is refused, as for uploads."""
    seq = next_change_seq(session)
    assignment = session.get(AssignmentRow, assignment_id, populate_existing=True)
    if assignment is None or assignment.user_id != user_id:
        raise DeclineRefused(404, "Not Found", "No such assignment.")
    earlier = session.scalar(select(Decline).where(Decline.assignment_id == assignment_id))
    if earlier is not None:
        return
    reused = session.scalar(
        select(Decline.assignment_id).where(
            Decline.user_id == user_id, Decline.idempotency_key == idempotency_key
        )
    )
    if reused is not None:
        raise DeclineRefused(
            422,
            "Idempotency-Key reused",
            "This Idempotency-Key was already used to decline another assignment: send a new "
            "key for a new decline.",
        )
    if assignment.kind == AssignmentKind.CALIBRATION.value:
        raise DeclineRefused(
            409, "Not declinable", "Calibration work is practice: it cannot be declined."
        )
    if assignment.status != AssignmentStatus.ASSIGNED:
        raise DeclineRefused(
            409,
            "Not declinable",
            f"This assignment is {assignment.status}: only work not yet decided can be declined.",
        )
    item = session.scalar(select(WorkItem).where(WorkItem.assignment_id == assignment.id))
    purpose = purpose_of(session, assignment)
    session.add(
        Decline(
            assignment_id=assignment.id,
            user_id=user_id,
            reason=body.reason,
            comment=body.comment,
            idempotency_key=idempotency_key,
            declined_at=now,
        )
    )
    assignment.status = AssignmentStatus.REVOKED
    assignment.version += 1
    assignment.change_seq = seq
    if purpose == VALIDITY:
        return
    add_work(
        session,
        assignment.submission_id,
        purpose,
        now,
        due_at=assignment.due_at,
        target_user_id=item.target_user_id if item is not None else None,
        subject_assignment_id=item.subject_assignment_id if item is not None else None,
    )
