"""How the GUI shows a state: its symbol as the application font can draw it, symbol and
word together, the queue's sort order of states and its sidebar facets.

The words and symbols themselves live in ``domain.status_words``, shared with the command
line; this module adds what needs Qt (the font check) or only the GUI has (sorting,
facets).
"""

from __future__ import annotations

from assessor_app.domain.assignment_state import LocalState, ReviewState
from assessor_app.domain.queue_state import QueueState
from assessor_app.domain.status_words import STATUS, status_word
from assessor_app.ui.qt import QFontMetrics, QGuiApplication

# Sorting the status column puts what needs the assessor first: conflicts, then work
# they can do now, then work on its way, then what is done.
STATE_ORDER: dict[QueueState, int] = {
    LocalState.CONFLICT: 0,
    ReviewState.RETURNED_FOR_REVISION: 1,
    LocalState.IN_PROGRESS: 2,
    LocalState.READY: 3,
    LocalState.DOWNLOADING: 4,
    LocalState.NOT_DOWNLOADED: 5,
    LocalState.FINALIZED: 6,
    ReviewState.AWAITING_REVIEW: 7,
    LocalState.UPLOADED: 8,
    ReviewState.RETURNED_INCOMPLETE: 9,
    LocalState.REVOKED: 10,
}

# The queue sidebar's facets, in display order.
FACETS: tuple[QueueState, ...] = (
    LocalState.READY,
    LocalState.IN_PROGRESS,
    ReviewState.RETURNED_FOR_REVISION,
    LocalState.FINALIZED,
    LocalState.UPLOADED,
    LocalState.CONFLICT,
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


def status_text(state: QueueState, percent: int | None = None) -> str:
    """Symbol and word together, e.g. ``⇣ Downloading 42%``."""
    return f"{symbol(state)} {status_word(state, percent)}"
