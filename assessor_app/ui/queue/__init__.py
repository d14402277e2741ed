"""The assessor's queue: ``QueueRow``, ``QueueModel``, ``QueueFilterProxy``, ``QueueView``."""

from assessor_app.ui.queue.model import (
    AssignmentIdRole,
    Column,
    QueueFilterProxy,
    QueueModel,
    QueueRow,
    SortRole,
    StateRole,
)
from assessor_app.ui.queue.view import QueueView

__all__ = [
    "AssignmentIdRole",
    "Column",
    "QueueFilterProxy",
    "QueueModel",
    "QueueRow",
    "QueueView",
    "SortRole",
    "StateRole",
]
