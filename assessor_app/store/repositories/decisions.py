"""Decisions and the outbox that carries them to the hub.

``Decisions.finalize`` writes the decision and its outbox entry in one transaction;
``reopen`` withdraws the entry (it is never deleted). ``Outbox`` is the sync engine's
side: the next entry due, and the state changes an upload goes through, each checked
against ``domain.assignment_state.OUTBOX_TRANSITIONS``.

A decision record may also keep, beside its payload, the assessor's reason for finalizing
over the feedback quality check (``quality_override_reason``); it stays on this computer:
the outbox entry's payload, which is what the hub receives, never holds it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from assessor_app.domain import Decision
from assessor_app.domain.assignment_state import (
    EDITABLE,
    IllegalTransition,
    LocalState,
    OutboxState,
)
from assessor_app.protocol.v1 import DecisionUpload
from assessor_app.store.models import AuditAction, DecisionRow, OutboxRow, ScoreSheetRow, utcnow
from assessor_app.store.repositories._common import (
    NotFoundError,
    Repository,
    SheetChangedError,
    SheetLockedError,
    get_assignment,
    record_audit,
    set_outbox_state,
    set_state,
)
from assessor_app.store.repositories.scoresheets import write_override

QUALITY_OVERRIDE_KEY = "quality_override_reason"


class OverrideChange(NamedTuple):
    """The assessor's own decision (None: the rubric's result) and its reason, to be
    written to the sheet with the decision that follows from it."""

    decision: Decision | None
    reason: str


@dataclass(frozen=True)
class RecordedDecision:
    id: int
    assignment_id: str
    decision: Decision
    upload: DecisionUpload
    finalized_at: datetime
    quality_override_reason: str = ""


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    assignment_id: str
    decision_id: int
    decision: Decision
    idempotency_key: str
    if_match_version: int
    upload: DecisionUpload
    state: OutboxState
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    hub_state: Any | None
    created_at: datetime
    uploaded_at: datetime | None


def _entry(row: OutboxRow) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        assignment_id=row.assignment_id,
        decision_id=row.decision_id,
        decision=Decision(row.decision),
        idempotency_key=row.idempotency_key,
        if_match_version=row.if_match_version,
        upload=DecisionUpload.model_validate(row.payload),
        state=OutboxState(row.state),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        hub_state=row.hub_state,
        created_at=row.created_at,
        uploaded_at=row.uploaded_at,
    )


def _active_entry(session: Session, assignment_id: str) -> OutboxRow | None:
    return session.scalar(
        select(OutboxRow)
        .where(
            OutboxRow.assignment_id == assignment_id,
            OutboxRow.state != OutboxState.WITHDRAWN,
        )
        .order_by(OutboxRow.id.desc())
        .limit(1)
    )


class Decisions(Repository):
    def finalize(
        self,
        assignment_id: str,
        upload: DecisionUpload,
        decision: Decision,
        if_match_version: int,
        *,
        quality_override_reason: str = "",
        override: OverrideChange | None = None,
        sheet_revision: int | None = None,
    ) -> int:
        """Record the decision and queue its upload, atomically; returns the outbox id.

        The caller has already validated the sheet with ``domain.evaluate``.
        ``quality_override_reason`` is kept with the local record only. ``override`` is
        written to the sheet in the same transaction, so a refusal leaves it unsaved.
        ``sheet_revision`` is the sheet's revision the caller validated: if the sheet was
        edited since, ``SheetChangedError`` and nothing is written.
        """
        decision = Decision(decision)
        if upload.decision != decision:
            raise ValueError(f"the upload says {upload.decision.value}, not {decision.value}")
        now = utcnow()
        payload = upload.model_dump(mode="json")
        with self._db.transaction() as session:
            assignment = get_assignment(session, assignment_id)
            state = LocalState(assignment.local_state)
            if state not in EDITABLE or assignment.revoked:
                raise SheetLockedError(
                    f"assignment {assignment_id!r} is {state.value}: it cannot be finalized"
                )
            if sheet_revision is not None:
                sheet = session.get(ScoreSheetRow, assignment_id)
                if (0 if sheet is None else sheet.revision) != sheet_revision:
                    raise SheetChangedError(
                        f"assignment {assignment_id!r} was edited while it was being finalized, "
                        "so nothing was recorded: look at it again and finalize once more"
                    )
            if override is not None:
                write_override(session, assignment_id, override.decision, override.reason)
            local_payload = (
                {**payload, QUALITY_OVERRIDE_KEY: quality_override_reason}
                if quality_override_reason
                else payload
            )
            recorded = DecisionRow(
                assignment_id=assignment_id,
                decision=decision,
                payload=local_payload,
                finalized_at=now,
            )
            session.add(recorded)
            session.flush()
            entry = OutboxRow(
                assignment_id=assignment_id,
                decision_id=recorded.id,
                decision=decision,
                idempotency_key=str(uuid.uuid4()),
                if_match_version=if_match_version,
                payload=payload,
                state=OutboxState.QUEUED,
                attempts=0,
                last_error="",
                created_at=now,
            )
            session.add(entry)
            set_state(assignment, LocalState.FINALIZED, now)
            session.flush()
            record_audit(
                session,
                AuditAction.FINALIZED,
                assignment_id,
                {"decision": decision.value, "outbox_id": entry.id},
                now,
            )
            return entry.id

    def reopen(self, assignment_id: str) -> None:
        """Withdraw the queued upload and make the sheet editable again. Refused once the
        upload has started or finished."""
        with self._db.transaction() as session:
            assignment = get_assignment(session, assignment_id)
            entry = _active_entry(session, assignment_id)
            if entry is None:
                raise IllegalTransition(
                    f"assignment {assignment_id!r} cannot be reopened: no decision"
                )
            if assignment.revoked:
                raise IllegalTransition(f"assignment {assignment_id!r} was revoked by the hub")
            set_outbox_state(entry, OutboxState.WITHDRAWN)
            set_state(assignment, LocalState.IN_PROGRESS)
            record_audit(session, AuditAction.REOPENED, assignment_id, {"outbox_id": entry.id})

    def latest(self, assignment_id: str) -> RecordedDecision | None:
        """The decision in force: the newest whose upload was not withdrawn."""
        with self._db.reading() as session:
            entry = _active_entry(session, assignment_id)
            if entry is None:
                return None
            row = session.get(DecisionRow, entry.decision_id)
            assert row is not None
            payload = dict(row.payload)
            reason = str(payload.pop(QUALITY_OVERRIDE_KEY, ""))
            return RecordedDecision(
                row.id,
                row.assignment_id,
                Decision(row.decision),
                DecisionUpload.model_validate(payload),
                row.finalized_at,
                reason,
            )


class Outbox(Repository):
    def _row(self, session: Session, entry_id: int) -> OutboxRow:
        row = session.get(OutboxRow, entry_id)
        if row is None:
            raise NotFoundError(f"no outbox entry {entry_id}")
        return row

    def get(self, entry_id: int) -> OutboxEntry:
        with self._db.reading() as session:
            row = session.get(OutboxRow, entry_id)
            if row is None:
                raise NotFoundError(f"no outbox entry {entry_id}")
            return _entry(row)

    def entries(self, assignment_id: str | None = None) -> list[OutboxEntry]:
        """All entries, withdrawn ones included, in creation order."""
        query = select(OutboxRow).order_by(OutboxRow.id)
        if assignment_id is not None:
            query = query.where(OutboxRow.assignment_id == assignment_id)
        with self._db.reading() as session:
            return [_entry(row) for row in session.scalars(query)]

    def next_pending(self, now: datetime | None = None) -> OutboxEntry | None:
        """The oldest entry due for upload: queued, or waiting to retry with its time come."""
        now = now or utcnow()
        with self._db.reading() as session:
            row = session.scalar(
                select(OutboxRow)
                .where(
                    or_(
                        OutboxRow.state == OutboxState.QUEUED,
                        (OutboxRow.state == OutboxState.RETRY_WAIT)
                        & (OutboxRow.next_attempt_at <= now),
                    )
                )
                .order_by(OutboxRow.id)
                .limit(1)
            )
            return None if row is None else _entry(row)

    def pending_count(self) -> int:
        """Entries not yet uploaded and not withdrawn or in conflict."""
        waiting = (OutboxState.QUEUED, OutboxState.UPLOADING, OutboxState.RETRY_WAIT)
        with self._db.reading() as session:
            count = session.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.state.in_(waiting))
            )
            return int(count or 0)

    def mark_uploading(self, entry_id: int) -> OutboxEntry:
        with self._db.transaction() as session:
            row = self._row(session, entry_id)
            set_outbox_state(row, OutboxState.UPLOADING)
            row.attempts += 1
            session.flush()
            return _entry(row)

    def mark_uploaded(self, entry_id: int, at: datetime | None = None) -> None:
        at = at or utcnow()
        with self._db.transaction() as session:
            row = self._row(session, entry_id)
            set_outbox_state(row, OutboxState.UPLOADED)
            row.uploaded_at = at
            row.last_error = ""
            set_state(get_assignment(session, row.assignment_id), LocalState.UPLOADED, at)
            record_audit(
                session, AuditAction.UPLOADED, row.assignment_id, {"outbox_id": entry_id}, at
            )

    def mark_retry(self, entry_id: int, error: str, next_at: datetime) -> None:
        """A transient failure: try again at ``next_at``. ``error`` must hold no secrets."""
        with self._db.transaction() as session:
            row = self._row(session, entry_id)
            set_outbox_state(row, OutboxState.RETRY_WAIT)
            row.last_error = error
            row.next_attempt_at = next_at

    def mark_conflict(self, entry_id: int, hub_state: Any, error: str = "") -> None:
        """The hub refused the decision (409/410): keep it, and show it as a conflict."""
        with self._db.transaction() as session:
            row = self._row(session, entry_id)
            set_outbox_state(row, OutboxState.CONFLICT)
            row.hub_state = hub_state
            row.last_error = error
            set_state(get_assignment(session, row.assignment_id), LocalState.CONFLICT)
            record_audit(session, AuditAction.CONFLICT, row.assignment_id, {"outbox_id": entry_id})

    def recover_interrupted(self) -> int:
        """Put entries left ``uploading`` by a crash back in the queue (the idempotency
        key makes sending them again harmless); returns how many."""
        with self._db.transaction() as session:
            rows = session.scalars(
                select(OutboxRow).where(OutboxRow.state == OutboxState.UPLOADING)
            ).all()
            for row in rows:
                set_outbox_state(row, OutboxState.QUEUED)
            return len(rows)
