"""Where one assignment stands as the assessor's queue shows it: the sheet's local state,
unless the hub withdrew the assignment or its second-level review has something to say.

The one state enum of the queue, for the GUI's table and the command line alike. Its
values are those of the local and review states it stands for; which one a row shows is
decided where the queue's rows are read (``services.queue``). No imports: the window's
first paint uses it.
"""

from __future__ import annotations

from enum import StrEnum


class QueueState(StrEnum):
    """Where one assignment stands, as the assessor sees it."""

    NOT_DOWNLOADED = "not_downloaded"
    DOWNLOADING = "downloading"
    READY = "ready"
    IN_PROGRESS = "in_progress"
    FINALIZED = "finalized"
    UPLOADED = "uploaded"
    CONFLICT = "conflict"
    REVOKED = "revoked"
    # Where the hub's second-level review has the decision.
    AWAITING_REVIEW = "awaiting_review"
    RETURNED_FOR_REVISION = "returned_for_revision"
    RETURNED_INCOMPLETE = "returned_incomplete"
