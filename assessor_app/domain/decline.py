"""Declining an assignment: the two reasons an assessor can give, in their words."""

from __future__ import annotations

from enum import StrEnum


class DeclineReason(StrEnum):
    CONFLICT_OF_INTEREST = "conflict_of_interest"
    CANNOT_SCORE = "cannot_score"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    DeclineReason.CONFLICT_OF_INTEREST: "Conflict of interest",
    DeclineReason.CANNOT_SCORE: "Cannot score this",
}
