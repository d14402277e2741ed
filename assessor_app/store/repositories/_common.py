"""What every repository shares: the database handle, the errors, the checked state
changes (``set_state``, ``set_outbox_state``: every local or outbox state change in the
store goes through them, so ``domain.assignment_state`` is enforced), and the audit
helper that lets a repository log inside its own transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from assessor_app.domain.assignment_state import (
    LocalState,
    OutboxState,
    check_local,
    check_outbox,
)
from assessor_app.store.db import Database, StoreError
from assessor_app.store.models import AssignmentRow, AuditAction, AuditRow, OutboxRow, utcnow


class NotFoundError(StoreError, LookupError):
    """The row a call names does not exist."""


class SheetLockedError(StoreError):
    """An edit to a sheet that is finalized, uploaded, in conflict or revoked."""


class SheetChangedError(StoreError):
    """The sheet was edited after the caller read it, so what it checked is not what
    would be recorded."""


class Repository:
    def __init__(self, database: Database) -> None:
        self._db = database


def get_assignment(session: Session, assignment_id: str) -> AssignmentRow:
    row = session.get(AssignmentRow, assignment_id)
    if row is None:
        raise NotFoundError(f"no assignment {assignment_id!r} in this profile")
    return row


def set_state(row: AssignmentRow, state: LocalState, at: datetime | None = None) -> None:
    """Move the assignment to ``state``; ``IllegalTransition`` if its state forbids it."""
    check_local(f"assignment {row.id!r}", LocalState(row.local_state), state)
    row.local_state = state
    row.updated_at = at or utcnow()


def set_outbox_state(row: OutboxRow, state: OutboxState) -> None:
    """Move the outbox entry to ``state``; ``IllegalTransition`` if its state forbids it."""
    check_outbox(f"outbox entry {row.id}", OutboxState(row.state), state)
    row.state = state


def record_audit(
    session: Session,
    action: AuditAction,
    assignment_id: str | None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditRow:
    row = AuditRow(
        at=at or utcnow(),
        action=AuditAction(action),
        assignment_id=assignment_id,
        detail=detail or {},
    )
    session.add(row)
    return row
