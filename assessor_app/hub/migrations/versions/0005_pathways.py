"""Stackable pathways: imported pathways and the programme credentials issued from them,
one per pathway and educator.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Registers the pathway tables on the hub's metadata, so the models describe this schema
# wherever a migrated database is compared with them.
import assessor_app.hub.pathways.models  # noqa: F401
from assessor_app.common.utc_datetime import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pathways",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("required", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "programme_credentials",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("pathway_id", sa.String(64), sa.ForeignKey("pathways.id"), nullable=False),
        sa.Column("educator_pseudonym", sa.String(200), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("pathway", sa.JSON(), nullable=False),
        sa.Column("component_credentials", sa.JSON(), nullable=False),
        sa.UniqueConstraint(
            "pathway_id", "educator_pseudonym", name="uq_programme_credentials_educator"
        ),
    )
    op.create_index(
        "ix_programme_credentials_educator", "programme_credentials", ["educator_pseudonym"]
    )


def downgrade() -> None:
    op.drop_table("programme_credentials")
    op.drop_table("pathways")
