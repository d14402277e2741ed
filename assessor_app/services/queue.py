"""The assessor's queue as plain rows, and the lookups that turn what a person types
(an id, a label or a 1-based number) into a rubric's criteria and levels.

Used by the command line and the offline grading worksheet; no Qt, so it also serves
scripts and headless machines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from assessor_app.domain import AssignmentKind, Criterion, Level, Rubric
from assessor_app.domain.assignment_state import LocalState
from assessor_app.store import DownloadState, Store


class UnknownChoice(ValueError):
    """What was typed names no criterion (or level); the message lists the valid ones."""

    def __init__(self, message: str, valid: list[str]) -> None:
        super().__init__(message)
        self.valid = valid


@dataclass(frozen=True)
class QueueRow:
    """One assignment as the queue lists it. ``download_percent`` is set while the
    submission's files are partly downloaded."""

    assignment_id: str
    credential: str | None
    educator: str | None
    attempt: int | None
    kind: AssignmentKind
    state: LocalState
    revoked: bool
    due_at: datetime | None
    download_percent: int | None


def _download_percent(store: Store, submission_id: str) -> int | None:
    downloads = store.submissions.downloads(submission_id)
    total = sum(d.artifact.size for d in downloads)
    if not downloads or total == 0:
        return None
    done = sum(
        d.artifact.size if d.state == DownloadState.VERIFIED else min(d.bytes_done, d.artifact.size)
        for d in downloads
    )
    return int(100 * done / total)


def queue_rows(store: Store) -> list[QueueRow]:
    """Every assignment in the profile, earliest due first (as ``Assignments.queue``)."""
    rows: list[QueueRow] = []
    for item in store.assignments.queue():
        assignment = item.assignment
        percent = None
        if item.local_state == LocalState.DOWNLOADING:
            percent = _download_percent(store, assignment.submission_id)
        rows.append(
            QueueRow(
                assignment_id=assignment.id,
                credential=item.credential_title,
                educator=item.educator_pseudonym,
                attempt=item.attempt,
                kind=assignment.kind,
                state=item.local_state,
                revoked=item.revoked,
                due_at=item.due_at,
                download_percent=percent,
            )
        )
    return rows


def _pick_by_number(text: str, count: int) -> int | None:
    """The 0-based index a 1-based number names, or None if ``text`` is not one."""
    if text.isdigit() and 1 <= int(text) <= count:
        return int(text) - 1
    return None


def resolve_criterion(rubric: Rubric, text: str) -> Criterion:
    """A criterion by id, or by its 1-based position in the rubric."""
    wanted = text.strip()
    found = rubric.criterion(wanted)
    if found is not None:
        return found
    index = _pick_by_number(wanted, len(rubric.criteria))
    if index is not None:
        return rubric.criteria[index]
    valid = [c.id for c in rubric.criteria]
    raise UnknownChoice(
        f"No criterion {wanted!r} in this rubric. Use one of: {', '.join(valid)} "
        f"(or its number, 1-{len(valid)}).",
        valid,
    )


def resolve_level(criterion: Criterion, text: str) -> Level:
    """A level by id, by label (any case) or by its 1-based number, lowest first."""
    wanted = text.strip()
    found = criterion.level(wanted)
    if found is not None:
        return found
    index = _pick_by_number(wanted, len(criterion.levels))
    if index is not None:
        return criterion.levels[index]
    by_label = [lv for lv in criterion.levels if lv.label.casefold() == wanted.casefold()]
    if len(by_label) == 1:
        return by_label[0]
    valid = [lv.id for lv in criterion.levels]
    raise UnknownChoice(
        f"No level {wanted!r} for criterion {criterion.id!r}. Use one of: {', '.join(valid)} "
        f"(or its number, 1-{len(valid)}).",
        valid,
    )
