"""An assignment gives one submission to one assessor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class AssignmentKind(StrEnum):
    PRODUCTION = "production"
    CALIBRATION = "calibration"


@dataclass(frozen=True)
class Assignment:
    id: str
    submission_id: str
    kind: AssignmentKind
    status: str
    version: int
    assigned_at: datetime
    due_at: datetime | None = None
    # The hub reviewer's comment while a decision is returned for revision.
    review_comment: str | None = None
