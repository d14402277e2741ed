"""Submissions imported before scoring operations and never assigned wait for allocation
like new ones: each gets its first-read work item (migration ``0008`` made the table, but
only imports from then on add the item). Keyed calibration items, submissions in a
calibration session and submissions that already have work or an assignment get none.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from assessor_app.common.utc_datetime import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    waiting = connection.execute(
        sa.text(
            "SELECT s.id FROM submissions s "
            "WHERE NOT EXISTS (SELECT 1 FROM assignments a WHERE a.submission_id = s.id) "
            "AND NOT EXISTS (SELECT 1 FROM work_items w WHERE w.submission_id = s.id) "
            "AND NOT EXISTS (SELECT 1 FROM calibration_keys k WHERE k.submission_id = s.id) "
            "AND NOT EXISTS (SELECT 1 FROM calibration_session_items i "
            "WHERE i.submission_id = s.id) "
            "ORDER BY s.created_at, s.id"
        )
    ).scalars()
    items = sa.table(
        "work_items",
        sa.column("submission_id"),
        sa.column("purpose"),
        sa.column("required_role"),
        sa.column("created_at", UTCDateTime()),
    )
    now = datetime.now(UTC)
    for submission_id in list(waiting):
        connection.execute(
            items.insert().values(
                submission_id=submission_id,
                purpose="first",
                required_role="assessor",
                created_at=now,
            )
        )


def downgrade() -> None:
    # The items stay: they are ordinary open work by now, indistinguishable from new.
    pass
