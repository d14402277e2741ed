"""An educator's submission: one attempt at one credential."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from assessor_app.domain.artifacts import Artifact
from assessor_app.domain.decision import Decision


@dataclass(frozen=True)
class PreviousAttempt:
    """What the educator was told last time: shown beside the rubric on a resubmission."""

    attempt: int
    decision: Decision
    feedback: str
    criteria: Mapping[str, str] = field(default_factory=dict)  # criterion id -> level id


@dataclass(frozen=True)
class Submission:
    id: str
    credential_id: str
    attempt: int
    educator_pseudonym: str
    artifacts: tuple[Artifact, ...] = ()
    change_note: str = ""
    previous_attempts: tuple[PreviousAttempt, ...] = ()

    @property
    def is_resubmission(self) -> bool:
        return self.attempt > 1
