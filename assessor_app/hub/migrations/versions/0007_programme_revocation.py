"""Programme credentials can be revoked like badges: each owns one bit of the revocation
status list (a unique ``status_index`` from the same ``status_list_index`` counter, so no
bit is shared with a badge), and a revoked one records when and why.

Programme credentials issued before this revision get the next free indexes, in the order
they were issued.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assessor_app.common.utc_datetime import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

STATUS_COUNTER = "status_list_index"


def upgrade() -> None:
    with op.batch_alter_table("programme_credentials") as batch:
        batch.add_column(sa.Column("status_index", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("revoked_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("revocation_reason", sa.Text(), nullable=True))
    connection = op.get_bind()
    counters = sa.table("hub_counters", sa.column("name"), sa.column("value"))
    rows = sa.table("programme_credentials", sa.column("id"), sa.column("status_index"))
    ids = list(
        connection.execute(
            sa.text("SELECT id FROM programme_credentials ORDER BY issued_at, id")
        ).scalars()
    )
    start = connection.execute(
        sa.select(counters.c.value).where(counters.c.name == STATUS_COUNTER)
    ).scalar_one()
    for offset, credential_id in enumerate(ids):
        connection.execute(
            rows.update().where(rows.c.id == credential_id).values(status_index=start + offset)
        )
    connection.execute(
        counters.update().where(counters.c.name == STATUS_COUNTER).values(value=start + len(ids))
    )
    with op.batch_alter_table("programme_credentials") as batch:
        batch.alter_column("status_index", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint("uq_programme_credentials_status_index", ["status_index"])


def downgrade() -> None:
    with op.batch_alter_table("programme_credentials") as batch:
        batch.drop_constraint("uq_programme_credentials_status_index", type_="unique")
        batch.drop_column("revocation_reason")
        batch.drop_column("revoked_at")
        batch.drop_column("status_index")
