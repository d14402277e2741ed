"""A time-pinned note: the assessor's own jotting at a moment of a video or audio
artifact, optionally tied to a criterion. Private to the assessor; never uploaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TimeNote:
    id: int
    assignment_id: str
    artifact_id: str
    time_ms: int
    text: str
    criterion_id: str | None
    created_at: datetime
    updated_at: datetime
