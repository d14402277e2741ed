"""Assignments: the hub's delta applied locally, the queue, local states, revocation, and
where the hub's second-level review stands.

A decision a reviewer returns comes back in the delta as ``returned_for_revision`` with a
higher version and the reviewer's comment. Applying it makes the sheet editable again
(``in_progress``) in the same transaction, with an audit entry; the uploaded decision
stays in the history, and the next finalize queues a new upload with a fresh
Idempotency-Key against the new version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import overload

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessor_app.domain import Assignment, AssignmentKind
from assessor_app.domain.assignment_state import DECIDED, LocalState, OutboxState, ReviewState
from assessor_app.protocol.v1 import AssignmentItem, AssignmentStatus
from assessor_app.store.models import (
    AssignmentReviewRow,
    AssignmentRow,
    AuditAction,
    CredentialRow,
    OutboxRow,
    SubmissionRow,
    utcnow,
)
from assessor_app.store.repositories._common import (
    Repository,
    get_assignment,
    record_audit,
    set_outbox_state,
    set_state,
)


def review_state(hub_status: str, local_state: LocalState) -> ReviewState | None:
    """The review state the hub's status means for a sheet in ``local_state``, or None.

    The hub's status is as of the last sync, so it counts only where the local state
    agrees: "awaiting review" and "returned incomplete" describe an uploaded decision, and
    "returned for revision" a sheet the assessor can edit (once finalized again, the local
    state says what happens next).
    """
    if local_state is LocalState.UPLOADED:
        if hub_status == AssignmentStatus.PENDING_REVIEW:
            return ReviewState.AWAITING_REVIEW
        if hub_status == AssignmentStatus.RETURNED:
            return ReviewState.RETURNED_INCOMPLETE
    elif hub_status == AssignmentStatus.RETURNED_FOR_REVISION and local_state in (
        LocalState.READY,
        LocalState.IN_PROGRESS,
    ):
        return ReviewState.RETURNED_FOR_REVISION
    return None


@dataclass(frozen=True)
class AppliedDelta:
    """What applying one page of the delta did: ``created`` assignments new here,
    ``returned`` ones a reviewer sent back that became editable again."""

    created: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)


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

    @property
    def review_comment(self) -> str | None:
        return self.assignment.review_comment

    @property
    def review(self) -> ReviewState | None:
        return None if self.revoked else review_state(self.assignment.status, self.local_state)


@overload
def _aware(value: datetime) -> datetime: ...
@overload
def _aware(value: datetime | None) -> datetime | None: ...
def _aware(value: datetime | None) -> datetime | None:
    # The hub should send offsets; a time without one is taken as UTC rather than refused.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _to_domain(row: AssignmentRow, review_comment: str | None = None) -> Assignment:
    return Assignment(
        id=row.id,
        submission_id=row.submission_id,
        kind=AssignmentKind(row.kind),
        status=row.hub_status,
        version=row.version,
        assigned_at=row.assigned_at,
        due_at=row.due_at,
        review_comment=review_comment,
    )


def _comment(session: Session, row: AssignmentRow) -> str | None:
    # Only a returned assignment has one; the others need no second read.
    if row.hub_status != AssignmentStatus.RETURNED_FOR_REVISION:
        return None
    review = session.get(AssignmentReviewRow, row.id)
    return None if review is None else review.comment


def _keep_comment(
    session: Session, row: AssignmentRow, comment: str | None, was_returned: bool, now: datetime
) -> None:
    review = (
        session.get(AssignmentReviewRow, row.id) if comment is not None or was_returned else None
    )
    if comment is None:
        if review is not None:
            session.delete(review)
    elif review is None:
        session.add(AssignmentReviewRow(assignment_id=row.id, comment=comment, received_at=now))
    elif review.comment != comment:
        review.comment, review.received_at = comment, now


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


def _apply_return(
    session: Session, row: AssignmentRow, item_version: int, comment: str | None
) -> bool:
    """Reopen ``row`` for revision if the hub's return is news to this sheet; True if so.

    The return answers the decision last sent: an outbox entry made against an older
    version. An entry made against this version is already the revision (a delta page
    read again after a crash must not undo it), and a sheet that is still editable has
    nothing to reopen. An entry not yet marked uploaded (its reply was lost) carries the
    decision the reviewer returned: it is withdrawn so that it is not sent again.
    """
    state = LocalState(row.local_state)
    if row.revoked or state not in DECIDED:
        return False
    entry = _active_entry(session, row.id)
    if entry is not None and entry.if_match_version >= item_version:
        return False
    detail: dict[str, object] = {"comment": comment or "", "version": item_version}
    if entry is not None:
        detail["outbox_id"] = entry.id
        if OutboxState(entry.state) is not OutboxState.UPLOADED:
            set_outbox_state(entry, OutboxState.WITHDRAWN)
    set_state(row, LocalState.IN_PROGRESS)
    record_audit(session, AuditAction.RETURNED_FOR_REVISION, row.id, detail)
    return True


class Assignments(Repository):
    def upsert(self, items: Iterable[AssignmentItem | Assignment]) -> list[str]:
        """Apply the hub's items in one transaction; returns the ids that are new."""
        return self.apply_delta(items).created

    def apply_delta(self, items: Iterable[AssignmentItem | Assignment]) -> AppliedDelta:
        """Apply the hub's items in one transaction.

        Hub fields (the review comment among them) are overwritten; the local state is
        kept, except that an assignment the hub lists again after a revocation becomes
        active again, and a decided sheet the hub lists as ``returned_for_revision`` with
        a newer version becomes editable again (see ``_apply_return``).
        """
        created: list[str] = []
        returned: list[str] = []
        now = utcnow()
        with self._db.transaction() as session:
            for item in items:
                row = session.get(AssignmentRow, item.id)
                was_returned = False
                if row is None:
                    row = AssignmentRow(
                        id=item.id, local_state=LocalState.NOT_DOWNLOADED, revoked=False
                    )
                    session.add(row)
                    created.append(item.id)
                else:
                    was_returned = row.hub_status == AssignmentStatus.RETURNED_FOR_REVISION
                    if row.revoked:
                        row.revoked = False
                        if row.local_state == LocalState.REVOKED:
                            set_state(row, LocalState.NOT_DOWNLOADED, now)
                row.submission_id = item.submission_id
                row.kind = AssignmentKind(item.kind)
                row.hub_status = item.status
                row.version = item.version
                row.assigned_at = _aware(item.assigned_at)
                row.due_at = _aware(item.due_at)
                row.updated_at = now
                _keep_comment(session, row, item.review_comment, was_returned, now)
                if item.status == AssignmentStatus.RETURNED_FOR_REVISION and _apply_return(
                    session, row, item.version, item.review_comment
                ):
                    returned.append(item.id)
        return AppliedDelta(created, returned)

    def get(self, assignment_id: str) -> Assignment | None:
        with self._db.reading() as session:
            row = session.get(AssignmentRow, assignment_id)
            return None if row is None else _to_domain(row, _comment(session, row))

    def local_state(self, assignment_id: str) -> LocalState:
        with self._db.reading() as session:
            return LocalState(get_assignment(session, assignment_id).local_state)

    def set_local_state(self, assignment_id: str, state: LocalState) -> None:
        """For the download path (not_downloaded -> downloading -> ready). Finalizing,
        reopening, upload results and revocation have their own calls. A change the
        state machine does not allow raises ``IllegalTransition``."""
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
                if row.local_state not in DECIDED:
                    set_state(row, LocalState.REVOKED)
                record_audit(session, AuditAction.REVOKED, assignment_id, {})
                known.append(assignment_id)
        return known

    def queue(self, *, include_revoked: bool = True) -> list[QueueItem]:
        """The queue: earliest due first (undated last), then by assignment date."""
        query = (
            select(AssignmentRow, SubmissionRow, CredentialRow.title, AssignmentReviewRow.comment)
            .outerjoin(SubmissionRow, SubmissionRow.id == AssignmentRow.submission_id)
            .outerjoin(AssignmentReviewRow, AssignmentReviewRow.assignment_id == AssignmentRow.id)
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
                    assignment=_to_domain(row, comment),
                    local_state=LocalState(row.local_state),
                    revoked=row.revoked,
                    credential_title=title,
                    educator_pseudonym=sub.educator_pseudonym if sub else None,
                    attempt=sub.attempt if sub else None,
                )
                for row, sub, title, comment in session.execute(query)
            ]
