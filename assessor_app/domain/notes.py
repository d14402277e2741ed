"""A time-pinned note: the assessor's own jotting at a moment of a video or audio
artifact, optionally tied to a criterion. Never uploaded; private to the assessor unless
marked ``shared``, which puts it in the educator's feedback report."""

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
    shared: bool = False
