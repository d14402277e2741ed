"""The append-only audit log: what happened to which assignment, and when.

Repositories record finalized, reopened, uploaded, conflict and revoked themselves, in
the same transaction as the change. Callers record opened, scored, downloaded and
purged, which the store cannot see happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from assessor_app.store.models import AuditAction, AuditRow
from assessor_app.store.repositories._common import Repository, record_audit


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    action: AuditAction
    assignment_id: str | None
    detail: dict[str, Any]


class AuditLog(Repository):
    def append(
        self, action: AuditAction | str, assignment_id: str | None, detail: dict[str, Any]
    ) -> int:
        """Add one entry; ``detail`` must hold no evidence content, token or password."""
        with self._db.transaction() as session:
            row = record_audit(session, AuditAction(action), assignment_id, detail)
            session.flush()
            return row.id

    def entries(self, assignment_id: str | None = None) -> list[AuditEntry]:
        """Oldest first; all entries, or one assignment's."""
        query = select(AuditRow).order_by(AuditRow.id)
        if assignment_id is not None:
            query = query.where(AuditRow.assignment_id == assignment_id)
        with self._db.reading() as session:
            return [
                AuditEntry(r.id, r.at, AuditAction(r.action), r.assignment_id, dict(r.detail))
                for r in session.scalars(query)
            ]
