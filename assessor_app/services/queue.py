"""The assessor's queue as plain rows, and the lookups that turn what a person types
(an id, a label or a 1-based number) into a rubric's criteria and levels.

The one read model of the queue: the command line prints these rows and the GUI's
``QueueModel`` shows them. No Qt, so it also serves scripts and headless machines.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import NamedTuple

from assessor_app.domain import AssignmentKind, Criterion, Level, Rubric
from assessor_app.domain.assignment_state import LocalState, ReviewState
from assessor_app.domain.queue_state import QueueState
from assessor_app.store import DownloadState, Store
from assessor_app.store.models import DeclineState


class UnknownChoice(ValueError):
    """What was typed names no criterion (or level); the message lists the valid ones."""

    def __init__(self, message: str, valid: list[str]) -> None:
        super().__init__(message)
        self.valid = valid


class QueueRow(NamedTuple):
    """One assignment as the queue lists it, in the GUI's table and on the command line.

    ``state`` is what the queue shows (``queue_state``), ``local_state`` the sheet's own,
    ``revoked`` whether the hub withdrew the assignment. Hub text (credential, educator,
    reviewer's comment) is as the hub sent it, None until the submission is fetched: each
    surface makes it printable. ``download_percent`` is set while the row shows
    "downloading" and the files' sizes are known; ``due_at`` is UTC."""

    assignment_id: str
    credential_title: str | None
    educator_pseudonym: str | None
    attempt: int | None
    kind: AssignmentKind
    state: QueueState
    local_state: LocalState
    revoked: bool = False
    due_at: datetime | None = None
    download_percent: int | None = None
    review_comment: str | None = None
    # Declined here, waiting for the next sync to tell the hub.
    decline_pending: bool = False

    @property
    def review(self) -> ReviewState | None:
        """Where the hub's review has the decision, when that is what the row shows."""
        return self.state if isinstance(self.state, ReviewState) else None


def queue_state(local: LocalState, review: ReviewState | None) -> QueueState:
    """What the queue shows: where the hub's review stands when it says more, else the
    sheet's local state. A withdrawn assignment shows as withdrawn unless it was already
    decided: then its decision's state stays in view (``Assignments.mark_revoked``)."""
    return review or local


def _download_percents(store: Store, submission_ids: set[str]) -> dict[str, int]:
    """How much of each submission's files is here, in whole percent of their bytes;
    absent where no size is known. One read for all of them."""
    done: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for download in store.submissions.downloads():
        if download.submission_id not in submission_ids:
            continue
        size = download.artifact.size
        total[download.submission_id] += size
        verified = download.state is DownloadState.VERIFIED
        done[download.submission_id] += size if verified else min(download.bytes_done, size)
    return {sub: int(100 * done[sub] / size) for sub, size in total.items() if size}


def queue_rows(store: Store) -> list[QueueRow]:
    """Every assignment in the profile, earliest due first (as ``Assignments.queue``),
    but those whose decline the hub confirmed: declined work leaves the queue for good.
    Runs on the GUI's database worker or in the command line, never on the GUI thread."""
    declines = store.declines.latest()
    items = [
        item
        for item in store.assignments.queue()
        if not (
            (d := declines.get(item.assignment.id)) is not None and d.state is DeclineState.SENT
        )
    ]
    states = [queue_state(i.local_state, i.review) for i in items]
    downloading = {
        item.assignment.submission_id
        for item, state in zip(items, states, strict=True)
        if state is LocalState.DOWNLOADING
    }
    percents = _download_percents(store, downloading) if downloading else {}
    return [
        QueueRow(
            assignment_id=item.assignment.id,
            credential_title=item.credential_title,
            educator_pseudonym=item.educator_pseudonym,
            attempt=item.attempt,
            kind=item.assignment.kind,
            state=state,
            local_state=item.local_state,
            revoked=item.revoked,
            due_at=item.due_at,
            download_percent=percents.get(item.assignment.submission_id)
            if state is LocalState.DOWNLOADING
            else None,
            review_comment=item.review_comment,
            decline_pending=(d := declines.get(item.assignment.id)) is not None
            and d.state is DeclineState.QUEUED,
        )
        for item, state in zip(items, states, strict=True)
    ]


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
