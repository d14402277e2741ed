"""Citations name every kind of evidence: an image region (``kind`` 'region', its
rectangle in ``rect``) and a table cell ('cell': ``{"row", "column"}`` in ``rect``, the
JSON column that holds a target's shape, and the cell's value in ``text``); a quote from
a PDF keeps its page in ``page``.

The kind check is part of the table definition, so the table is rebuilt (SQLite cannot
alter a check): rows are copied as they are and the index is made again. Nothing
references citations, so rebuilding it touches no other table.

Downgrading keeps every citation in a form the older version reads: a region becomes
page 1 with its rectangle (how such a citation was stored before), a cell becomes a
quote "row S01, column Q3: value", a quote forgets its page.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_KINDS_0001 = ("time", "page", "quote")
_KINDS_0005 = (*_KINDS_0001, "region", "cell")
_COLUMNS = (
    "id, assignment_id, criterion_id, artifact_id, kind, start_ms, end_ms, page, rect, text, "
    "position"
)


def _rebuild(kinds: tuple[str, ...], select: str) -> None:
    op.create_table(
        "citations_rebuilt",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "assignment_id",
            sa.String(100),
            sa.ForeignKey("score_sheets.assignment_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("criterion_id", sa.String(64), nullable=False),
        sa.Column("artifact_id", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("start_ms", sa.Integer(), nullable=True),
        sa.Column("end_ms", sa.Integer(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("rect", sa.JSON(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            f"kind IN ({', '.join(repr(k) for k in kinds)})", name="ck_citations_kind"
        ),
    )
    op.execute(f"INSERT INTO citations_rebuilt ({_COLUMNS}) SELECT {select} FROM citations")
    op.drop_index("ix_citations_assignment", table_name="citations")
    op.drop_table("citations")
    op.rename_table("citations_rebuilt", "citations")
    op.create_index(
        "ix_citations_assignment", "citations", ["assignment_id", "criterion_id", "position"]
    )


def upgrade() -> None:
    _rebuild(_KINDS_0005, _COLUMNS)


def downgrade() -> None:
    _rebuild(
        _KINDS_0001,
        "id, assignment_id, criterion_id, artifact_id, "
        "CASE kind WHEN 'region' THEN 'page' WHEN 'cell' THEN 'quote' ELSE kind END, "
        "start_ms, end_ms, "
        "CASE kind WHEN 'region' THEN 1 WHEN 'quote' THEN NULL ELSE page END, "
        "CASE kind WHEN 'cell' THEN NULL ELSE rect END, "
        "CASE kind WHEN 'cell' THEN 'row ' || json_extract(rect, '$.row') || ', column ' "
        "|| json_extract(rect, '$.column') || ': ' || COALESCE(text, '') ELSE text END, "
        "position",
    )
