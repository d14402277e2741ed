"""Credential recipients: the ``credentialSubject.id`` each educator's credentials name.
Educators who already hold a credential get a ``urn:uuid:`` now, so every credential served
from here on names a recipient.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from assessor_app.common.utc_datetime import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    recipients = op.create_table(
        "credential_recipients",
        sa.Column("educator_pseudonym", sa.String(200), primary_key=True),
        sa.Column("subject_id", sa.String(300), nullable=False, unique=True),
        sa.Column("email_hash", sa.String(80), nullable=True),
        sa.Column("email_salt", sa.String(100), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    holders = op.get_bind().execute(
        sa.text(
            "SELECT DISTINCT s.educator_pseudonym FROM issued_credentials i "
            "JOIN submissions s ON s.id = i.submission_id"
        )
    )
    now = datetime.now(UTC)
    rows = [
        {
            "educator_pseudonym": pseudonym,
            "subject_id": f"urn:uuid:{uuid.uuid4()}",
            "email_hash": None,
            "email_salt": None,
            "recorded_at": now,
        }
        for (pseudonym,) in holders
    ]
    if rows:
        op.bulk_insert(recipients, rows)


def downgrade() -> None:
    op.drop_table("credential_recipients")
