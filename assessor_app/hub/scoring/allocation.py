"""Allocation: the only place that turns work items into assignments.

Every flow (import, second reads, adjudication, validity papers, backreads, declines)
records the work it needs with ``add_work``; ``allocate`` hands open work, earliest due
first, to an eligible account. Eligible means: the role the work needs (``work.ROLE_OF``);
the named reader where the work names one; a qualified assessor for live reads where the
credential's plan requires it; for live reads and validity papers, an assessor who is not
*recalibration required* (``validity.needs_recalibration``); no shared affiliation
with the submission; under the account's capacity of open assignments; and never an
earlier reader or decliner of that submission. Among the eligible, the one with the
fewest open assignments gets it. Each run first records the validity papers and
backreads the plans owe (``flow_work.create_flow_work``).

Two hub processes may allocate at once. On PostgreSQL each run first takes the change
counter's row lock (every assignment change takes it too, so counts of open work are
exact) and locks the open work items it reads with ``FOR UPDATE SKIP LOCKED``; the unique
``work_items.assignment_id`` refuses a second assignment for the same work in any case.
SQLite serialises writers.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from assessor_app.domain.assignment import AssignmentKind
from assessor_app.hub.calibration.models import CalibrationSessionItem
from assessor_app.hub.calibration.qualification import credential_qualifications
from assessor_app.hub.db import (
    AssignmentRow,
    CalibrationKey,
    Database,
    SubmissionRow,
    User,
    hold_change_counter,
    next_change_seq,
    utcnow,
)
from assessor_app.hub.scoring.affiliations import in_conflict
from assessor_app.hub.scoring.flow_work import create_flow_work
from assessor_app.hub.scoring.models import (
    ADJUDICATION,
    BACKREAD,
    FIRST,
    SECOND,
    VALIDITY,
    AssessorCapacity,
    Decline,
    WorkItem,
)
from assessor_app.hub.scoring.plan import plan_of
from assessor_app.hub.scoring.validity import needs_recalibration
from assessor_app.protocol.v1 import AssignmentStatus

_log = logging.getLogger(__name__)

KIND_OF = {
    FIRST: AssignmentKind.PRODUCTION,
    SECOND: AssignmentKind.PRODUCTION,
    VALIDITY: AssignmentKind.PRODUCTION,
    ADJUDICATION: AssignmentKind.ADJUDICATION,
    BACKREAD: AssignmentKind.BACKREAD,
}
# Live reads whose reader must be qualified where the plan says so.
LIVE_READS = (FIRST, SECOND)
# An assignment still waiting for its reader's decision.
OPEN_STATUSES = (AssignmentStatus.ASSIGNED, AssignmentStatus.RETURNED_FOR_REVISION)
CALIBRATION = AssignmentKind.CALIBRATION.value


@dataclass(frozen=True)
class Allocated:
    assignment_id: str
    submission_id: str
    username: str
    purpose: str


@dataclass(frozen=True)
class AllocationRun:
    allocated: list[Allocated]
    waiting: int
    """Open work items left without an eligible reader."""


def set_capacity(session: Session, user_id: int, capacity: int | None) -> None:
    """At most ``capacity`` open assignments from allocation; None removes the limit."""
    row = session.get(AssessorCapacity, user_id)
    if capacity is None:
        if row is not None:
            session.delete(row)
        return
    if capacity < 0:
        raise ValueError(f"a capacity is a whole number of assignments >= 0, not {capacity}")
    if row is None:
        session.add(AssessorCapacity(user_id=user_id, capacity=capacity))
    else:
        row.capacity = capacity


def open_assignments(session: Session, user_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(AssignmentRow)
            .where(
                AssignmentRow.user_id == user_id,
                AssignmentRow.kind != CALIBRATION,
                AssignmentRow.status.in_(OPEN_STATUSES),
            )
        )
        or 0
    )


def _earlier_reader_or_decliner(session: Session, user_id: int, submission_id: str) -> bool:
    # Any live assignment of the submission, revoked ones included: a declined
    # assignment is revoked, and a withdrawn reader has seen the evidence.
    return bool(
        session.scalar(
            select(
                exists().where(
                    AssignmentRow.user_id == user_id,
                    AssignmentRow.submission_id == submission_id,
                    AssignmentRow.kind != CALIBRATION,
                )
            )
        )
        or session.scalar(
            select(
                exists()
                .where(Decline.user_id == user_id)
                .where(
                    Decline.assignment_id.in_(
                        select(AssignmentRow.id).where(AssignmentRow.submission_id == submission_id)
                    )
                )
            )
        )
    )


def _qualified(session: Session, user_id: int, credential_id: str) -> bool:
    return any(
        q.credential_id == credential_id and q.status == "qualified"
        for q in credential_qualifications(session, user_id)
    )


def eligible(session: Session, user: User, item: WorkItem, submission: SubmissionRow) -> bool:
    """Whether ``user`` may take ``item`` now (see the module's rules)."""
    if item.required_role not in user.roles:
        return False
    if item.target_user_id is not None and item.target_user_id != user.id:
        return False
    if in_conflict(session, user.id, submission.id):
        return False
    if _earlier_reader_or_decliner(session, user.id, submission.id):
        return False
    capacity = session.get(AssessorCapacity, user.id)
    if capacity is not None and open_assignments(session, user.id) >= capacity.capacity:
        return False
    if item.purpose in (*LIVE_READS, VALIDITY) and (
        needs_recalibration(session, user.id, submission.credential_id) is not None
    ):
        return False
    if item.purpose in LIVE_READS and plan_of(session, submission.credential_id).require_qualified:
        return _qualified(session, user.id, submission.credential_id)
    return True


def _not_live_work(session: Session, item: WorkItem) -> bool:
    """A first read of a calibration item, or of a submission given out by hand since."""
    if item.purpose != FIRST:
        return False
    sid = item.submission_id
    return bool(
        session.scalar(select(exists().where(CalibrationKey.submission_id == sid)))
        or session.scalar(select(exists().where(CalibrationSessionItem.submission_id == sid)))
        or session.scalar(
            select(
                exists().where(
                    AssignmentRow.submission_id == sid,
                    AssignmentRow.kind == AssignmentKind.PRODUCTION.value,
                    AssignmentRow.status != AssignmentStatus.REVOKED,
                )
            )
        )
    )


def allocate(session: Session, now: datetime, credential_id: str | None = None) -> AllocationRun:
    """Give open work to eligible accounts, in one write transaction (``session``)."""
    hold_change_counter(session)
    create_flow_work(session, now, credential_id)
    query = (
        select(WorkItem)
        .where(WorkItem.assignment_id.is_(None))
        .order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.created_at, WorkItem.id)
        .with_for_update(skip_locked=True)
    )
    if credential_id is not None:
        query = query.where(
            WorkItem.submission_id.in_(
                select(SubmissionRow.id).where(SubmissionRow.credential_id == credential_id)
            )
        )
    items = list(session.scalars(query))
    users = list(session.scalars(select(User).order_by(User.id)))
    allocated: list[Allocated] = []
    waiting = 0
    for item in items:
        if _not_live_work(session, item):
            session.delete(item)
            continue
        submission = session.get(SubmissionRow, item.submission_id)
        assert submission is not None  # a foreign key guarantees it
        candidates = [u for u in users if eligible(session, u, item, submission)]
        if not candidates:
            waiting += 1
            continue
        reader = min(candidates, key=lambda u: (open_assignments(session, u.id), u.id))
        assignment = AssignmentRow(
            id=f"asg-{secrets.token_hex(8)}",
            submission_id=submission.id,
            user_id=reader.id,
            kind=KIND_OF[item.purpose].value,
            status=AssignmentStatus.ASSIGNED,
            version=1,
            assigned_at=now,
            due_at=item.due_at,
            change_seq=next_change_seq(session),
        )
        session.add(assignment)
        session.flush()
        item.assignment_id = assignment.id
        session.flush()
        allocated.append(Allocated(assignment.id, submission.id, reader.username, item.purpose))
    return AllocationRun(allocated, waiting)


class AllocationJob:
    """``serve``'s periodic allocation: a daemon thread running ``allocate`` every
    ``seconds`` until ``stop``; ``report`` hears what each run gave out."""

    def __init__(
        self, db: Database, seconds: float, report: Callable[[AllocationRun], None]
    ) -> None:
        self._db = db
        self._seconds = seconds
        self._report = report
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="allocation", daemon=True)

    def start(self) -> AllocationJob:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(self._seconds + 30)

    def _loop(self) -> None:
        while not self._stop.wait(self._seconds):
            try:
                with self._db.write() as session:
                    run = allocate(session, utcnow())
            except Exception:
                # A database that is away for a moment must not end allocation for good.
                _log.exception("allocation failed; trying again in %s s", self._seconds)
                continue
            if run.allocated:
                self._report(run)
