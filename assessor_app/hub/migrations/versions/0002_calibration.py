"""Calibration: sessions, session items, participants and assignments, consensus, and
per-credential qualification rules.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assessor_app.common.utc_datetime import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calibration_sessions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("credential_id", sa.String(64), nullable=False),
        sa.Column("credential_version", sa.Integer(), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revealed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
    )
    op.create_index(
        "ix_calibration_sessions_facilitator", "calibration_sessions", ["facilitator_id"]
    )
    op.create_table(
        "calibration_session_items",
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("calibration_sessions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "submission_id", sa.String(64), sa.ForeignKey("submissions.id"), primary_key=True
        ),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_table(
        "calibration_session_participants",
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("calibration_sessions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_calibration_participants_user", "calibration_session_participants", ["user_id"]
    )
    op.create_table(
        "calibration_session_assignments",
        sa.Column(
            "assignment_id", sa.String(64), sa.ForeignKey("assignments.id"), primary_key=True
        ),
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("calibration_sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("submission_id", sa.String(64), sa.ForeignKey("submissions.id"), nullable=False),
        sa.UniqueConstraint(
            "session_id", "user_id", "submission_id", name="uq_calibration_session_assignment"
        ),
    )
    op.create_table(
        "calibration_consensus",
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("calibration_sessions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("submission_id", sa.String(64), primary_key=True),
        sa.Column("criterion_id", sa.String(64), primary_key=True),
        sa.Column("level_id", sa.String(64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_table(
        "calibration_qualification_rules",
        sa.Column("credential_id", sa.String(64), primary_key=True),
        sa.Column("exact_share", sa.Float(), nullable=False),
        sa.Column("adjacent_share", sa.Float(), nullable=False),
        sa.Column("max_distance", sa.Integer(), nullable=False),
        sa.Column("same_decision", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "calibration_qualification_rules",
        "calibration_consensus",
        "calibration_session_assignments",
        "calibration_session_participants",
        "calibration_session_items",
        "calibration_sessions",
    ):
        op.drop_table(table)
