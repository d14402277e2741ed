"""The assessor's own decision history as CSV, with a stable, documented layout.

One row per decision, RFC 4180 (comma separated, CRLF line ends, fields quoted when they
hold a comma, quote or line break), UTF-8, with a header row. The columns, in order:

=====================  ==========================================================
assignment_id          the assignment the decision was made on
submission_id          the submission scored
credential_id          the credential's stable id
credential_title       the credential's title at the time of the decision
attempt                the submission's attempt number (1, 2, ...)
educator_pseudonym     the educator as the hub shows them (never a real name)
kind                   ``production`` or ``calibration``
decision               ``pass``, ``not_yet`` or ``return_incomplete``
finalized_at           when the assessor finalized, ISO 8601 in UTC (``...Z``)
uploaded_at            when the hub accepted it, ISO 8601 in UTC; empty if not yet
state                  the local state, e.g. ``queued``, ``uploaded``, ``conflict``
total_points           the sum of the awarded levels' points
levels                 ``criterion_id=level_id`` pairs in rubric order, joined by
                       ``;`` (``criterion_id=`` when a criterion has no level)
=====================  ==========================================================

Criterion and level ids cannot contain ``=`` or ``;`` (the rubric schema allows only
letters, digits, ``_``, ``.`` and ``-``), so ``levels`` splits unambiguously. New columns
are only ever added at the end.

Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) are written with a leading ``'`` (the shared guard in
``common.csv_cells``); numbers and dates are produced here and are never altered.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from assessor_app.common.csv_cells import neutralize_formula
from assessor_app.domain import (
    Assignment,
    AssignmentKind,
    Credential,
    Decision,
    ScoreSheet,
    Submission,
)

COLUMNS: tuple[str, ...] = (
    "assignment_id",
    "submission_id",
    "credential_id",
    "credential_title",
    "attempt",
    "educator_pseudonym",
    "kind",
    "decision",
    "finalized_at",
    "uploaded_at",
    "state",
    "total_points",
    "levels",
)


@dataclass(frozen=True)
class DecisionRow:
    """One decision in the local history, as it appears in the CSV."""

    assignment_id: str
    submission_id: str
    credential_id: str
    credential_title: str
    attempt: int
    educator_pseudonym: str
    kind: AssignmentKind
    decision: Decision
    finalized_at: datetime
    uploaded_at: datetime | None
    state: str
    total_points: float
    levels: Mapping[str, str | None] = field(default_factory=dict)

    @classmethod
    def from_domain(
        cls,
        *,
        assignment: Assignment,
        submission: Submission,
        credential: Credential,
        sheet: ScoreSheet,
        decision: Decision,
        finalized_at: datetime,
        uploaded_at: datetime | None,
        state: str,
    ) -> DecisionRow:
        """The row for a finalized sheet: levels in rubric order, points of known levels."""
        levels: dict[str, str | None] = {}
        total = 0.0
        for criterion in credential.rubric.criteria:
            level_id = sheet.score(criterion.id).level_id
            levels[criterion.id] = level_id
            level = criterion.level(level_id) if level_id else None
            if level is not None:
                total += level.points
        return cls(
            assignment_id=assignment.id,
            submission_id=submission.id,
            credential_id=credential.id,
            credential_title=credential.title,
            attempt=submission.attempt,
            educator_pseudonym=submission.educator_pseudonym,
            kind=assignment.kind,
            decision=decision,
            finalized_at=finalized_at,
            uploaded_at=uploaded_at,
            state=state,
            total_points=total,
            levels=levels,
        )


def format_timestamp(moment: datetime | None) -> str:
    """ISO 8601 in UTC with a ``Z``; a naive datetime is taken to be UTC already."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _cells(row: DecisionRow) -> list[str]:
    levels = ";".join(f"{crit}={level or ''}" for crit, level in row.levels.items())
    text = neutralize_formula
    return [
        text(row.assignment_id),
        text(row.submission_id),
        text(row.credential_id),
        text(row.credential_title),
        str(row.attempt),
        text(row.educator_pseudonym),
        text(str(row.kind)),
        text(str(row.decision)),
        format_timestamp(row.finalized_at),
        format_timestamp(row.uploaded_at),
        text(row.state),
        f"{row.total_points:g}",
        text(levels),
    ]


def write_decisions_csv(
    out: Path | TextIO, rows: Iterable[DecisionRow], *, excel_bom: bool = False
) -> int:
    """Write the header and one line per row to ``out``; return the number of rows.

    A path is written as UTF-8 (with a byte-order mark if ``excel_bom``, which older Excel
    needs to read UTF-8). A text stream must be opened with ``newline=""``.
    """
    if isinstance(out, Path):
        encoding = "utf-8-sig" if excel_bom else "utf-8"
        with out.open("w", encoding=encoding, newline="") as stream:
            return _write(stream, rows)
    if excel_bom:
        out.write("\ufeff")
    return _write(out, rows)


def _write(stream: TextIO, rows: Iterable[DecisionRow]) -> int:
    writer = csv.writer(stream, dialect="excel", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        writer.writerow(_cells(row))
        count += 1
    return count
