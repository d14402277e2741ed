"""Scoring operations on this laptop: the adjudication and backread kinds; the reads an
adjudicator or backreader is shown (``assignment_reads``), fetched at sync so they can be
read offline; declines waiting to be sent (``declines``); the backreading findings on the
assessor's own sheets (``backread_findings``).

Downgrading drops the three tables and any adjudication or backread assignment with them
(an older app cannot show them).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_KINDS_BEFORE = "kind IN ('production', 'calibration')"
_KINDS = "kind IN ('production', 'calibration', 'adjudication', 'backread')"


def _replace_kind_check(before: str, after: str) -> None:
    """Change the kind check of ``assignments`` in place, the way SQLite documents for
    changes that leave the stored rows valid ("ALTER TABLE", making other kinds of
    schema changes): the table's definition is edited and the schema version bumped.
    Rebuilding the table instead would drop the old one, and with foreign keys on (they
    cannot be switched off inside the migration's transaction) that deletes every sheet,
    decision and note by cascade."""
    bind = op.get_bind()
    create = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'assignments'"
    ).scalar_one()
    assert before in create, "the kind check is not as this revision expects"
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'assignments'",
            (create.replace(before, after),),
        )
        bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    _replace_kind_check(_KINDS_BEFORE, _KINDS)
    op.create_table(
        "assignment_reads",
        sa.Column(
            "assignment_id",
            sa.String(100),
            sa.ForeignKey("assignments.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "declines",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "assignment_id",
            sa.String(100),
            sa.ForeignKey("assignments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "reason IN ('conflict_of_interest', 'cannot_score')", name="ck_declines_reason"
        ),
        sa.CheckConstraint("state IN ('queued', 'sent', 'refused')", name="ck_declines_state"),
        sa.Index("ix_declines_assignment", "assignment_id"),
    )
    op.create_table(
        "backread_findings",
        sa.Column("assignment_id", sa.String(100), primary_key=True),
        sa.Column("criterion_id", sa.String(64), primary_key=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("backread_findings")
    op.drop_table("declines")
    op.drop_table("assignment_reads")
    op.execute("DELETE FROM assignments WHERE kind IN ('adjudication', 'backread')")
    _replace_kind_check(_KINDS, _KINDS_BEFORE)
