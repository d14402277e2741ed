"""Where one assignment stands as the assessor's queue shows it: the sheet's local state
(``LocalState``), or, where the hub's second-level review says more, the review's state
(``ReviewState``). Not an enum of its own: the queue shows the states of the one state
machine (``assignment_state``); which one a row shows is decided where the queue's rows
are read (``services.queue``). Light to import: the window's first paint uses it.
"""

from __future__ import annotations

from typing import TypeAlias

from assessor_app.domain.assignment_state import LocalState, ReviewState

QueueState: TypeAlias = LocalState | ReviewState

QUEUE_STATES: tuple[QueueState, ...] = (*LocalState, *ReviewState)
"""Every state a queue row can show (the values are all different)."""

_BY_VALUE: dict[str, QueueState] = {state.value: state for state in QUEUE_STATES}


def parse_queue_state(value: str) -> QueueState:
    """The state ``value`` names (as kept in settings); ValueError for anything else."""
    try:
        return _BY_VALUE[value]
    except KeyError:
        raise ValueError(f"{value!r} is not a queue state") from None
