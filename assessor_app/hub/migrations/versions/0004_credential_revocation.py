"""Credential revocation: each issued credential owns one bit of the hub's revocation status
list (a unique ``status_index``, allocated from the ``status_list_index`` counter), and a
revoked one records when and why.

Credentials issued before this revision get indexes in the order they were issued.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assessor_app.common.utc_datetime import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STATUS_COUNTER = "status_list_index"


def upgrade() -> None:
    with op.batch_alter_table("issued_credentials") as batch:
        batch.add_column(sa.Column("status_index", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("revoked_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("revocation_reason", sa.Text(), nullable=True))
    connection = op.get_bind()
    issued = sa.table("issued_credentials", sa.column("id"), sa.column("status_index"))
    ids = connection.execute(
        sa.text("SELECT id FROM issued_credentials ORDER BY issued_at, id")
    ).scalars()
    count = 0
    for index, credential_id in enumerate(list(ids)):
        connection.execute(
            issued.update().where(issued.c.id == credential_id).values(status_index=index)
        )
        count = index + 1
    with op.batch_alter_table("issued_credentials") as batch:
        batch.alter_column("status_index", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint("uq_issued_credentials_status_index", ["status_index"])
    counters = sa.table("hub_counters", sa.column("name"), sa.column("value"))
    op.bulk_insert(counters, [{"name": STATUS_COUNTER, "value": count}])


def downgrade() -> None:
    op.execute(sa.text(f"DELETE FROM hub_counters WHERE name = '{STATUS_COUNTER}'"))
    with op.batch_alter_table("issued_credentials") as batch:
        batch.drop_constraint("uq_issued_credentials_status_index", type_="unique")
        batch.drop_column("revocation_reason")
        batch.drop_column("revoked_at")
        batch.drop_column("status_index")
