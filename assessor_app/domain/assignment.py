"""An assignment gives one submission to one assessor."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import NamedTuple


class AssignmentKind(StrEnum):
    """What the assessor is asked to do. Second reads and validity papers are
    ``production`` on the wire: the assessor cannot tell them from first reads."""

    PRODUCTION = "production"
    CALIBRATION = "calibration"
    # Decide between two reads that did not agree (the ``adjudicator`` role).
    ADJUDICATION = "adjudication"
    # Check a decided sheet, criterion by criterion (the ``backreader`` role).
    BACKREAD = "backread"


class Assignment(NamedTuple):
    id: str
    submission_id: str
    kind: AssignmentKind
    status: str
    version: int
    assigned_at: datetime
    due_at: datetime | None = None
    # The hub reviewer's comment while a decision is returned for revision.
    review_comment: str | None = None
