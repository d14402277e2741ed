"""What every repository shares: the database handle, the errors, and the audit helper
that lets a repository log inside its own transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from assessor_app.store.db import Database, StoreError
from assessor_app.store.models import AssignmentRow, AuditAction, AuditRow, LocalState, utcnow


class NotFoundError(StoreError, LookupError):
    """The row a call names does not exist."""


class SheetLockedError(StoreError):
    """An edit to a sheet that is finalized, uploaded, in conflict or revoked."""


class StateError(StoreError):
    """A state change the current state does not allow (e.g. reopening after upload)."""


# A sheet can be edited only in these states; the others keep the decision as recorded.
EDITABLE_STATES = frozenset(
    {LocalState.NOT_DOWNLOADED, LocalState.DOWNLOADING, LocalState.READY, LocalState.IN_PROGRESS}
)


class Repository:
    def __init__(self, database: Database) -> None:
        self._db = database


def get_assignment(session: Session, assignment_id: str) -> AssignmentRow:
    row = session.get(AssignmentRow, assignment_id)
    if row is None:
        raise NotFoundError(f"no assignment {assignment_id!r} in this profile")
    return row


def set_state(row: AssignmentRow, state: LocalState, at: datetime | None = None) -> None:
    row.local_state = state
    row.updated_at = at or utcnow()


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
