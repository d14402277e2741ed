"""What scoring operations keep on this laptop: the reads an adjudicator or backreader
is shown, the assessor's declines on their way to the hub, a backreader's verdicts (from
draft to sent), and the backreading findings on the assessor's own sheets.

A decline is written with its own stable Idempotency-Key, like a decision in the outbox,
so a send repeated after a lost answer records it once. Once the hub confirms it the
assignment is withdrawn here in the same transaction. A verdict is queued the same way,
with the assignment's version for If-Match.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from assessor_app.domain.assignment import AssignmentKind
from assessor_app.domain.assignment_state import DECIDED, EDITABLE, LocalState
from assessor_app.domain.decline import DeclineReason
from assessor_app.protocol.scoring import (
    BackreadFinding,
    BackreadVerdict,
    DeclineRequest,
    ReadsOut,
)
from assessor_app.store.models import (
    AssignmentReadsRow,
    AssignmentRow,
    AuditAction,
    BackreadFindingRow,
    BackreadVerdictRow,
    DeclineRow,
    DeclineState,
    VerdictState,
    utcnow,
)
from assessor_app.store.repositories._common import (
    Repository,
    SheetLockedError,
    get_assignment,
    record_audit,
    set_state,
)

# The kinds whose workspace shows other reads of the same submission.
KINDS_WITH_READS = frozenset({AssignmentKind.ADJUDICATION, AssignmentKind.BACKREAD})


class Reads(Repository):
    def save(self, assignment_id: str, reads: ReadsOut) -> None:
        with self._db.transaction() as session:
            get_assignment(session, assignment_id)
            session.merge(
                AssignmentReadsRow(
                    assignment_id=assignment_id,
                    payload=reads.model_dump(mode="json"),
                    fetched_at=utcnow(),
                )
            )

    def get(self, assignment_id: str) -> ReadsOut | None:
        with self._db.reading() as session:
            row = session.get(AssignmentReadsRow, assignment_id)
            return None if row is None else ReadsOut.model_validate(row.payload)

    def missing(self) -> list[str]:
        """Live adjudication and backread assignments whose reads are not here yet."""
        query = (
            select(AssignmentRow.id)
            .outerjoin(AssignmentReadsRow, AssignmentReadsRow.assignment_id == AssignmentRow.id)
            .where(
                AssignmentRow.kind.in_([k.value for k in KINDS_WITH_READS]),
                AssignmentRow.revoked.is_(False),
                AssignmentReadsRow.assignment_id.is_(None),
            )
            .order_by(AssignmentRow.id)
        )
        with self._db.reading() as session:
            return list(session.scalars(query))


@dataclass(frozen=True)
class QueuedDecline:
    id: int
    assignment_id: str
    reason: DeclineReason
    comment: str
    idempotency_key: str
    state: DeclineState
    last_error: str
    created_at: datetime

    @property
    def request(self) -> DeclineRequest:
        return DeclineRequest(reason=self.reason.value, comment=self.comment)


def _decline(row: DeclineRow) -> QueuedDecline:
    return QueuedDecline(
        id=row.id,
        assignment_id=row.assignment_id,
        reason=DeclineReason(row.reason),
        comment=row.comment,
        idempotency_key=row.idempotency_key,
        state=DeclineState(row.state),
        last_error=row.last_error,
        created_at=row.created_at,
    )


class DeclineRefused(SheetLockedError):
    """The assignment cannot be declined here (decided, withdrawn, or declined already)."""


class Declines(Repository):
    def queue(self, assignment_id: str, reason: DeclineReason, comment: str) -> int:
        """Queue a decline for the next sync; returns its id. A decided or withdrawn
        assignment, or one already declined, raises ``DeclineRefused``."""
        with self._db.transaction() as session:
            row = get_assignment(session, assignment_id)
            if row.revoked or LocalState(row.local_state) in DECIDED:
                raise DeclineRefused(f"assignment {assignment_id!r} is decided or withdrawn")
            earlier = session.scalar(
                select(DeclineRow.id).where(
                    DeclineRow.assignment_id == assignment_id,
                    DeclineRow.state != DeclineState.REFUSED,
                )
            )
            if earlier is not None:
                raise DeclineRefused(f"assignment {assignment_id!r} is declined already")
            decline = DeclineRow(
                assignment_id=assignment_id,
                reason=DeclineReason(reason),
                comment=comment,
                idempotency_key=uuid.uuid4().hex,
                state=DeclineState.QUEUED,
                last_error="",
                created_at=utcnow(),
            )
            session.add(decline)
            session.flush()
            return decline.id

    def queued(self) -> list[QueuedDecline]:
        """Declines waiting to be sent, oldest first."""
        with self._db.reading() as session:
            rows = session.scalars(
                select(DeclineRow)
                .where(DeclineRow.state == DeclineState.QUEUED)
                .order_by(DeclineRow.id)
            )
            return [_decline(r) for r in rows]

    def latest(self) -> dict[str, QueuedDecline]:
        """Assignment id -> its latest decline, whatever its state."""
        with self._db.reading() as session:
            rows = session.scalars(select(DeclineRow).order_by(DeclineRow.id))
            return {r.assignment_id: _decline(r) for r in rows}

    def mark_sent(self, decline_id: int, at: datetime) -> None:
        """The hub took the decline: the assignment is withdrawn here too, at once."""
        with self._db.transaction() as session:
            row = session.get(DeclineRow, decline_id)
            if row is None or row.state != DeclineState.QUEUED:
                return
            row.state, row.sent_at = DeclineState.SENT, at
            assignment = get_assignment(session, row.assignment_id)
            if not assignment.revoked:
                assignment.revoked = True
                if LocalState(assignment.local_state) not in DECIDED:
                    set_state(assignment, LocalState.REVOKED, at)
                record_audit(
                    session, AuditAction.REVOKED, row.assignment_id, {"declined": row.reason}, at
                )

    def mark_refused(self, decline_id: int, error: str) -> None:
        with self._db.transaction() as session:
            row = session.get(DeclineRow, decline_id)
            if row is not None and row.state == DeclineState.QUEUED:
                row.state, row.last_error = DeclineState.REFUSED, error


class BackreadFindings(Repository):
    def replace_all(self, findings: list[BackreadFinding]) -> None:
        """What the hub lists now replaces what was here (the hub keeps the record)."""
        with self._db.transaction() as session:
            session.execute(delete(BackreadFindingRow))
            for finding in findings:
                session.merge(
                    BackreadFindingRow(
                        assignment_id=finding.assignment_id,
                        criterion_id=finding.criterion_id,
                        payload=finding.model_dump(mode="json"),
                        recorded_at=finding.recorded_at,
                    )
                )

    def all(self) -> list[BackreadFinding]:
        """Newest first."""
        with self._db.reading() as session:
            rows = session.scalars(
                select(BackreadFindingRow).order_by(
                    BackreadFindingRow.recorded_at.desc(),
                    BackreadFindingRow.assignment_id,
                    BackreadFindingRow.criterion_id,
                )
            )
            return [BackreadFinding.model_validate(r.payload) for r in rows]


@dataclass(frozen=True)
class StoredVerdict:
    assignment_id: str
    verdict: BackreadVerdict
    state: VerdictState
    idempotency_key: str | None
    if_match_version: int | None
    last_error: str


def _verdict(row: BackreadVerdictRow) -> StoredVerdict:
    return StoredVerdict(
        assignment_id=row.assignment_id,
        verdict=BackreadVerdict.model_validate(row.payload),
        state=VerdictState(row.state),
        idempotency_key=row.idempotency_key,
        if_match_version=row.if_match_version,
        last_error=row.last_error,
    )


class BackreadVerdicts(Repository):
    """The backread assignment's local state follows its verdict: the first saved draft
    makes it ``in_progress``, queueing ``finalized``, the hub's receipt ``uploaded`` and a
    refusal ``conflict`` (the checked transitions of ``domain.assignment_state``)."""

    def get(self, assignment_id: str) -> StoredVerdict | None:
        with self._db.reading() as session:
            row = session.get(BackreadVerdictRow, assignment_id)
            return None if row is None else _verdict(row)

    def save_draft(self, assignment_id: str, verdict: BackreadVerdict) -> None:
        """Keep the verdict as written so far; ``SheetLockedError`` once it is queued,
        sent or the assignment withdrawn."""
        now = utcnow()
        with self._db.transaction() as session:
            assignment = get_assignment(session, assignment_id)
            if assignment.revoked or LocalState(assignment.local_state) not in EDITABLE:
                raise SheetLockedError(f"the backread {assignment_id!r} is not editable")
            row = session.get(BackreadVerdictRow, assignment_id)
            if row is None:
                row = BackreadVerdictRow(assignment_id=assignment_id, last_error="")
                session.add(row)
            row.payload, row.state, row.updated_at = (
                verdict.model_dump(mode="json"),
                VerdictState.DRAFT,
                now,
            )
            if assignment.local_state == LocalState.READY:
                set_state(assignment, LocalState.IN_PROGRESS, now)

    def queue(self, assignment_id: str, verdict: BackreadVerdict) -> None:
        """Record the verdict for the next sync, against the assignment's version now."""
        now = utcnow()
        with self._db.transaction() as session:
            assignment = get_assignment(session, assignment_id)
            if assignment.revoked or LocalState(assignment.local_state) not in EDITABLE:
                raise SheetLockedError(f"the backread {assignment_id!r} is not editable")
            row = session.get(BackreadVerdictRow, assignment_id)
            if row is None:
                row = BackreadVerdictRow(assignment_id=assignment_id)
                session.add(row)
            row.payload = verdict.model_dump(mode="json")
            row.state, row.last_error, row.updated_at = VerdictState.QUEUED, "", now
            row.idempotency_key = uuid.uuid4().hex
            row.if_match_version = assignment.version
            set_state(assignment, LocalState.FINALIZED, now)

    def queued(self) -> list[StoredVerdict]:
        with self._db.reading() as session:
            rows = session.scalars(
                select(BackreadVerdictRow)
                .where(BackreadVerdictRow.state == VerdictState.QUEUED)
                .order_by(BackreadVerdictRow.updated_at)
            )
            return [_verdict(r) for r in rows]

    def _settle(
        self, assignment_id: str, state: VerdictState, local: LocalState, error: str
    ) -> None:
        now = utcnow()
        with self._db.transaction() as session:
            row = session.get(BackreadVerdictRow, assignment_id)
            if row is None or row.state != VerdictState.QUEUED:
                return
            row.state, row.last_error, row.updated_at = state, error, now
            if state is VerdictState.SENT:
                row.sent_at = now
            set_state(get_assignment(session, assignment_id), local, now)

    def reopen_refused(self, assignment_id: str) -> bool:
        """A verdict the hub refused becomes a draft again, to be corrected and recorded
        anew (a new key). Only a refused one: a queued verdict may be on its way."""
        now = utcnow()
        with self._db.transaction() as session:
            row = session.get(BackreadVerdictRow, assignment_id)
            if row is None or row.state != VerdictState.REFUSED:
                return False
            row.state, row.idempotency_key, row.updated_at = VerdictState.DRAFT, None, now
            set_state(get_assignment(session, assignment_id), LocalState.IN_PROGRESS, now)
            return True

    def mark_sent(self, assignment_id: str) -> None:
        self._settle(assignment_id, VerdictState.SENT, LocalState.UPLOADED, "")

    def mark_refused(self, assignment_id: str, error: str) -> None:
        self._settle(assignment_id, VerdictState.REFUSED, LocalState.CONFLICT, error)
