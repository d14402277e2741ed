"""Scoring operations: scoring plans, affiliations of accounts and submissions, assessors'
capacity, work items (what allocation hands out), declines and final decisions.

A submission already decided (or returned as incomplete) on a production assignment
before this revision gets its final decision from that sheet (source ``single``, the
newest one where there are several), so what reached the educator before keeps reaching
them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Registers the scoring tables on the hub's metadata, so the models describe this schema
# wherever a migrated database is compared with them.
import assessor_app.hub.scoring.models  # noqa: F401
from assessor_app.common.utc_datetime import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scoring_plans",
        sa.Column("credential_id", sa.String(64), primary_key=True),
        sa.Column("second_read_share", sa.Float(), nullable=False),
        sa.Column("second_read_near_cut", sa.Float(), nullable=False),
        sa.Column("adjudicate_when", sa.String(20), nullable=False),
        sa.Column("adjudicate_distance", sa.Integer(), nullable=False),
        sa.Column("validity_rate", sa.Float(), nullable=False),
        sa.Column("validity_window", sa.Integer(), nullable=False),
        sa.Column("backread_rate", sa.Float(), nullable=False),
        sa.Column("require_qualified", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "user_affiliations",
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("affiliation", sa.String(100), primary_key=True),
    )
    op.create_table(
        "submission_affiliations",
        sa.Column(
            "submission_id",
            sa.String(64),
            sa.ForeignKey("submissions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("affiliation", sa.String(100), primary_key=True),
    )
    op.create_index(
        "ix_submission_affiliations_affiliation", "submission_affiliations", ["affiliation"]
    )
    op.create_table(
        "assessor_capacity",
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("capacity", sa.Integer(), nullable=False),
    )
    op.create_table(
        "work_items",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "submission_id",
            sa.String(64),
            sa.ForeignKey("submissions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("required_role", sa.String(40), nullable=False),
        sa.Column("target_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column(
            "subject_assignment_id", sa.String(64), sa.ForeignKey("assignments.id"), nullable=True
        ),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column(
            "assignment_id",
            sa.String(64),
            sa.ForeignKey("assignments.id"),
            nullable=True,
            unique=True,
        ),
    )
    op.create_index("ix_work_items_submission", "work_items", ["submission_id"])
    op.create_index("ix_work_items_open", "work_items", ["assignment_id", "due_at"])
    op.create_table(
        "declines",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "assignment_id",
            sa.String(64),
            sa.ForeignKey("assignments.id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("declined_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "final_decisions",
        sa.Column(
            "submission_id",
            sa.String(64),
            sa.ForeignKey("submissions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("decision", sa.String(32), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("assignment_id", sa.String(64), sa.ForeignKey("assignments.id"), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
    )
    _final_decisions_of_decided_sheets()


def _final_decisions_of_decided_sheets() -> None:
    connection = op.get_bind()
    assignments = sa.table(
        "assignments",
        sa.column("id"),
        sa.column("submission_id"),
        sa.column("kind"),
        sa.column("status"),
    )
    decisions = sa.table(
        "decisions",
        sa.column("assignment_id"),
        sa.column("decision"),
        sa.column("recorded_at", UTCDateTime()),
    )
    final = sa.table(
        "final_decisions",
        sa.column("submission_id"),
        sa.column("decision"),
        sa.column("source"),
        sa.column("assignment_id"),
        sa.column("decided_at", UTCDateTime()),
    )
    rows = connection.execute(
        sa.select(
            assignments.c.submission_id,
            decisions.c.decision,
            assignments.c.id,
            decisions.c.recorded_at,
        )
        .join(decisions, decisions.c.assignment_id == assignments.c.id)
        .where(
            assignments.c.kind == "production",
            assignments.c.status.in_(("decided", "returned")),
        )
        .order_by(assignments.c.submission_id, decisions.c.recorded_at.desc(), assignments.c.id)
    ).all()
    seen: set[str] = set()
    for submission_id, decision, assignment_id, recorded_at in rows:
        if submission_id in seen:
            continue
        seen.add(submission_id)
        connection.execute(
            final.insert().values(
                submission_id=submission_id,
                decision=decision,
                source="single",
                assignment_id=assignment_id,
                decided_at=recorded_at,
            )
        )


def downgrade() -> None:
    op.drop_table("final_decisions")
    op.drop_table("declines")
    op.drop_table("work_items")
    op.drop_table("assessor_capacity")
    op.drop_index("ix_submission_affiliations_affiliation", "submission_affiliations")
    op.drop_table("submission_affiliations")
    op.drop_table("user_affiliations")
    op.drop_table("scoring_plans")
