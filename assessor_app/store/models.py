"""The profile database's tables as typed SQLAlchemy 2 ORM classes.

The migrations in ``migrations/versions`` create exactly these tables; a test compares
the two. Timestamps are timezone-aware UTC in Python and UTC text in SQLite.
Repositories translate rows to and from domain types; nothing outside ``store`` should
need these classes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from assessor_app.common.utc_datetime import UTCDateTime
from assessor_app.domain.assignment import AssignmentKind
from assessor_app.domain.assignment_state import LocalState, OutboxState
from assessor_app.domain.decline import DeclineReason


def utcnow() -> datetime:
    return datetime.now(UTC)


class DownloadState(StrEnum):
    NOT_DOWNLOADED = "not_downloaded"
    DOWNLOADING = "downloading"
    VERIFIED = "verified"
    FAILED = "failed"


class AuditAction(StrEnum):
    OPENED = "opened"
    SCORED = "scored"
    FINALIZED = "finalized"
    REOPENED = "reopened"
    UPLOADED = "uploaded"
    DOWNLOADED = "downloaded"
    PURGED = "purged"
    REVOKED = "revoked"
    CONFLICT = "conflict"
    # Revision 0004: a reviewer on the hub sent an uploaded decision back for revision.
    RETURNED_FOR_REVISION = "returned_for_revision"


def _one_of(column: str, enum: type[StrEnum]) -> str:
    values = ", ".join(f"'{member.value}'" for member in enum)
    return f"{column} IN ({values})"


DECISIONS = ("pass", "not_yet", "return_incomplete")
_DECISION_CHECK = f"decision IN ({', '.join(repr(d) for d in DECISIONS)})"


class Base(DeclarativeBase):
    pass


class Setting(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class CredentialRow(Base):
    __tablename__ = "credentials"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    schema_json: Mapped[dict[str, Any]] = mapped_column(JSON)


class SubmissionRow(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["credential_id", "credential_version"], ["credentials.id", "credentials.version"]
        ),
    )

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    credential_id: Mapped[str] = mapped_column(String(64))
    credential_version: Mapped[int] = mapped_column(Integer)
    attempt: Mapped[int] = mapped_column(Integer)
    educator_pseudonym: Mapped[str] = mapped_column(String(200))
    change_note: Mapped[str] = mapped_column(Text, default="")
    previous_attempts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class ArtifactRow(Base):
    __tablename__ = "artifacts"
    __table_args__ = (
        CheckConstraint(_one_of("download_state", DownloadState), name="ck_artifacts_state"),
        Index("ix_artifacts_submission", "submission_id"),
    )

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text, default="")
    download_state: Mapped[str] = mapped_column(String(20), default=DownloadState.NOT_DOWNLOADED)
    bytes_done: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")


class AssignmentRow(Base):
    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint(_one_of("local_state", LocalState), name="ck_assignments_state"),
        CheckConstraint(_one_of("kind", AssignmentKind), name="ck_assignments_kind"),
        Index("ix_assignments_submission", "submission_id"),
    )

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    # No foreign key: the hub announces an assignment before its submission is fetched.
    submission_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    hub_status: Mapped[str] = mapped_column(String(50))
    version: Mapped[int] = mapped_column(Integer)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    local_state: Mapped[str] = mapped_column(String(20), default=LocalState.NOT_DOWNLOADED)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScoreSheetRow(Base):
    __tablename__ = "score_sheets"
    __table_args__ = (
        CheckConstraint(
            "override IS NULL OR override IN ('pass', 'not_yet', 'return_incomplete')",
            name="ck_score_sheets_override",
        ),
    )

    assignment_id: Mapped[str] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    feedback: Mapped[str] = mapped_column(Text, default="")
    private_note: Mapped[str] = mapped_column(Text, default="")
    override: Mapped[str | None] = mapped_column(String(20), nullable=True)
    override_reason: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CriterionScoreRow(Base):
    __tablename__ = "criterion_scores"

    assignment_id: Mapped[str] = mapped_column(
        ForeignKey("score_sheets.assignment_id", ondelete="CASCADE"), primary_key=True
    )
    criterion_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    level_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rationale: Mapped[str] = mapped_column(Text, default="")


class CitationRow(Base):
    __tablename__ = "citations"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('time', 'page', 'quote', 'region', 'cell')", name="ck_citations_kind"
        ),
        Index("ix_citations_assignment", "assignment_id", "criterion_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assignment_id: Mapped[str] = mapped_column(
        ForeignKey("score_sheets.assignment_id", ondelete="CASCADE")
    )
    criterion_id: Mapped[str] = mapped_column(String(64))
    artifact_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    start_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    page: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The target's shape: a rectangle (page, region), or a table cell's row and column.
    shape: Mapped[dict[str, Any] | None] = mapped_column("rect", JSON, nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    position: Mapped[int] = mapped_column(Integer)


class DecisionRow(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint(_DECISION_CHECK, name="ck_decisions_decision"),
        Index("ix_decisions_assignment", "assignment_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    finalized_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(_one_of("state", OutboxState), name="ck_outbox_state"),
        CheckConstraint(_DECISION_CHECK, name="ck_outbox_decision"),
        Index("ix_outbox_state", "state", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    if_match_version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default=OutboxState.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    hub_state: Mapped[Any | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


# Revision 0002 and later.


class NoteRow(Base):
    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_assignment", "assignment_id", "artifact_id", "time_ms"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    artifact_id: Mapped[str] = mapped_column(String(100))
    time_ms: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    criterion_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Shared notes appear in the educator's feedback report; the rest stay private.
    shared: Mapped[bool] = mapped_column(Boolean, default=False)


class ArtifactOpenedRow(Base):
    __tablename__ = "artifact_opened"

    assignment_id: Mapped[str] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    artifact_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    first_opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_opened_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlayedRangeRow(Base):
    __tablename__ = "played_ranges"
    __table_args__ = (
        CheckConstraint("start_ms >= 0 AND end_ms >= start_ms", name="ck_played_ranges_order"),
        Index("ix_played_ranges_pair", "assignment_id", "artifact_id", "start_ms"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    artifact_id: Mapped[str] = mapped_column(String(100))
    start_ms: Mapped[int] = mapped_column(Integer)
    end_ms: Mapped[int] = mapped_column(Integer)


class WorkspaceRow(Base):
    __tablename__ = "workspace"

    assignment_id: Mapped[str] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    open_artifact_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VideoPositionRow(Base):
    __tablename__ = "video_positions"

    assignment_id: Mapped[str] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    artifact_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    position_ms: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditRow(Base):
    """Append-only: triggers from revision 0002 refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint(_one_of("action", AuditAction), name="ck_audit_log_action"),
        Index("ix_audit_log_assignment", "assignment_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(30))
    # Not a foreign key: the log outlives what it describes and cascades must not touch it.
    assignment_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# Revision 0003 and later.


class CalibrationKeyRow(Base):
    """The hub's answer key of an uploaded calibration assignment, as received."""

    __tablename__ = "calibration_keys"

    assignment_id: Mapped[str] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CalibrationSessionRow(Base):
    """The last state (and, once shown, results) of a calibration session seen here."""

    __tablename__ = "calibration_sessions"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)


# Revision 0004 and later.


class AssignmentReviewRow(Base):
    """The hub reviewer's comment on an assignment whose decision was returned for
    revision; there is a row only while the hub lists the assignment as returned."""

    __tablename__ = "assignment_reviews"

    assignment_id: Mapped[str] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    comment: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


# Revision 0007 and later.


class DeclineState(StrEnum):
    """A decline on its way to the hub: ``queued`` until sent, ``sent`` once the hub
    confirmed it, ``refused`` when the hub would not take it (the reason is kept)."""

    QUEUED = "queued"
    SENT = "sent"
    REFUSED = "refused"


class AssignmentReadsRow(Base):
    """The reads an adjudication or backread assignment shows, as the hub sent them
    (``protocol.scoring.ReadsOut``)."""

    __tablename__ = "assignment_reads"

    assignment_id: Mapped[str] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeclineRow(Base):
    __tablename__ = "declines"
    __table_args__ = (
        CheckConstraint(_one_of("reason", DeclineReason), name="ck_declines_reason"),
        CheckConstraint(_one_of("state", DeclineState), name="ck_declines_state"),
        Index("ix_declines_assignment", "assignment_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(40))
    comment: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(20), default=DeclineState.QUEUED)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class BackreadFindingRow(Base):
    """A backreader's disagreement with one criterion of the assessor's own sheet
    (``protocol.scoring.BackreadFinding``). Not a foreign key: the sheet's assignment may
    be purged here while the finding is still worth reading."""

    __tablename__ = "backread_findings"

    assignment_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    criterion_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


# Revision 0008 and later.


class VerdictState(StrEnum):
    """A backread verdict: being written (``draft``), waiting for the next sync
    (``queued``), recorded by the hub (``sent``), or not accepted (``refused``)."""

    DRAFT = "draft"
    QUEUED = "queued"
    SENT = "sent"
    REFUSED = "refused"


class BackreadVerdictRow(Base):
    """The backreader's verdict (``protocol.scoring.BackreadVerdict``) on the sheet a
    backread assignment reads."""

    __tablename__ = "backread_verdicts"
    __table_args__ = (
        CheckConstraint(_one_of("state", VerdictState), name="ck_backread_verdicts_state"),
    )

    assignment_id: Mapped[str] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default=VerdictState.DRAFT)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    if_match_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
