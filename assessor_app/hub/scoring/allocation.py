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
from assessor_app.hub.scoring.affiliations import share_an_affiliation, submission_affiliations
from assessor_app.hub.scoring.flow_work import create_flow_work
from assessor_app.hub.scoring.models import (
    ADJUDICATION,
    BACKREAD,
    FIRST,
    SECOND,
    VALIDITY,
    AssessorCapacity,
    Decline,
    UserAffiliation,
    WorkItem,
)
from assessor_app.hub.scoring.plan import Plan, plan_of
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


class _RunView:
    """What one allocation run knows about the accounts, read once and kept up to date as
    it gives work out: open assignments, capacities, affiliations, and per credential the
    plan, qualification and recalibration, so deciding who is eligible for an item costs
    two queries (the submission's affiliations and earlier readers), not several per
    account."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.open: dict[int, int] = dict(
            session.execute(
                select(AssignmentRow.user_id, func.count())
                .where(
                    AssignmentRow.kind != CALIBRATION,
                    AssignmentRow.status.in_(OPEN_STATUSES),
                )
                .group_by(AssignmentRow.user_id)
            ).all()
        )
        self.capacity: dict[int, int] = dict(
            session.execute(select(AssessorCapacity.user_id, AssessorCapacity.capacity)).all()
        )
        self.affiliations: dict[int, set[str]] = {}
        for user_id, affiliation in session.execute(
            select(UserAffiliation.user_id, UserAffiliation.affiliation)
        ):
            self.affiliations.setdefault(user_id, set()).add(affiliation)
        self._plans: dict[str, Plan] = {}
        self._qualified: dict[tuple[int, str], bool] = {}
        self._recalibration: dict[tuple[int, str], bool] = {}

    def plan(self, credential_id: str) -> Plan:
        if credential_id not in self._plans:
            self._plans[credential_id] = plan_of(self.session, credential_id)
        return self._plans[credential_id]

    def qualified(self, user_id: int, credential_id: str) -> bool:
        key = (user_id, credential_id)
        if key not in self._qualified:
            self._qualified[key] = any(
                q.credential_id == credential_id and q.status == "qualified"
                for q in credential_qualifications(self.session, user_id)
            )
        return self._qualified[key]

    def recalibrating(self, user_id: int, credential_id: str) -> bool:
        key = (user_id, credential_id)
        if key not in self._recalibration:
            reason = needs_recalibration(self.session, user_id, credential_id)
            self._recalibration[key] = reason is not None
        return self._recalibration[key]

    def earlier_readers(self, submission_id: str) -> set[int]:
        """Accounts that held live work of the submission (revoked included: a declined
        assignment is revoked, and a withdrawn reader has seen the evidence) or declined
        it."""
        held = self.session.scalars(
            select(AssignmentRow.user_id).where(
                AssignmentRow.submission_id == submission_id,
                AssignmentRow.kind != CALIBRATION,
            )
        )
        declined = self.session.scalars(
            select(Decline.user_id).where(
                Decline.assignment_id.in_(
                    select(AssignmentRow.id).where(AssignmentRow.submission_id == submission_id)
                )
            )
        )
        return {*held, *declined}


def eligible(
    view: _RunView,
    user: User,
    item: WorkItem,
    submission: SubmissionRow,
    conflicts: set[str],
    earlier: set[int],
) -> bool:
    """Whether ``user`` may take ``item`` now (see the module's rules); ``conflicts`` are
    the submission's affiliations, ``earlier`` its earlier readers and decliners."""
    if item.required_role not in user.roles:
        return False
    if item.target_user_id is not None and item.target_user_id != user.id:
        return False
    if share_an_affiliation(view.affiliations.get(user.id, set()), conflicts):
        return False
    if user.id in earlier:
        return False
    limit = view.capacity.get(user.id)
    if limit is not None and view.open.get(user.id, 0) >= limit:
        return False
    credential = submission.credential_id
    if item.purpose in (*LIVE_READS, VALIDITY) and view.recalibrating(user.id, credential):
        return False
    if item.purpose in LIVE_READS and view.plan(credential).require_qualified:
        return view.qualified(user.id, credential)
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
    view = _RunView(session)
    allocated: list[Allocated] = []
    waiting = 0
    for item in items:
        if _not_live_work(session, item):
            session.delete(item)
            continue
        submission = session.get(SubmissionRow, item.submission_id)
        assert submission is not None  # a foreign key guarantees it
        conflicts = set(submission_affiliations(session, submission.id))
        earlier = view.earlier_readers(submission.id)
        candidates = [u for u in users if eligible(view, u, item, submission, conflicts, earlier)]
        if not candidates:
            waiting += 1
            continue
        reader = min(candidates, key=lambda u: (view.open.get(u.id, 0), u.id))
        view.open[reader.id] = view.open.get(reader.id, 0) + 1
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
