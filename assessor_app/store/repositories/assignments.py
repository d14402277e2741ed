"""Assignments: the hub's delta applied locally, the queue, local states, revocation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from assessor_app.domain import Assignment, AssignmentKind
from assessor_app.protocol.v1 import AssignmentItem
from assessor_app.store.models import (
    AssignmentRow,
    AuditAction,
    CredentialRow,
    LocalState,
    SubmissionRow,
    utcnow,
)
from assessor_app.store.repositories._common import (
    Repository,
    get_assignment,
    record_audit,
    set_state,
)

# States in which a revocation must not hide the local decision from the assessor.
_DECIDED = frozenset({LocalState.FINALIZED, LocalState.UPLOADED, LocalState.CONFLICT})


@dataclass(frozen=True)
class QueueItem:
    """One row of the assessor's queue. The submission fields are None until the
    submission has been fetched."""

    assignment: Assignment
    local_state: LocalState
    revoked: bool
    credential_title: str | None
    educator_pseudonym: str | None
    attempt: int | None

    @property
    def due_at(self) -> datetime | None:
        return self.assignment.due_at


def _aware(value: datetime | None) -> datetime | None:
    # The hub should send offsets; a time without one is taken as UTC rather than refused.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _to_domain(row: AssignmentRow) -> Assignment:
    return Assignment(
        id=row.id,
        submission_id=row.submission_id,
        kind=AssignmentKind(row.kind),
        status=row.hub_status,
        version=row.version,
        assigned_at=row.assigned_at,
        due_at=row.due_at,
    )


class Assignments(Repository):
    def upsert(self, items: Iterable[AssignmentItem | Assignment]) -> list[str]:
        """Apply the hub's items in one transaction; returns the ids that are new.

        Hub fields are overwritten; the local state is kept, except that an assignment
        the hub lists again after a revocation becomes active again.
        """
        created: list[str] = []
        now = utcnow()
        with self._db.transaction() as session:
            for item in items:
                row = session.get(AssignmentRow, item.id)
                if row is None:
                    row = AssignmentRow(
                        id=item.id, local_state=LocalState.NOT_DOWNLOADED, revoked=False
                    )
                    session.add(row)
                    created.append(item.id)
                elif row.revoked:
                    row.revoked = False
                    if row.local_state == LocalState.REVOKED:
                        row.local_state = LocalState.NOT_DOWNLOADED
                row.submission_id = item.submission_id
                row.kind = AssignmentKind(item.kind)
                row.hub_status = item.status
                row.version = item.version
                row.assigned_at = _aware(item.assigned_at)
                row.due_at = _aware(item.due_at)
                row.updated_at = now
        return created

    def get(self, assignment_id: str) -> Assignment | None:
        with self._db.reading() as session:
            row = session.get(AssignmentRow, assignment_id)
            return None if row is None else _to_domain(row)

    def local_state(self, assignment_id: str) -> LocalState:
        with self._db.reading() as session:
            return LocalState(get_assignment(session, assignment_id).local_state)

    def set_local_state(self, assignment_id: str, state: LocalState) -> None:
        """For the download path (not_downloaded -> downloading -> ready). Finalizing,
        reopening, upload results and revocation have their own calls."""
        with self._db.transaction() as session:
            set_state(get_assignment(session, assignment_id), LocalState(state))

    def is_revoked(self, assignment_id: str) -> bool:
        with self._db.reading() as session:
            return get_assignment(session, assignment_id).revoked

    def mark_revoked(self, assignment_ids: Iterable[str]) -> list[str]:
        """Flag assignments the hub withdrew; returns those that were known here.

        A sheet not yet decided becomes ``revoked`` (read-only). A finalized, uploaded or
        conflicting one keeps its state, so the decision stays visible and the outbox
        entry can still meet the hub's answer.
        """
        known: list[str] = []
        with self._db.transaction() as session:
            for assignment_id in assignment_ids:
                row = session.get(AssignmentRow, assignment_id)
                if row is None or row.revoked:
                    continue
                row.revoked = True
                if row.local_state not in _DECIDED:
                    set_state(row, LocalState.REVOKED)
                record_audit(session, AuditAction.REVOKED, assignment_id, {})
                known.append(assignment_id)
        return known

    def queue(self, *, include_revoked: bool = True) -> list[QueueItem]:
        """The queue: earliest due first (undated last), then by assignment date."""
        query = (
            select(AssignmentRow, SubmissionRow, CredentialRow.title)
            .outerjoin(SubmissionRow, SubmissionRow.id == AssignmentRow.submission_id)
            .outerjoin(
                CredentialRow,
                (CredentialRow.id == SubmissionRow.credential_id)
                & (CredentialRow.version == SubmissionRow.credential_version),
            )
            .order_by(
                AssignmentRow.due_at.is_(None),
                AssignmentRow.due_at,
                AssignmentRow.assigned_at,
                AssignmentRow.id,
            )
        )
        if not include_revoked:
            query = query.where(AssignmentRow.revoked.is_(False))
        with self._db.reading() as session:
            return [
                QueueItem(
                    assignment=_to_domain(row),
                    local_state=LocalState(row.local_state),
                    revoked=row.revoked,
                    credential_title=title,
                    educator_pseudonym=sub.educator_pseudonym if sub else None,
                    attempt=sub.attempt if sub else None,
                )
                for row, sub, title in session.execute(query)
            ]
