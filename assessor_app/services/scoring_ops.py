"""Scoring operations as the assessor meets them: declining an assignment, the reads an
adjudicator or backreader sees side by side, recording a backread verdict, the
backreading findings on the assessor's own sheets, and the hub's call to recalibrate.

Everything here reads and writes the profile only; the sync engine carries declines to
the hub and brings findings and notices back, so all of it works offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from assessor_app.domain import Artifact, Credential
from assessor_app.domain.assignment import AssignmentKind
from assessor_app.domain.assignment_state import DECIDED
from assessor_app.domain.citations import describe_citation
from assessor_app.domain.decline import DeclineReason
from assessor_app.domain.status_words import status_word
from assessor_app.domain.text import printable
from assessor_app.protocol.scoring import BackreadVerdict, ReadsOut
from assessor_app.protocol.v1 import CriterionScoreWire, RecalibrationNotice, citation_from_wire
from assessor_app.store import NotFoundError, SheetLockedError, Store
from assessor_app.store.repositories.scoring_ops import DeclineRefused


class DeclineNotPossible(Exception):
    """The assignment cannot be declined; the message says why, in the assessor's words."""


def decline(store: Store, assignment_id: str, reason: DeclineReason, comment: str) -> None:
    """Queue a decline for the next sync. The assignment stays in the queue, marked, until
    the hub confirms it; then it leaves and does not come back."""
    reason = DeclineReason(reason)
    comment = comment.strip()
    if not comment:
        raise DeclineNotPossible(
            "Say briefly why you decline this assignment: the hub records your reason."
        )
    assignment = store.assignments.get(assignment_id)
    if assignment is None:
        raise NotFoundError(f"no assignment {assignment_id!r} on this computer")
    if assignment.kind is AssignmentKind.CALIBRATION:
        raise DeclineNotPossible("Calibration work is practice: it cannot be declined.")
    state = store.assignments.local_state(assignment_id)
    if store.assignments.is_revoked(assignment_id):
        raise DeclineNotPossible("The hub has withdrawn this assignment already.")
    if state in DECIDED:
        raise DeclineNotPossible(
            f"This sheet is “{status_word(state)}”: a decided assignment cannot be declined."
        )
    try:
        store.declines.queue(assignment_id, reason, comment)
    except DeclineRefused:
        raise DeclineNotPossible(
            "You have declined this assignment already; the decline is sent at the next sync."
        ) from None


class FindingRow(NamedTuple):
    """One backreader's disagreement with the assessor's own sheet, ready to show: the
    levels by their rubric labels where the rubric is on this computer."""

    assignment_id: str
    credential_title: str
    educator_pseudonym: str
    criterion_title: str
    own_level: str
    backreader_level: str
    comment: str
    recorded_at: datetime


def _label(levels: dict[str, str], level_id: str | None) -> str:
    if level_id is None:
        return "—"
    return levels.get(level_id, level_id)


def backreading_findings(store: Store) -> list[FindingRow]:
    """Newest first. Hub text is made printable (one line per cell)."""
    rows: list[FindingRow] = []
    rubrics: dict[str, dict[str, dict[str, str]]] = {}
    for finding in store.findings.all():
        if finding.assignment_id not in rubrics:
            loaded = store.submissions.load_for_assignment(finding.assignment_id)
            rubrics[finding.assignment_id] = (
                {}
                if loaded is None
                else {c.id: {lv.id: lv.label for lv in c.levels} for c in loaded[1].rubric.criteria}
            )
        levels = rubrics[finding.assignment_id].get(finding.criterion_id, {})
        rows.append(
            FindingRow(
                assignment_id=finding.assignment_id,
                credential_title=printable(finding.credential_title),
                educator_pseudonym=printable(finding.educator_pseudonym),
                criterion_title=printable(finding.criterion_title),
                own_level=printable(_label(levels, finding.own_level_id)),
                backreader_level=printable(_label(levels, finding.backreader_level_id)),
                comment=finding.comment,
                recorded_at=finding.recorded_at,
            )
        )
    return rows


def recalibration(store: Store) -> list[RecalibrationNotice]:
    """The credentials the hub last said this assessor must recalibrate for."""
    return store.settings.recalibration()


def recalibration_text(notices: list[RecalibrationNotice]) -> str:
    """What the main window and the command line say while recalibration is required;
    empty when it is not. Hub text, to be shown as plain text."""
    if not notices:
        return ""
    lines = [
        f"Recalibration required for “{printable(n.credential_title)}”: {printable(n.reason)}"
        for n in notices
    ]
    lines.append(
        "No new production work arrives for these credentials until you qualify again "
        "on a calibration set (Calibration ▸ Sessions…)."
    )
    return "\n".join(lines)


class ReadsTable(NamedTuple):
    """The reads an adjudicator or backreader is shown, side by side: ``labels`` are the
    reads' names ("Read A", "Read B", "Decided read"; never a reader's name), ``rows`` one
    per criterion then the decision and the feedback, each with its title and one cell per
    read (level, rationale and cited evidence, in words)."""

    labels: list[str]
    rows: list[tuple[str, list[str]]]


def _cell(
    score: CriterionScoreWire | None, levels: dict[str, str], artifacts: dict[str, Artifact]
) -> str:
    if score is None:
        return "Not scored"
    lines = [_label(levels, score.level_id) if score.level_id else "No level"]
    if score.rationale.strip():
        lines.append(f"Rationale: {printable(score.rationale, multiline=True)}")
    for wire in score.citations:
        try:
            citation = citation_from_wire(wire)
        except ValueError:
            continue
        lines.append(f"Evidence: {describe_citation(citation, artifacts)}")
    return "\n".join(lines)


def reads_table(
    reads: ReadsOut, credential: Credential, artifacts: Sequence[Artifact]
) -> ReadsTable:
    """``reads`` laid out per criterion of ``credential``'s rubric, levels by their labels
    with their number (1 = lowest), as the number keys choose them."""
    index = {a.id: a for a in artifacts}
    rows: list[tuple[str, list[str]]] = []
    for criterion in credential.rubric.criteria:
        levels = {lv.id: f"({n}) {lv.label}" for n, lv in enumerate(criterion.levels, start=1)}
        cells = []
        for read in reads.reads:
            score = next((c for c in read.criteria if c.criterion_id == criterion.id), None)
            cells.append(_cell(score, levels, index))
        rows.append((printable(criterion.title), cells))
    rows.append(("Decision", [read.decision.label for read in reads.reads]))
    rows.append(
        (
            "Feedback",
            [printable(read.feedback, multiline=True) or "No feedback" for read in reads.reads],
        )
    )
    return ReadsTable([printable(read.label) for read in reads.reads], rows)


class BackreadNotRecorded(Exception):
    """The verdict cannot be recorded yet; the message says why, in the assessor's words."""


def backread_problems(verdict: BackreadVerdict, credential: Credential) -> list[str]:
    """What stops a verdict: every criterion agreed or disagreed with, and a disagreement
    names the level the backreader would give and says why."""
    given = {c.criterion_id: c for c in verdict.criteria}
    problems = []
    for criterion in credential.rubric.criteria:
        title = printable(criterion.title)
        word = given.get(criterion.id)
        if word is None:
            problems.append(f"“{title}”: agree or disagree with the decided level.")
        elif not word.agree and word.level_id is None:
            problems.append(f"“{title}”: choose the level you would give.")
        elif not word.agree and not word.comment.strip():
            problems.append(f"“{title}”: say why you disagree.")
    return problems


def record_backread(store: Store, assignment_id: str, verdict: BackreadVerdict) -> None:
    """Queue the verdict for the next sync (uploaded like a decision)."""
    loaded = store.submissions.load_for_assignment(assignment_id)
    if loaded is None:
        raise BackreadNotRecorded("This submission is not on this computer yet: sync first.")
    problems = backread_problems(verdict, loaded[1])
    if problems:
        raise BackreadNotRecorded("The backread is not complete: " + " ".join(problems))
    try:
        store.verdicts.queue(assignment_id, verdict)
    except SheetLockedError:
        raise BackreadNotRecorded(
            "This backread is recorded already or was withdrawn; nothing was changed."
        ) from None


def save_backread_draft(store: Store, assignment_id: str, verdict: BackreadVerdict) -> None:
    """Keep the verdict as written so far (each change, at once)."""
    store.verdicts.save_draft(assignment_id, verdict)


def reopen_backread(store: Store, assignment_id: str) -> None:
    """Make a backread the hub refused editable again (its reason stays in the sync's
    report); any other state says why not."""
    if not store.verdicts.reopen_refused(assignment_id):
        raise BackreadNotRecorded(
            "Only a backread the hub did not accept can be changed; this one is queued for "
            "upload or already with the hub."
        )
