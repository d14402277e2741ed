"""Reports from the local store: one decision's feedback report (PDF) and the assessor's
own decision history (CSV).

Both read the store and hand domain objects to ``assessor_app.reports``. The feedback
report is built from the decision as it was recorded at finalize (the same payload the
hub receives) with the submission and its credential; the private note to the hub and
the reasons for overrides never reach it. The history has one row per decision in force
(finalized, queued, uploaded or in conflict; a reopened one is not a decision), oldest
first, in the stable columns of ``reports.csv_export``.

Callers run these off the GUI thread: they read the database and write files.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, TextIO

from assessor_app.domain import Decision
from assessor_app.domain.assignment_state import OutboxState
from assessor_app.reports import DecisionRow, build_feedback_report, write_decisions_csv
from assessor_app.reports.feedback_report import DEFAULT_ISSUER
from assessor_app.services.notes import NotesService, evidence_order
from assessor_app.store import NotFoundError, Store

log = logging.getLogger(__name__)


class NoDecisionError(Exception):
    """The assignment has no decision in force to report on."""


class SubmissionMissingError(Exception):
    """The submission of a decided assignment is no longer on this computer."""


@dataclass(frozen=True)
class ReportInfo:
    """What a written feedback report is about, for a confirmation message."""

    assignment_id: str
    credential_title: str
    attempt: int
    decision: Decision
    path: Path | None


def feedback_report(
    store: Store, assignment_id: str, out: Path | BinaryIO, *, issuer: str | None = None
) -> ReportInfo:
    """Write the educator feedback report for ``assignment_id``'s decision to ``out``.

    A path is written whole or not at all (a temporary file beside it, then renamed), so
    a failure never leaves half a report. Raises ``NotFoundError`` for an unknown
    assignment, ``NoDecisionError`` when it has not been finalized (or was reopened),
    ``SubmissionMissingError`` when its submission is gone.
    """
    if store.assignments.get(assignment_id) is None:
        raise NotFoundError(f"no assignment {assignment_id!r} on this computer")
    recorded = store.decisions.latest(assignment_id)
    if recorded is None:
        raise NoDecisionError(
            f"There is no decision for {assignment_id} yet: finalize it first, then export "
            "its report"
        )
    loaded = store.submissions.load_for_assignment(assignment_id)
    if loaded is None:
        raise SubmissionMissingError(
            f"The submission of {assignment_id} is no longer on this computer"
        )
    submission, credential = loaded
    # The report is the educator's: the private note and the override reason are for the
    # hub only, so they are dropped here rather than trusted to be left out downstream.
    sheet = replace(
        recorded.upload.to_sheet(None), private_note="", override=None, override_reason=""
    )

    shared = NotesService(store).shared(assignment_id)
    shared_notes = [
        e.note for e in evidence_order(submission.artifacts, shared, ()) if e.note is not None
    ]

    def build(target: Path | BinaryIO) -> None:
        build_feedback_report(
            target,
            credential=credential,
            submission=submission,
            sheet=sheet,
            decision=recorded.decision,
            decided_at=recorded.finalized_at,
            issuer=issuer or DEFAULT_ISSUER,
            shared_notes=shared_notes,
        )

    if isinstance(out, Path):
        _write_atomically(out, lambda tmp: build(tmp))
    else:
        build(out)
    log.info("feedback report written for %s", assignment_id)
    return ReportInfo(
        assignment_id=assignment_id,
        credential_title=credential.title,
        attempt=submission.attempt,
        decision=recorded.decision,
        path=out if isinstance(out, Path) else None,
    )


def decision_rows(store: Store) -> list[DecisionRow]:
    """The assessor's decisions in force, oldest first, as CSV rows.

    A decision whose submission is no longer stored cannot fill the credential columns;
    it is logged and left out (it stays in the store).
    """
    rows: list[DecisionRow] = []
    for entry in store.outbox.entries():
        if entry.state is OutboxState.WITHDRAWN:
            continue
        assignment = store.assignments.get(entry.assignment_id)
        loaded = store.submissions.load_for_assignment(entry.assignment_id)
        if assignment is None or loaded is None:
            log.warning("decision %s left out of the history: no submission", entry.id)
            continue
        submission, credential = loaded
        rows.append(
            DecisionRow.from_domain(
                assignment=assignment,
                submission=submission,
                credential=credential,
                sheet=entry.upload.to_sheet(None),
                decision=entry.decision,
                finalized_at=entry.created_at,
                uploaded_at=entry.uploaded_at,
                state=entry.state.value,
            )
        )
    return rows


def history_csv(store: Store, out: Path | TextIO, *, excel_bom: bool = False) -> int:
    """Write the assessor's decision history to ``out``; returns the number of rows.

    A path is replaced whole or not at all; a stream must be opened with ``newline=""``.
    """
    rows = decision_rows(store)
    if isinstance(out, Path):
        count = 0

        def write(tmp: Path) -> None:
            nonlocal count
            count = write_decisions_csv(tmp, rows, excel_bom=excel_bom)

        _write_atomically(out, write)
        return count
    return write_decisions_csv(out, rows, excel_bom=excel_bom)


def _write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    target = Path(target)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException:
        with suppress(FileNotFoundError):
            tmp.unlink()
        raise
