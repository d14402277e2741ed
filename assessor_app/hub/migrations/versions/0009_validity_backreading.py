"""Validity papers and backreading: each validity paper's comparison with its key
(``validity_results``) and each backreader's verdict on a decided sheet
(``backread_verdicts``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Registers these tables on the hub's metadata, so the models describe this schema
# wherever a migrated database is compared with them.
import assessor_app.hub.scoring.flow_models  # noqa: F401
from assessor_app.common.utc_datetime import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "validity_results",
        sa.Column(
            "assignment_id", sa.String(64), sa.ForeignKey("assignments.id"), primary_key=True
        ),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("credential_id", sa.String(64), nullable=False),
        sa.Column("keyed_criteria", sa.Integer(), nullable=False),
        sa.Column("exact_share", sa.Float(), nullable=False),
        sa.Column("adjacent_share", sa.Float(), nullable=False),
        sa.Column("worst_distance", sa.Integer(), nullable=True),
        sa.Column("unscored", sa.Integer(), nullable=False),
        sa.Column("same_decision", sa.Boolean(), nullable=False),
        sa.Column("within_rule", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_validity_results_user_credential",
        "validity_results",
        ["user_id", "credential_id", "recorded_at"],
    )
    op.create_table(
        "backread_verdicts",
        sa.Column(
            "assignment_id", sa.String(64), sa.ForeignKey("assignments.id"), primary_key=True
        ),
        sa.Column(
            "subject_assignment_id", sa.String(64), sa.ForeignKey("assignments.id"), nullable=False
        ),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("subject_levels", sa.JSON(), nullable=False),
        sa.Column("sent_back", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "idempotency_key", name="uq_backread_verdicts_user_key"),
    )
    op.create_index("ix_backread_verdicts_subject", "backread_verdicts", ["subject_assignment_id"])


def downgrade() -> None:
    op.drop_index("ix_backread_verdicts_subject", table_name="backread_verdicts")
    op.drop_table("backread_verdicts")
    op.drop_index("ix_validity_results_user_credential", table_name="validity_results")
    op.drop_table("validity_results")
