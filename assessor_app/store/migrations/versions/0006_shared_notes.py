"""A time-pinned note can be shared with the educator: ``notes.shared`` (false for every
note made before, so nothing private turns up in a report).

Downgrading drops the column; the notes themselves stay, private again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notes") as batch:
        batch.add_column(
            sa.Column("shared", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("shared")
