"""The hub's second-level review reaches the profile: the reviewer's comment on a returned
decision is kept beside its assignment (``assignment_reviews``), and the audit log learns
the action ``returned_for_revision``.

The audit log's action check is part of its table definition, so the table is rebuilt
(SQLite cannot alter a check): rows are copied as they are, then the index and the
append-only triggers are made again. Nothing references the log, so rebuilding it touches
no other table. The ``action`` column widens to 30 characters for the new name.

Downgrading keeps every audit row: a ``returned_for_revision`` entry becomes
``reopened`` (its detail still holds the comment); the comments table is dropped.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ACTIONS_0002 = (
    "opened",
    "scored",
    "finalized",
    "reopened",
    "uploaded",
    "downloaded",
    "purged",
    "revoked",
    "conflict",
)
_ACTIONS_0004 = (*_ACTIONS_0002, "returned_for_revision")
_COLUMNS = "id, at, action, assignment_id, detail"


def _rebuild_audit_log(actions: tuple[str, ...], width: int, select_action: str) -> None:
    op.execute("DROP TRIGGER audit_log_no_update")
    op.execute("DROP TRIGGER audit_log_no_delete")
    op.create_table(
        "audit_log_rebuilt",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(width), nullable=False),
        sa.Column("assignment_id", sa.String(100), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            f"action IN ({', '.join(repr(a) for a in actions)})",
            name="ck_audit_log_action",
        ),
    )
    op.execute(
        f"INSERT INTO audit_log_rebuilt ({_COLUMNS}) "
        f"SELECT id, at, {select_action}, assignment_id, detail FROM audit_log ORDER BY id"
    )
    op.drop_index("ix_audit_log_assignment", table_name="audit_log")
    op.drop_table("audit_log")
    op.rename_table("audit_log_rebuilt", "audit_log")
    op.create_index("ix_audit_log_assignment", "audit_log", ["assignment_id"])
    op.execute(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )


def upgrade() -> None:
    op.create_table(
        "assignment_reviews",
        sa.Column(
            "assignment_id",
            sa.String(100),
            sa.ForeignKey("assignments.id", ondelete="CASCADE"),
            primary_key=True,
            nullable=False,
        ),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
    )
    _rebuild_audit_log(_ACTIONS_0004, 30, "action")


def downgrade() -> None:
    _rebuild_audit_log(
        _ACTIONS_0002,
        20,
        "CASE action WHEN 'returned_for_revision' THEN 'reopened' ELSE action END",
    )
    op.drop_table("assignment_reviews")
