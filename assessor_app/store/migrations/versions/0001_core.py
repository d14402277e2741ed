"""Core tables: settings, credentials, submissions, artifacts, assignments, score sheets,
citations, decisions and the outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Spelled out rather than imported from models: a revision is a snapshot and must not
# change when the models do.
LOCAL_STATES = (
    "not_downloaded",
    "downloading",
    "ready",
    "in_progress",
    "finalized",
    "uploaded",
    "conflict",
    "revoked",
)
DOWNLOAD_STATES = ("not_downloaded", "downloading", "verified", "failed")
OUTBOX_STATES = ("queued", "uploading", "uploaded", "retry_wait", "conflict", "withdrawn")
DECISIONS = ("pass", "not_yet", "return_incomplete")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=False),
    )
    op.create_table(
        "credentials",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("schema_json", sa.JSON(), nullable=False),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("credential_id", sa.String(64), nullable=False),
        sa.Column("credential_version", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("educator_pseudonym", sa.String(200), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=False),
        sa.Column("previous_attempts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id", "credential_version"], ["credentials.id", "credentials.version"]
        ),
    )
    op.create_table(
        "artifacts",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column(
            "submission_id",
            sa.String(100),
            sa.ForeignKey("submissions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("media_type", sa.String(200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("download_state", sa.String(20), nullable=False),
        sa.Column("bytes_done", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.CheckConstraint(_in("download_state", DOWNLOAD_STATES), name="ck_artifacts_state"),
    )
    op.create_index("ix_artifacts_submission", "artifacts", ["submission_id"])
    op.create_table(
        "assignments",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("submission_id", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("hub_status", sa.String(50), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("local_state", sa.String(20), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(_in("local_state", LOCAL_STATES), name="ck_assignments_state"),
        sa.CheckConstraint("kind IN ('production', 'calibration')", name="ck_assignments_kind"),
    )
    op.create_index("ix_assignments_submission", "assignments", ["submission_id"])
    op.create_table(
        "score_sheets",
        sa.Column(
            "assignment_id",
            sa.String(100),
            sa.ForeignKey("assignments.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("private_note", sa.Text(), nullable=False),
        sa.Column("override", sa.String(20), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            f"override IS NULL OR {_in('override', DECISIONS)}", name="ck_score_sheets_override"
        ),
    )
    op.create_table(
        "criterion_scores",
        sa.Column(
            "assignment_id",
            sa.String(100),
            sa.ForeignKey("score_sheets.assignment_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("criterion_id", sa.String(64), primary_key=True),
        sa.Column("level_id", sa.String(64), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=False),
    )
    op.create_table(
        "citations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "assignment_id",
            sa.String(100),
            sa.ForeignKey("score_sheets.assignment_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("criterion_id", sa.String(64), nullable=False),
        sa.Column("artifact_id", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("start_ms", sa.Integer(), nullable=True),
        sa.Column("end_ms", sa.Integer(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("rect", sa.JSON(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('time', 'page', 'quote')", name="ck_citations_kind"),
    )
    op.create_index(
        "ix_citations_assignment", "citations", ["assignment_id", "criterion_id", "position"]
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "assignment_id",
            sa.String(100),
            sa.ForeignKey("assignments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("finalized_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(_in("decision", DECISIONS), name="ck_decisions_decision"),
    )
    op.create_index("ix_decisions_assignment", "decisions", ["assignment_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "assignment_id",
            sa.String(100),
            sa.ForeignKey("assignments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "decision_id",
            sa.Integer(),
            sa.ForeignKey("decisions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("if_match_version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("hub_state", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(_in("state", OUTBOX_STATES), name="ck_outbox_state"),
        sa.CheckConstraint(_in("decision", DECISIONS), name="ck_outbox_decision"),
    )
    op.create_index("ix_outbox_state", "outbox", ["state", "id"])


def downgrade() -> None:
    for table in (
        "outbox",
        "decisions",
        "citations",
        "criterion_scores",
        "score_sheets",
        "assignments",
        "artifacts",
        "submissions",
        "credentials",
        "settings",
    ):
        op.drop_table(table)
