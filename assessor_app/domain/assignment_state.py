"""The assignment's state machines, defined once: where a sheet stands on this computer
(``LocalState``), where its upload stands (``OutboxState``), and where the hub's
second-level review has it (``ReviewState``).

The store checks every change against ``LOCAL_TRANSITIONS`` and ``OUTBOX_TRANSITIONS``
(``check_local``, ``check_outbox``); a change not listed raises ``IllegalTransition``,
which services and the CLI turn into the assessor's words. Setting a state to itself is
no change and always allowed. ``EDITABLE`` and ``DECIDED`` are the only answers to "can
this sheet be edited?" and "does it have a decision in force?".

    not_downloaded -> downloading -> ready -> in_progress -> finalized -> uploaded
                   <- (failed) -                             finalized -> conflict
    finalized | conflict           -> in_progress   (reopen, or returned for revision)
    uploaded                       -> in_progress   (returned for revision)
    any undecided state            -> revoked       (the hub withdrew it)
    revoked                        -> not_downloaded (the hub lists it again)

A sheet can be finalized from any editable state: its submission may be on this computer
while some evidence is still downloading.
"""

from __future__ import annotations

from enum import StrEnum


class LocalState(StrEnum):
    NOT_DOWNLOADED = "not_downloaded"
    DOWNLOADING = "downloading"
    READY = "ready"
    IN_PROGRESS = "in_progress"
    FINALIZED = "finalized"
    UPLOADED = "uploaded"
    CONFLICT = "conflict"
    REVOKED = "revoked"


class OutboxState(StrEnum):
    QUEUED = "queued"
    UPLOADING = "uploading"
    UPLOADED = "uploaded"
    RETRY_WAIT = "retry_wait"
    CONFLICT = "conflict"
    WITHDRAWN = "withdrawn"


class ReviewState(StrEnum):
    """Where the hub's workflow has the assessor's uploaded decision, as far as it changes
    what the assessor sees: waiting for a reviewer, sent back to them for revision, or
    final as a return of an incomplete submission."""

    AWAITING_REVIEW = "awaiting_review"
    RETURNED_FOR_REVISION = "returned_for_revision"
    RETURNED_INCOMPLETE = "returned_incomplete"


# A sheet can be edited only in these states; the others keep the decision as recorded.
EDITABLE = frozenset(
    {LocalState.NOT_DOWNLOADED, LocalState.DOWNLOADING, LocalState.READY, LocalState.IN_PROGRESS}
)
# A decision is in force: a feedback report exists, and a revocation must not hide it.
DECIDED = frozenset({LocalState.FINALIZED, LocalState.UPLOADED, LocalState.CONFLICT})
# Still waiting for its evidence: the sync's download path moves these, and only these.
DOWNLOAD_PATH = frozenset({LocalState.NOT_DOWNLOADED, LocalState.DOWNLOADING})
# A decision the assessor can take back before the hub has it.
REOPENABLE = frozenset({LocalState.FINALIZED, LocalState.CONFLICT})

_L = LocalState
LOCAL_TRANSITIONS: dict[LocalState, frozenset[LocalState]] = {
    _L.NOT_DOWNLOADED: frozenset({_L.DOWNLOADING, _L.READY, _L.FINALIZED, _L.REVOKED}),
    _L.DOWNLOADING: frozenset({_L.NOT_DOWNLOADED, _L.READY, _L.FINALIZED, _L.REVOKED}),
    _L.READY: frozenset({_L.IN_PROGRESS, _L.FINALIZED, _L.REVOKED}),
    _L.IN_PROGRESS: frozenset({_L.FINALIZED, _L.REVOKED}),
    _L.FINALIZED: frozenset({_L.UPLOADED, _L.CONFLICT, _L.IN_PROGRESS}),
    _L.UPLOADED: frozenset({_L.IN_PROGRESS}),
    _L.CONFLICT: frozenset({_L.IN_PROGRESS}),
    _L.REVOKED: frozenset({_L.NOT_DOWNLOADED}),
}

_O = OutboxState
OUTBOX_TRANSITIONS: dict[OutboxState, frozenset[OutboxState]] = {
    _O.QUEUED: frozenset({_O.UPLOADING, _O.WITHDRAWN}),
    # Back to queued: an upload a crash interrupted is sent again (the key makes it safe).
    _O.UPLOADING: frozenset({_O.UPLOADED, _O.RETRY_WAIT, _O.CONFLICT, _O.QUEUED}),
    _O.RETRY_WAIT: frozenset({_O.UPLOADING, _O.WITHDRAWN}),
    _O.CONFLICT: frozenset({_O.WITHDRAWN}),
    _O.UPLOADED: frozenset(),
    _O.WITHDRAWN: frozenset(),
}


class IllegalTransition(Exception):
    """A state change the current state does not allow (e.g. reopening after upload).

    ``current`` and ``target`` are the states; the message names what was refused."""

    def __init__(
        self, message: str, current: StrEnum | None = None, target: StrEnum | None = None
    ) -> None:
        super().__init__(message)
        self.current = current
        self.target = target


def check_local(what: str, current: LocalState, target: LocalState) -> None:
    """Raise ``IllegalTransition`` unless ``what`` (an assignment) may go from ``current``
    to ``target``."""
    if target != current and target not in LOCAL_TRANSITIONS[current]:
        raise IllegalTransition(
            f"{what} is {current.value} and cannot become {target.value}", current, target
        )


def check_outbox(what: str, current: OutboxState, target: OutboxState) -> None:
    """Raise ``IllegalTransition`` unless ``what`` (an outbox entry) may go from
    ``current`` to ``target``."""
    if target != current and target not in OUTBOX_TRANSITIONS[current]:
        raise IllegalTransition(
            f"{what} is {current.value} and cannot become {target.value}", current, target
        )
