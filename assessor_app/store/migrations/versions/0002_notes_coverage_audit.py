"""Time-pinned notes, evidence coverage, workspace state, and the append-only audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

AUDIT_ACTIONS = (
    "opened",
    "scored",
    "finalized",
    "reopened",
    "uploaded",
    "downloaded",
    "purged",
    "revoked",
    "conflict",
)


def _assignment_fk(primary_key: bool = False) -> sa.Column[str]:
    return sa.Column(
        "assignment_id",
        sa.String(100),
        sa.ForeignKey("assignments.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _assignment_fk(),
        sa.Column("artifact_id", sa.String(100), nullable=False),
        sa.Column("time_ms", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("criterion_id", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_notes_assignment", "notes", ["assignment_id", "artifact_id", "time_ms"])
    op.create_table(
        "artifact_opened",
        _assignment_fk(primary_key=True),
        sa.Column("artifact_id", sa.String(100), primary_key=True),
        sa.Column("first_opened_at", sa.DateTime(), nullable=False),
        sa.Column("last_opened_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "played_ranges",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _assignment_fk(),
        sa.Column("artifact_id", sa.String(100), nullable=False),
        sa.Column("start_ms", sa.Integer(), nullable=False),
        sa.Column("end_ms", sa.Integer(), nullable=False),
        sa.CheckConstraint("start_ms >= 0 AND end_ms >= start_ms", name="ck_played_ranges_order"),
    )
    op.create_index(
        "ix_played_ranges_pair", "played_ranges", ["assignment_id", "artifact_id", "start_ms"]
    )
    op.create_table(
        "workspace",
        _assignment_fk(primary_key=True),
        sa.Column("open_artifact_id", sa.String(100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "video_positions",
        _assignment_fk(primary_key=True),
        sa.Column("artifact_id", sa.String(100), primary_key=True),
        sa.Column("position_ms", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("assignment_id", sa.String(100), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            f"action IN ({', '.join(repr(a) for a in AUDIT_ACTIONS)})",
            name="ck_audit_log_action",
        ),
    )
    op.create_index("ix_audit_log_assignment", "audit_log", ["assignment_id"])
    # The log is evidence of what happened: SQLite itself refuses to rewrite it.
    op.execute(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_log_no_delete")
    op.execute("DROP TRIGGER audit_log_no_update")
    for table in (
        "audit_log",
        "video_positions",
        "workspace",
        "played_ranges",
        "artifact_opened",
        "notes",
    ):
        op.drop_table(table)
