"""An assignment gives one submission to one assessor."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import NamedTuple


class AssignmentKind(StrEnum):
    PRODUCTION = "production"
    CALIBRATION = "calibration"


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
