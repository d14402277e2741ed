"""The assessor's queue: ``QueueModel``, ``QueueFilterProxy``, ``QueueView`` (the rows
are the queue service's ``QueueRow``)."""

from assessor_app.ui.queue.model import (
    AssignmentIdRole,
    Column,
    QueueFilterProxy,
    QueueModel,
    SortRole,
    StateRole,
)
from assessor_app.ui.queue.view import QueueView

__all__ = [
    "AssignmentIdRole",
    "Column",
    "QueueFilterProxy",
    "QueueModel",
    "QueueView",
    "SortRole",
    "StateRole",
]
