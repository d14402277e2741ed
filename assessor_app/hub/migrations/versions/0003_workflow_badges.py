"""Review workflow, coaching flags and Open Badges: per-credential workflow options,
decision reviews, decisions returned by a reviewer, coaching flags and issued credentials;
assignment statuses up to 32 characters.

Revision ID: 0003
Revises: 0002
Create Date: 2025-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Registers the workflow tables on the hub's metadata, so the models describe this schema
# wherever a migrated database is compared with them.
import assessor_app.hub.workflow.models  # noqa: F401
from assessor_app.common.utc_datetime import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ``returned_for_revision`` is longer than the first schema allowed.
    with op.batch_alter_table("assignments") as batch:
        batch.alter_column(
            "status", existing_type=sa.String(20), type_=sa.String(32), existing_nullable=False
        )
    op.create_table(
        "credential_workflows",
        sa.Column("credential_id", sa.String(64), primary_key=True),
        sa.Column("review_required", sa.Boolean(), nullable=False),
        sa.Column("coaching_after", sa.Integer(), nullable=False),
        sa.Column("show_assessor_name", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "decision_reviews",
        sa.Column(
            "assignment_id",
            sa.String(64),
            sa.ForeignKey("assignments.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_decision_reviews_state", "decision_reviews", ["state"])
    op.create_table(
        "returned_decisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "assignment_id",
            sa.String(64),
            sa.ForeignKey("assignments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("decision", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("returned_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_returned_decisions_user_key", "returned_decisions", ["user_id", "idempotency_key"]
    )
    op.create_index("ix_returned_decisions_assignment", "returned_decisions", ["assignment_id"])
    op.create_table(
        "coaching_flags",
        sa.Column("credential_id", sa.String(64), primary_key=True),
        sa.Column("educator_pseudonym", sa.String(200), primary_key=True),
        sa.Column("not_yet_attempts", sa.Integer(), nullable=False),
        sa.Column("last_submission_id", sa.String(64), nullable=False),
        sa.Column("flagged_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "issued_credentials",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("assignment_id", sa.String(64), sa.ForeignKey("assignments.id"), nullable=False),
        sa.Column("submission_id", sa.String(64), sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("assignment_id", name="uq_issued_credentials_assignment"),
    )
    op.create_index("ix_issued_credentials_submission", "issued_credentials", ["submission_id"])


def downgrade() -> None:
    for table in (
        "issued_credentials",
        "coaching_flags",
        "returned_decisions",
        "decision_reviews",
        "credential_workflows",
    ):
        op.drop_table(table)
    with op.batch_alter_table("assignments") as batch:
        batch.alter_column(
            "status", existing_type=sa.String(32), type_=sa.String(20), existing_nullable=False
        )
