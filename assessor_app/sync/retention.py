"""Removing evidence the assessor no longer needs: after the retention period of an
uploaded assignment, and at once for a revoked assignment with no local work.

Only vault files go; score sheets, decisions and the audit log stay. A file is kept while
any assignment that still needs it references its sha256 (the same content can belong to
several submissions). Every removal is audited as ``purged``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from assessor_app.domain.assignment_state import LocalState, OutboxState
from assessor_app.store import AuditAction, DownloadState, Store
from assessor_app.store.repositories import QueueItem
from assessor_app.store.vault import Vault

__all__ = ["has_local_work", "needs_evidence", "purge_assignments", "purge_expired"]


def has_local_work(store: Store, assignment_id: str) -> bool:
    """True if the assessor has edited the sheet or recorded a decision."""
    return store.sheets.revision(assignment_id) > 0 or bool(store.outbox.entries(assignment_id))


def uploaded_at(store: Store, assignment_id: str) -> datetime | None:
    """When the decision in force was acknowledged by the hub (None if it was not)."""
    times = [
        e.uploaded_at
        for e in store.outbox.entries(assignment_id)
        if e.state == OutboxState.UPLOADED and e.uploaded_at is not None
    ]
    return max(times, default=None)


def _aware(value: datetime, like: datetime) -> datetime:
    # SQLite hands back naive datetimes; the store writes UTC.
    if value.tzinfo is None and like.tzinfo is not None:
        return value.replace(tzinfo=like.tzinfo)
    return value


def _expired(store: Store, item: QueueItem, cutoff: datetime) -> bool:
    if item.local_state != LocalState.UPLOADED:
        return False
    at = uploaded_at(store, item.assignment.id)
    return at is not None and _aware(at, cutoff) <= cutoff


def needs_evidence(store: Store, item: QueueItem, cutoff: datetime) -> bool:
    """Whether an assignment still needs its evidence on this computer."""
    if item.revoked:
        return has_local_work(store, item.assignment.id)
    return not _expired(store, item, cutoff)


def _purge(
    store: Store,
    vault: Vault,
    doomed: list[QueueItem],
    keep_items: list[QueueItem],
    reason: str,
) -> int:
    """Delete the evidence of ``doomed`` that no item of ``keep_items`` uses; returns the
    number of vault files removed."""
    keep = {
        d.artifact.sha256
        for item in keep_items
        for d in store.submissions.downloads(item.assignment.submission_id)
    }
    removed = 0
    for item in doomed:
        purged_ids: list[str] = []
        for row in store.submissions.downloads(item.assignment.submission_id):
            sha = row.artifact.sha256
            if sha in keep:
                continue
            existed = vault.delete(sha)
            if existed:
                removed += 1
            if existed or row.state != DownloadState.NOT_DOWNLOADED or row.bytes_done:
                store.submissions.set_download_state(
                    row.artifact.id, DownloadState.NOT_DOWNLOADED, bytes_done=0
                )
                purged_ids.append(row.artifact.id)
        if purged_ids:
            store.audit.append(
                AuditAction.PURGED,
                item.assignment.id,
                {"reason": reason, "artifact_ids": purged_ids},
            )
    return removed


def purge_expired(store: Store, vault: Vault, now: datetime, retention_days: int | None) -> int:
    """Remove the evidence of assignments uploaded ``retention_days`` or more ago (the
    profile's setting when None); returns the number of vault files removed."""
    days = store.settings.retention_days() if retention_days is None else retention_days
    cutoff = now - timedelta(days=days)
    items = store.assignments.queue()
    doomed = [i for i in items if not i.revoked and _expired(store, i, cutoff)]
    if not doomed:
        return 0
    keep = [i for i in items if needs_evidence(store, i, cutoff)]
    return _purge(store, vault, doomed, keep, "retention")


def purge_assignments(
    store: Store, vault: Vault, assignment_ids: Iterable[str], now: datetime, reason: str
) -> int:
    """Remove the evidence of the given assignments (e.g. revoked with no local work),
    except content another assignment still needs; returns vault files removed."""
    wanted = set(assignment_ids)
    if not wanted:
        return 0
    days = store.settings.retention_days()
    cutoff = now - timedelta(days=days)
    items = store.assignments.queue()
    doomed = [i for i in items if i.assignment.id in wanted]
    keep = [i for i in items if i.assignment.id not in wanted and needs_evidence(store, i, cutoff)]
    return _purge(store, vault, doomed, keep, reason)
