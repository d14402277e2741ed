"""Turn the store's queue items into the rows the queue model shows: the local state, or
where the hub's review has the decision when that is what the assessor needs to know, with
the reviewer's comment in the status tooltip."""

from __future__ import annotations

from collections import defaultdict

from assessor_app.domain.queue_state import QueueState
from assessor_app.domain.status_words import shown_state
from assessor_app.domain.text import printable
from assessor_app.store import DownloadState, Store
from assessor_app.store.repositories.assignments import QueueItem
from assessor_app.ui.queue.model import QueueRow


def queue_state(item: QueueItem) -> QueueState:
    """The state one queue item shows: withdrawn, where the review stands, or local."""
    if item.revoked:
        return QueueState.REVOKED
    return shown_state(item.local_state, item.review)


def review_note(comment: str | None) -> str:
    """The reviewer's comment as the status tooltip shows it; empty without one."""
    return f"Reviewer’s comment: {comment}" if comment and comment.strip() else ""


def _row(item: QueueItem, percent: int | None) -> QueueRow:
    state = queue_state(item)
    return QueueRow(
        assignment_id=item.assignment.id,
        # Hub text, one line each: a table cell draws a line break as a new line.
        credential_title=printable(item.credential_title or "") or "Not downloaded yet",
        educator_pseudonym=printable(item.educator_pseudonym or "") or "—",
        attempt=item.attempt or 0,
        kind=item.assignment.kind,
        state=state,
        download_percent=percent if state is QueueState.DOWNLOADING else None,
        due_at=item.due_at,
        status_note=review_note(item.review_comment),
    )


def load_queue_rows(store: Store) -> list[QueueRow]:
    """Read on the database worker; the result is handed to the model on the GUI thread."""
    done: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for download in store.submissions.downloads():
        size = download.artifact.size
        total[download.submission_id] += size
        done[download.submission_id] += (
            size if download.state is DownloadState.VERIFIED else min(download.bytes_done, size)
        )
    rows = []
    for item in store.assignments.queue():
        sub = item.assignment.submission_id
        percent = int(100 * done[sub] / total[sub]) if total.get(sub) else 0
        rows.append(_row(item, percent))
    return rows
