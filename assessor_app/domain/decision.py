"""The outcome of scoring a submission."""

from enum import StrEnum


class Decision(StrEnum):
    """Pass, Not Yet, or returned as incomplete without a competency judgement."""

    PASS = "pass"
    NOT_YET = "not_yet"
    RETURN_INCOMPLETE = "return_incomplete"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Decision.PASS: "Pass",
    Decision.NOT_YET: "Not Yet",
    Decision.RETURN_INCOMPLETE: "Returned as incomplete",
}
