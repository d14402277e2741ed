"""Status words and symbols (UI-GUIDE "Status words and symbols") as data, and the
due-date countdown.

Colour is never the only signal: every state has a word and a symbol, and every place
that shows a state reads it from here so the queue, the sidebar and the status bar agree.
``symbol()`` falls back to a drawable glyph where the system's fonts lack one. The
countdown is computed from a ``now`` the caller passes in, so it works offline and is
testable.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from assessor_app.domain.wording import span
from assessor_app.ui.qt import QFontMetrics, QGuiApplication

if TYPE_CHECKING:
    # Only for the annotation: the first paint of the main window loads no store code.
    from assessor_app.domain.assignment_state import ReviewState


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
    # The hub's second-level review (``store.repositories.assignments.ReviewState``).
    AWAITING_REVIEW = "awaiting_review"
    RETURNED_FOR_REVISION = "returned_for_revision"
    RETURNED_INCOMPLETE = "returned_incomplete"


class StatusStyle(NamedTuple):
    """``fallback`` replaces ``symbol`` where no installed font can draw it (⧗ is missing
    from the DejaVu fonts many Linux desktops ship): a box instead of a symbol would be
    no signal at all."""

    word: str
    symbol: str
    fallback: str = ""


STATUS: dict[QueueState, StatusStyle] = {
    QueueState.NOT_DOWNLOADED: StatusStyle("Not downloaded", "○"),
    QueueState.DOWNLOADING: StatusStyle("Downloading", "⇣"),
    QueueState.READY: StatusStyle("Ready", "●"),
    QueueState.IN_PROGRESS: StatusStyle("In progress", "◐"),
    QueueState.FINALIZED: StatusStyle("Queued for upload", "⧗", fallback="⇡"),
    QueueState.UPLOADED: StatusStyle("Uploaded", "✓"),
    QueueState.CONFLICT: StatusStyle("Needs attention", "!"),
    QueueState.REVOKED: StatusStyle("Withdrawn", "⊘"),
    QueueState.AWAITING_REVIEW: StatusStyle("Uploaded · awaiting review", "◷"),
    QueueState.RETURNED_FOR_REVISION: StatusStyle("Returned by reviewer", "↺"),
    QueueState.RETURNED_INCOMPLETE: StatusStyle("Returned as incomplete", "↩"),
}

OVERDUE_SYMBOL = "⚠"


def for_review(review: ReviewState) -> QueueState:
    """The state shown for where the hub's review has a decision (the values match)."""
    return QueueState(review.value)


# Sorting the status column puts what needs the assessor first: conflicts, then work
# they can do now, then work on its way, then what is done.
STATE_ORDER: dict[QueueState, int] = {
    QueueState.CONFLICT: 0,
    QueueState.RETURNED_FOR_REVISION: 1,
    QueueState.IN_PROGRESS: 2,
    QueueState.READY: 3,
    QueueState.DOWNLOADING: 4,
    QueueState.NOT_DOWNLOADED: 5,
    QueueState.FINALIZED: 6,
    QueueState.AWAITING_REVIEW: 7,
    QueueState.UPLOADED: 8,
    QueueState.RETURNED_INCOMPLETE: 9,
    QueueState.REVOKED: 10,
}

# The queue sidebar's facets, in display order.
FACETS: tuple[QueueState, ...] = (
    QueueState.READY,
    QueueState.IN_PROGRESS,
    QueueState.RETURNED_FOR_REVISION,
    QueueState.FINALIZED,
    QueueState.UPLOADED,
    QueueState.CONFLICT,
)


_drawable: dict[str, bool] = {}


def symbol(state: QueueState) -> str:
    """The state's symbol, or its fallback when the application font cannot draw it."""
    style = STATUS[state]
    if not style.fallback:
        return style.symbol
    if style.symbol not in _drawable:
        if QGuiApplication.instance() is None:
            return style.symbol
        metrics = QFontMetrics(QGuiApplication.font())
        _drawable[style.symbol] = metrics.inFontUcs4(ord(style.symbol))
    return style.symbol if _drawable[style.symbol] else style.fallback


def status_word(state: QueueState, percent: int | None = None) -> str:
    """``Downloading 42%`` for a download with known progress, else the plain word."""
    word = STATUS[state].word
    if state is QueueState.DOWNLOADING and percent is not None:
        return f"{word} {max(0, min(100, int(percent)))}%"
    return word


def status_text(state: QueueState, percent: int | None = None) -> str:
    """Symbol and word together, e.g. ``⇣ Downloading 42%``."""
    return f"{symbol(state)} {status_word(state, percent)}"


def overdue_word(overdue_by: timedelta) -> str:
    """``Overdue by 2 days``."""
    return f"Overdue by {span(overdue_by)}"


class DueText(NamedTuple):
    """The due column's text and whether it is overdue (shown in red *and* with ⚠)."""

    text: str
    overdue: bool


def _aware(moment: datetime) -> datetime:
    # Naive datetimes in this app are UTC (the store and the wire both use UTC).
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def due_countdown(due_at: datetime | None, now: datetime) -> DueText:
    """``Due in 3 days`` / ``Due in 5 hours`` / ``⚠ Overdue by 2 days`` / ``No due date``."""
    if due_at is None:
        return DueText("No due date", False)
    remaining = _aware(due_at) - _aware(now)
    if remaining.total_seconds() < 0:
        return DueText(f"{OVERDUE_SYMBOL} {overdue_word(-remaining)}", True)
    if remaining.total_seconds() < 60:
        return DueText("Due now", False)
    return DueText(f"Due in {span(remaining)}", False)
