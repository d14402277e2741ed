"""A backreader's verdict on a decided sheet (``backread_verdicts``): agree or disagree
per criterion, saved as it is written (``draft``), then queued for the next sync with its
own Idempotency-Key and the assignment's version (``queued``), and ``sent`` once the hub
recorded it or ``refused`` with the hub's reason.

Downgrading drops the table (and so any verdict not yet sent).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backread_verdicts",
        sa.Column(
            "assignment_id",
            sa.String(100),
            sa.ForeignKey("assignments.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=True, unique=True),
        sa.Column("if_match_version", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "state IN ('draft', 'queued', 'sent', 'refused')", name="ck_backread_verdicts_state"
        ),
    )


def downgrade() -> None:
    op.drop_table("backread_verdicts")
