"""Status words and symbols (UI-GUIDE "Status words and symbols") and the due-date
countdown: the one home of the words the GUI and the command line show for where an
assignment stands.

Colour is never the only signal: every state has a word and a symbol. The GUI draws the
symbol (falling back to ``StatusStyle.fallback`` where its font lacks the glyph, see
``ui.status_words``); the command line prints the word. Qt-free, so the command line
loads no GUI code. The countdown is computed from a ``now`` the caller passes in, so it
works offline and is testable.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from assessor_app.domain.assignment import AssignmentKind
from assessor_app.domain.assignment_state import LocalState, ReviewState
from assessor_app.domain.queue_state import QueueState
from assessor_app.domain.wording import span

KIND_WORDS = {
    AssignmentKind.PRODUCTION: "Production",
    AssignmentKind.CALIBRATION: "Calibration",
    AssignmentKind.ADJUDICATION: "Adjudication",
    AssignmentKind.BACKREAD: "Backread",
}
"""The queue's Kind column; production work (second reads included) is labelled nowhere
else."""
ADJUDICATION_HINT = (
    "Adjudication: two assessors' reads of this submission disagree. Read both (Read A, "
    "Read B) and record the final sheet; where your level differs from both, say why."
)
BACKREAD_HINT = (
    "Backread: a decided sheet to read again. Agree or disagree with each criterion; the "
    "assessor who scored it sees your disagreements, never your name."
)
CALIBRATION_HINT = (
    "Calibration: an item of a calibration session. Your levels are compared with the "
    "other assessors' and any answer key (Calibration ▸ Sessions…)."
)
KIND_HINTS = {
    AssignmentKind.CALIBRATION: CALIBRATION_HINT,
    AssignmentKind.ADJUDICATION: ADJUDICATION_HINT,
    AssignmentKind.BACKREAD: BACKREAD_HINT,
}
"""What the Kind cell's tooltip says; production work has none."""


class StatusStyle(NamedTuple):
    """``fallback`` replaces ``symbol`` where no installed font can draw it (⧗ is missing
    from the DejaVu fonts many Linux desktops ship): a box instead of a symbol would be
    no signal at all. ``short`` is the word a narrow queue shows (its tooltip keeps
    ``word``); empty where the word is short already."""

    word: str
    symbol: str
    fallback: str = ""
    short: str = ""


STATUS: dict[QueueState, StatusStyle] = {
    LocalState.NOT_DOWNLOADED: StatusStyle("Not downloaded", "○", short="To download"),
    LocalState.DOWNLOADING: StatusStyle("Downloading", "⇣"),
    LocalState.READY: StatusStyle("Ready", "●"),
    LocalState.IN_PROGRESS: StatusStyle("In progress", "◐"),
    LocalState.FINALIZED: StatusStyle("Queued for upload", "⧗", fallback="⇡", short="Queued"),
    LocalState.UPLOADED: StatusStyle("Uploaded", "✓"),
    LocalState.CONFLICT: StatusStyle("Needs attention", "!", short="Attention"),
    LocalState.REVOKED: StatusStyle("Withdrawn", "⊘"),
    ReviewState.AWAITING_REVIEW: StatusStyle("Uploaded · awaiting review", "◷", short="In review"),
    ReviewState.RETURNED_FOR_REVISION: StatusStyle("Returned by reviewer", "↺", short="Returned"),
    ReviewState.RETURNED_INCOMPLETE: StatusStyle("Returned as incomplete", "↩", short="Incomplete"),
}

DECLINE_QUEUED = StatusStyle("Decline queued", "⊘", short="Declining")
DECLINE_QUEUED_HINT = (
    "Decline queued: it is sent at the next sync, and the assignment then leaves your queue."
)
"""An assignment the assessor declined here, until the hub confirms it (then it leaves
the queue)."""

OVERDUE_SYMBOL = "⚠"


def shown_state(state: QueueState, review: ReviewState | None = None) -> QueueState:
    """The state whose word is shown: the review's where the hub's review says more than
    the local state, else the state itself."""
    return review or state


def status_word(
    state: QueueState,
    percent: int | None = None,
    review: ReviewState | None = None,
) -> str:
    """``Downloading 42%`` while a download's progress is known, the review's word when
    ``review`` is given, else the plain word."""
    shown = shown_state(state, review)
    word = STATUS[shown].word
    if shown is LocalState.DOWNLOADING and percent is not None:
        return f"{word} {max(0, min(100, int(percent)))}%"
    return word


def short_status_word(state: QueueState, percent: int | None = None) -> str:
    """The word a narrow queue shows: ``42%`` while a download's progress is known (the
    symbol says it is a download), else the short word or the word."""
    style = STATUS[state]
    if state is LocalState.DOWNLOADING and percent is not None:
        return f"{max(0, min(100, int(percent)))}%"
    return style.short or style.word


def overdue_word(overdue_by: timedelta) -> str:
    """``Overdue by 2 days``."""
    return f"Overdue by {span(overdue_by)}"


class DueText(NamedTuple):
    """The due words and whether the date is past (the GUI shows it in red *and* with
    ``OVERDUE_SYMBOL``; the command line prints ``words``)."""

    words: str
    overdue: bool
    short: str

    @property
    def text(self) -> str:
        """The words, with the overdue symbol in front when the date is past."""
        return f"{OVERDUE_SYMBOL} {self.words}" if self.overdue else self.words

    @property
    def short_text(self) -> str:
        """What a narrow queue shows: ``in 3 days``, ``now``, ``⚠ 2 days late``, ``—``."""
        return f"{OVERDUE_SYMBOL} {self.short}" if self.overdue else self.short


def _aware(moment: datetime) -> datetime:
    # Naive datetimes in this app are UTC (the store and the wire both use UTC).
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def due_countdown(due_at: datetime | None, now: datetime) -> DueText:
    """``Due in 3 days`` / ``Due in 5 hours`` / ``Overdue by 2 days`` / ``Due now`` /
    ``No due date``."""
    if due_at is None:
        return DueText("No due date", False, "—")
    remaining = _aware(due_at) - _aware(now)
    if remaining.total_seconds() < 0:
        return DueText(overdue_word(-remaining), True, f"{span(-remaining)} late")
    if remaining.total_seconds() < 60:
        return DueText("Due now", False, "now")
    return DueText(f"Due in {span(remaining)}", False, f"in {span(remaining)}")


def due_text(due_at: datetime | None, now: datetime) -> str:
    """The countdown's words alone, for plain text (the command line)."""
    return due_countdown(due_at, now).words
