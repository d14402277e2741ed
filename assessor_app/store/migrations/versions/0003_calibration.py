"""Calibration results kept for offline use: answer keys of uploaded calibration
assignments, and the last seen state and results of calibration sessions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calibration_keys",
        sa.Column(
            "assignment_id",
            sa.String(100),
            sa.ForeignKey("assignments.id", ondelete="CASCADE"),
            primary_key=True,
            nullable=False,
        ),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "calibration_sessions",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("calibration_sessions")
    op.drop_table("calibration_keys")
