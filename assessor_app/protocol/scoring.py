"""Wire schemas of scoring operations (``/api/v1``): the reads an adjudicator or a
backreader sees, declining an assignment, a backreader's verdict, backreading findings and
recalibration notices. Field names are part of the contract.

Nothing here names a reader: reads are labelled ("Read A", "Read B", "Decided read"), a
finding never says who backread the sheet, and affiliations never leave the hub.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from assessor_app.domain.decision import Decision
from assessor_app.protocol.v1 import CriterionScoreWire, LongText, RecalibrationNotice, _Wire

__all__ = [
    "DECIDED_READ",
    "READ_LABELS",
    "BackreadCriterion",
    "BackreadFinding",
    "BackreadFindings",
    "BackreadReceipt",
    "BackreadVerdict",
    "DeclineReason",
    "DeclineRequest",
    "ReadOut",
    "ReadsOut",
    "RecalibrationNotice",
]

READ_LABELS = ("Read A", "Read B")
"""The labels of an adjudication's two reads, in the order they were recorded."""
DECIDED_READ = "Decided read"
"""The label of the one read a backreader checks."""

DeclineReason = Literal["conflict_of_interest", "cannot_score"]

CriterionId = Annotated[str, Field(min_length=1, max_length=64)]


class ReadOut(_Wire):
    """One read of a submission, without its reader."""

    label: str
    decision: Decision
    criteria: list[CriterionScoreWire]
    feedback: LongText = ""


class ReadsOut(_Wire):
    """``GET /assignments/{id}/reads``: an adjudication's two reads, or a backread's
    decided read."""

    reads: list[ReadOut]


class DeclineRequest(_Wire):
    """``POST /assignments/{id}/decline``: why the assessor will not score this."""

    reason: DeclineReason
    comment: LongText = ""


class BackreadCriterion(_Wire):
    """The backreader's word on one criterion; ``level_id`` (the level they would have
    given) is required when they do not agree."""

    criterion_id: CriterionId
    agree: bool
    level_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    comment: LongText = ""


class BackreadVerdict(_Wire):
    """``PUT /assignments/{id}/backread``. ``send_back`` returns a decision that is not
    final yet to its assessor for revision (the review workflow's return path)."""

    criteria: Annotated[list[BackreadCriterion], Field(max_length=30)]
    comment: LongText = ""
    send_back: bool = False


class BackreadReceipt(_Wire):
    """The hub's answer to a recorded backread verdict (like ``DecisionReceipt``)."""

    assignment_id: str
    version: int
    recorded_at: datetime
    sent_back: bool = False


class BackreadFinding(_Wire):
    """A criterion of one of the caller's own sheets on which a backreader disagreed."""

    assignment_id: str
    credential_title: str
    educator_pseudonym: str
    criterion_id: str
    criterion_title: str
    own_level_id: str | None
    backreader_level_id: str | None
    comment: str
    recorded_at: datetime


class BackreadFindings(_Wire):
    """``GET /backreading``."""

    findings: list[BackreadFinding]
