"""Repositories: the profile database read and written in domain types.

Every public call is one committed transaction.
"""

from assessor_app.store.repositories._common import (
    NotFoundError,
    SheetChangedError,
    SheetLockedError,
)
from assessor_app.store.repositories.assignments import Assignments, QueueItem
from assessor_app.store.repositories.audit import AuditEntry, AuditLog
from assessor_app.store.repositories.coverage import Coverage, Workspace, merge_ranges
from assessor_app.store.repositories.decisions import (
    Decisions,
    Outbox,
    OutboxEntry,
    RecordedDecision,
)
from assessor_app.store.repositories.notes import Notes
from assessor_app.store.repositories.scoresheets import ScoreSheets, StoredCitation
from assessor_app.store.repositories.settings import DEFAULTS, Settings
from assessor_app.store.repositories.submissions import ArtifactDownload, Submissions

__all__ = [
    "DEFAULTS",
    "ArtifactDownload",
    "Assignments",
    "AuditEntry",
    "AuditLog",
    "Coverage",
    "Decisions",
    "NotFoundError",
    "Notes",
    "Outbox",
    "OutboxEntry",
    "QueueItem",
    "RecordedDecision",
    "ScoreSheets",
    "Settings",
    "SheetChangedError",
    "SheetLockedError",
    "StoredCitation",
    "Submissions",
    "Workspace",
    "merge_ranges",
]
