"""``Store``: one open profile database with all its repositories, and ``open_store``."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from assessor_app.store.db import Database, open_database
from assessor_app.store.paths import Profile
from assessor_app.store.repositories import (
    Assignments,
    AuditLog,
    Coverage,
    Decisions,
    Notes,
    Outbox,
    ScoreSheets,
    Settings,
    Submissions,
    Workspace,
)
from assessor_app.store.repositories.scoring_ops import (
    BackreadFindings,
    BackreadVerdicts,
    Declines,
    Reads,
)


class Store:
    """Safe to use from a worker thread; calls from several threads are serialized by
    SQLite (``BEGIN IMMEDIATE`` with a busy timeout)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.settings = Settings(database)
        self.assignments = Assignments(database)
        self.submissions = Submissions(database)
        self.sheets = ScoreSheets(database)
        self.notes = Notes(database)
        self.decisions = Decisions(database)
        self.outbox = Outbox(database)
        self.coverage = Coverage(database)
        self.workspace = Workspace(database)
        self.audit = AuditLog(database)
        self.reads = Reads(database)
        self.declines = Declines(database)
        self.findings = BackreadFindings(database)
        self.verdicts = BackreadVerdicts(database)

    @property
    def path(self) -> Path:
        return self.database.path

    def close(self) -> None:
        self.database.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_store(profile: Profile | Path) -> Store:
    """Open (creating or upgrading) a profile's store. Raises ``StoreCorruptError`` with
    the file left untouched, or ``StoreTooNewError``."""
    return Store(open_database(profile))
